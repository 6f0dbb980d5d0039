// Campaign ROI: deals won from reached contacts within the workspace's window after their send.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";

let t: TestApp;
let c: ConsoleSession;
beforeAll(async () => {
  t = await startTestApp();
  c = await consoleSession(t.url, "ROI Co", "Rob");
});
afterAll(async () => {
  await t.stop();
});

describe("campaign ROI in campaign status", () => {
  it("counts a deal won by a reached contact after the send, not one won before it or by someone not reached", async () => {
    const p = t.app.db.prisma;
    await c.run("contact add Ann Reached email:ann@x.io");
    await c.run("contact add Ben Other email:ben@x.io");
    const [ann, ben] = await Promise.all([
      p.contact.findFirstOrThrow({ where: { email: "ann@x.io" } }),
      p.contact.findFirstOrThrow({ where: { email: "ben@x.io" } }),
    ]);
    const campaign = await p.campaign.create({
      data: {
        workspaceId: c.workspaceId,
        number: 1,
        name: "Spring",
        segment: "has:email",
        channel: "email",
        message: "Hi",
        status: "done",
        startedAt: new Date(Date.now() - 86400_000),
      },
    });
    await p.campaignRecipient.create({
      data: {
        workspaceId: c.workspaceId,
        campaignId: campaign.id,
        contactId: ann.id,
        status: "sent",
        sentAt: new Date(Date.now() - 86400_000),
      },
    });
    await p.campaignRecipient.create({
      data: { workspaceId: c.workspaceId, campaignId: campaign.id, contactId: ben.id, status: "skipped" },
    });
    const none = await c.run("campaign status K-1");
    expect(none.plain).toContain("ROI: no deal won yet from reached contacts (window 30 days");
    await c.run('deal new "Ann buys" 4k contact:C-1');
    await c.run('deal new "Ben buys" 9k contact:C-2');
    await c.run("deal won D-1");
    await c.run("deal won D-2");
    const roi = await c.run("campaign status K-1");
    expect(roi.plain).toContain("ROI: 1 deal(s) won from reached contacts within 30 days of their send: $4,000");
  });
});
