// The digest carries the predicted forecast beside the stage-weighted one, and CSAT per agent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { until } from "./helpers/until.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";

let t: TestApp;
let c: ConsoleSession;
beforeAll(async () => {
  t = await startTestApp();
  c = await consoleSession(t.url, "Forecast Co", "Fay");
});
afterAll(async () => {
  await t.stop();
});

describe("digest: predictions and CSAT", () => {
  it("under the stage fallback the digest and deal show agree no model scored the deal; a fitted model's scores show as the predicted figure", async () => {
    // today (UTC, the workspace's zone): always before the month's end, whatever the hour the suite runs
    const close = new Date().toISOString().slice(0, 10);
    expect((await c.run(`deal new "Soon" 10k stage:proposal close:${close}`)).kind).toBe("ok");
    const before = await c.run("digest month");
    expect(before.plain).toContain("No predicted forecast yet: the win model needs 30 closed deals");
    // the debounced re-scoring of the new deal gives it the stage's probability (no model yet): the digest
    // and `deal show` agree that no model scored it
    await until("the stage fallback's probability", () =>
      t.app.db.prisma.deal.findFirst({ where: { workspaceId: c.workspaceId, winProbability: { not: null } } }),
    );
    expect((await c.run("deal show D-1")).plain).toContain("a fitted model needs 30");
    expect((await c.run("digest month")).plain).toContain("No predicted forecast yet: the win model needs 30 closed deals");
    // a fitted model's score (what winModel.ts writes once 30 deals have closed)
    await t.app.db.prisma.deal.updateMany({
      where: { workspaceId: c.workspaceId },
      data: { winProbability: 0.8, winReasons: { source: "model", sampleSize: 40, reasons: [] } },
    });
    const after = await c.run("digest month");
    expect(after.plain).toMatch(/Predicted \(win model\): \$8,000 open, 1 of 1 deal scored by the model/);
  });

  it("ratings answered in the period appear per agent", async () => {
    await c.run("contact add Rae Rater email:rae@x.io");
    await c.run("ticket new Help contact:C-1 assign:me");
    const ticket = await t.app.db.prisma.ticket.findFirstOrThrow({ where: { workspaceId: c.workspaceId } });
    await t.app.db.prisma.csatResponse.create({
      data: { workspaceId: c.workspaceId, ticketId: ticket.id, rating: 4, answeredAt: new Date() },
    });
    const d = await c.run("digest today");
    expect(d.plain).toContain("Customer satisfaction");
    expect(d.plain).toContain("Fay 4.0/5 (1 rating)");
  });
});

describe("digest: accounts at risk", () => {
  it("a company with a breached open ticket is listed with its reasons; a calm one is not", async () => {
    const s2 = await consoleSession(t.url, "Risky Co", "Rita");
    await s2.run('contact add Carl Client email:carl@risky.io company:"Risky Corp"');
    await s2.run('contact add Cora Calm email:cora@calm.io company:"Calm Corp"');
    await s2.run("ticket new Outage contact:C-1 assign:me");
    await s2.run("ticket new Question contact:C-2 assign:me");
    await t.app.db.prisma.ticket.updateMany({ where: { workspaceId: s2.workspaceId, subject: "Outage" }, data: { breached: true } });
    const d = await s2.run("digest today");
    expect(d.plain).toContain("Accounts at risk");
    expect(d.plain).toMatch(/A-1 Risky Corp: .*breached/);
    expect(d.plain).not.toContain("Calm Corp");
  });
});
