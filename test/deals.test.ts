// A sales team works its pipeline from the console: create, move, win, lose, list, board.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";

let t: TestApp;
let c: ConsoleSession;
let rep: string;
beforeAll(async () => {
  t = await startTestApp();
  c = await consoleSession(t.url);
  rep = await c.addMember("Rita Rep");
  await c.run("contact add Ana Lopez email:ana@acme.com company:Acme");
});
afterAll(async () => {
  await t.stop();
});

const auditCount = () => t.app.db.prisma.auditLog.count();

describe("deals", () => {
  it("creates a deal with amount, company from the contact, stage and close date", async () => {
    const r = await c.run('/crm deal new "Acme renewal" $12,000 contact:ana@acme.com stage:proposal close:2026-12-31');
    expect(r.kind).toBe("ok");
    expect(r.plain).toContain("D-1 · Acme renewal");
    expect(r.plain).toContain("Amount: $12,000");
    expect(r.plain).toContain("Stage: proposal (50%)");
    expect(r.plain).toContain("Company: A-1 Acme");
    expect(r.plain).toContain("Expected close: 2026-12-31");
    expect(r.plain).toContain("[Move to negotiation](deal move D-1 negotiation)");
    const row = await t.app.db.prisma.deal.findFirstOrThrow({ where: { workspaceId: c.workspaceId, number: 1 } });
    expect(row.amount.toString()).toBe("12000");
    expect(row.currency).toBe("USD");
  });

  it("accepts an unquoted title, k suffixes and currencies", async () => {
    const r = await c.run("deal new Globex pilot €7.5k company:Globex owner:Rita");
    expect(r.plain).toContain("D-2 · Globex pilot");
    expect(r.plain).toContain("Amount: €7,500");
    expect(r.plain).toContain("Owner: Rita Rep");
    expect(r.plain).toContain("Stage: lead (10%)");
  });

  it("moves through stages with history, via the button command", async () => {
    const moved = await c.run("deal move D-1 negotiation");
    expect(moved.plain).toContain("moved proposal → negotiation");
    const won = await c.run("deal won D-1");
    expect(won.plain).toContain("won 🎉");
    const show = await c.run("deal show D-1");
    expect(show.plain).toMatch(/created in proposal by Ada Admin\n.*proposal → negotiation by Ada Admin\n.*negotiation → won by Ada Admin/);
    const row = await t.app.db.prisma.deal.findFirstOrThrow({ where: { workspaceId: c.workspaceId, number: 1 } });
    expect(row.closedAt).not.toBeNull();
  });

  it("loses a deal with a reason", async () => {
    await c.run('deal new "Initech" 5000');
    const r = await c.run("deal lost D-3 went with a competitor");
    expect(r.plain).toContain("Lost because: went with a competitor");
  });

  it("lists open deals, mine, and by stage; the board sums amounts and weights them", async () => {
    await c.run('deal new "Umbrella" 20k stage:qualified');
    const open = await c.run("deal list");
    expect(open.plain).toContain("D-4 Umbrella");
    expect(open.plain).toContain("D-2 Globex pilot");
    expect(open.plain).not.toContain("D-1 ");
    const mine = await c.run("deal list mine", rep);
    expect(mine.plain).toContain("D-2 Globex pilot");
    expect(mine.plain).not.toContain("Umbrella");
    const won = await c.run("deal list stage:won");
    expect(won.plain).toContain("D-1 Acme renewal");
    const board = await c.run("pipeline");
    expect(board.plain).toContain("qualified (25%) · 1 deal · $20,000 · weighted $5,000");
    expect(board.plain).toContain("lead (10%) · 1 deal · €7,500 · weighted €750");
    expect(board.plain).toContain("won (100%) · 1 deal · $12,000");
    expect(board.plain, board.plain).toContain("Open: 2 deals · weighted $5,000 + €750");
  });

  it("agents change only their own or unowned deals; managers change any", async () => {
    const denied = await c.run("deal move D-4 proposal", rep);
    expect(denied.kind).toBe("error");
    expect(denied.plain).toContain("only move deals on records that are yours or unassigned");
    expect((await c.run("deal move D-2 qualified", rep)).kind).toBe("ok");
  });

  it("bad input shows the problem and the usage, and writes nothing", async () => {
    const before = await auditCount();
    const cases: [string, RegExp][] = [
      ["deal new Foo", /amount is missing/],
      ["deal new Foo -5", /amount/],
      ['deal new "Foo" 10 stage:nowhere', /"nowhere" is not a stage. Stages: lead, qualified, proposal, negotiation, won, lost/],
      ['deal new "Foo" 10 close:"someday maybe"', /close .*as a date/],
      ['deal new "Foo" 10 contact:C-99', /No contact C-99/],
      ["deal move D-99 won", /No deal D-99 in this workspace/],
      ["deal move C-1 won", /C-1 is a contact key; expected a deal/],
      ["deal move D-4 qualified", /already in qualified/],
      ['deal new "Foo" 10 color:red', /Unknown option "color:"/],
    ];
    for (const [text, expected] of cases) {
      const r = await c.run(text);
      expect(r.kind, text).toBe("error");
      expect(r.plain, text).toMatch(expected);
    }
    expect(await auditCount()).toBe(before);
    const usage = await c.run("deal new Foo");
    expect(usage.plain).toContain('Usage: /crm deal new "<title>" <amount>');
  });
});
