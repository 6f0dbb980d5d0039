// Predictions through Slack's real path: signed slash commands into the running server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { apiArgs, slackEnv, slashText, startFakeSlack } from "./helpers/slack.ts";

let t: TestApp;
let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeSlack();
  fake.on("POST", "/api/conversations.open", (r) => ({ body: { ok: true, channel: { id: `D${apiArgs(r).users}` } } }));
  t = await startTestApp(slackEnv(fake));
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

describe("/crm score, leads and model from Slack", () => {
  it("an admin adds a rule, lists rules and leads, and asks for a refit", async () => {
    expect(await slashText(t.url, "score rule add tag:vip 25", fake)).toContain("is now +25 points");
    expect(await slashText(t.url, "score rules", fake)).toContain("tag:vip");
    expect(await slashText(t.url, "leads", fake)).toContain("No unowned leads with a score yet");
    expect(await slashText(t.url, "model refit", fake)).toContain("No model yet");
  });

  it("a second Slack user (an agent) cannot change rules", async () => {
    expect(await slashText(t.url, "role <@W222> agent", fake)).toContain("is now agent");
    const r = await slashText(t.url, "score rule add tag:vip 99", fake, { user: "W222", userName: "rep" });
    expect(r).toMatch(/managers and admins/);
  });

  it("a lead crossing the threshold is assigned and its new owner gets a direct message", async () => {
    const p = t.app.db.prisma;
    await p.workspace.updateMany({ data: { leadThreshold: 20 } });
    expect(await slashText(t.url, "contact add Lea Lead email:lea@initech.test tags:vip", fake)).toContain("C-1");
    // arrived unowned, like an imported lead; the rescore job from contact add may already be waiting
    await p.contact.updateMany({ where: { email: "lea@initech.test" }, data: { ownerId: null, score: null } });
    expect(await slashText(t.url, "contact tag C-1 hot", fake)).toContain("vip");
    const end = Date.now() + 20_000;
    let dm: any;
    while (!dm && Date.now() < end) {
      dm = fake
        .calls("/api/chat.postMessage")
        .map(apiArgs)
        .find((a) => /your lead/.test(JSON.stringify(a.blocks ?? a.text)));
      if (!dm) await new Promise((r) => setTimeout(r, 200));
    }
    expect(dm, "a DM to the new owner").toBeTruthy();
    expect(dm.channel).toBe("DW111");
    const lea = await p.contact.findFirstOrThrow({ where: { email: "lea@initech.test" } });
    expect(lea.score).toBe(25);
    expect(lea.ownerId).not.toBeNull();
  });
});
