// Account health on `company show`: it follows pipeline, wins, interactions and ticket breaches.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import { judgeHealth } from "../src/domain/health/accountHealth.ts";

const base = { wonRevenue: 0, openPipeline: 0, openTickets: 0, breachedTickets: 0, daysSinceInteraction: null };

describe("health rules", () => {
  it("judges healthy, watch and at risk with reasons", () => {
    expect(judgeHealth(base).status).toBe("healthy");
    expect(judgeHealth({ ...base, openPipeline: 1000 })).toMatchObject({ status: "watch", reasons: ["no interactions logged"] });
    expect(judgeHealth({ ...base, wonRevenue: 5000, daysSinceInteraction: 10 })).toMatchObject({
      status: "healthy",
      reasons: ["customer with won revenue", "last contact 10 days ago"],
    });
    expect(judgeHealth({ ...base, wonRevenue: 5000, daysSinceInteraction: 45 })).toMatchObject({
      status: "watch",
      reasons: ["no contact for 45 days"],
    });
    expect(judgeHealth({ ...base, wonRevenue: 5000, daysSinceInteraction: 90 })).toMatchObject({
      status: "at risk",
      reasons: ["no contact for 90 days"],
    });
    expect(judgeHealth({ ...base, openTickets: 3 }).status).toBe("watch");
    expect(judgeHealth({ ...base, openTickets: 6, breachedTickets: 1, daysSinceInteraction: 1 })).toMatchObject({
      status: "at risk",
      reasons: ["1 breached ticket", "6 open tickets"],
    });
  });
});

let t: TestApp;
let c: ConsoleSession;
beforeAll(async () => {
  t = await startTestApp();
  c = await consoleSession(t.url);
});
afterAll(async () => {
  await t.stop();
});

const health = async () => /Health: (.*)/.exec((await c.run("company show A-1")).plain)?.[1];

describe("company show", () => {
  it("changes with pipeline, interactions, a win and a breached ticket", async () => {
    await c.run("company add Acme domain:acme.com");
    expect(await health()).toBe("🟢 healthy — no issues");
    await c.run('deal new "Acme renewal" 12k company:Acme stage:proposal');
    expect(await health()).toBe("🟡 watch — no interactions logged");
    await c.run("log call A-1 Renewal kickoff");
    expect(await health()).toBe("🟢 healthy — open pipeline, last contact 0 days ago");
    await c.run("deal won D-1");
    expect(await health()).toBe("🟢 healthy — customer with won revenue, last contact 0 days ago");
    await c.run("contact add Ana Lopez email:ana@acme.com company:Acme");
    await c.run("ticket new Printer broken contact:C-1");
    await t.app.db.prisma.ticket.updateMany({ where: { workspaceId: c.workspaceId, number: 1 }, data: { breached: true } });
    expect(await health()).toBe("🔴 at risk — 1 breached ticket");
    await c.run("ticket resolve T-1 fixed");
    expect(await health()).toMatch(/healthy/);
  });

  it("a long silence puts a customer at risk", async () => {
    const old = new Date(Date.now() - 75 * 86_400_000);
    await t.app.db.prisma.interaction.updateMany({ where: { workspaceId: c.workspaceId }, data: { occurredAt: old } });
    await t.app.db.prisma.contact.updateMany({ where: { workspaceId: c.workspaceId }, data: { lastInteractionAt: old } });
    expect(await health()).toBe("🔴 at risk — no contact for 75 days");
  });
});
