// Two members with one name: a name alone says who they are and how to pick one; "Raj Patel (2)" picks
// the second to join, in every member argument (assign:, ticket assign, deal owner:).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";

let t: TestApp;
let c: ConsoleSession;
let first: string;
let second: string;
beforeAll(async () => {
  t = await startTestApp();
  c = await consoleSession(t.url, "Twin Names");
  first = await c.addMember("Raj Patel", "agent");
  second = await c.addMember("Raj Patel", "agent");
});
afterAll(async () => {
  await t.stop();
});

const tickets = () => t.app.db.prisma.ticket.count({ where: { workspaceId: c.workspaceId } });

describe("members who share a name", () => {
  it("the name alone is refused with each one's numbered name, and nothing is written", async () => {
    const r = await c.run('ticket new "Printer" assign:"Raj Patel"');
    expect(r.kind).toBe("error");
    expect(r.plain).toContain(
      '2 members are named "Raj Patel": "Raj Patel (1)", "Raj Patel (2)"; write one of these, or mention the person.',
    );
    expect(await tickets()).toBe(0);
  });

  it('"Raj Patel (2)" is the second to join, "(1)" the first, in assign: and in ticket assign', async () => {
    expect((await c.run('ticket new "Printer" assign:"Raj Patel (2)"')).plain).toContain("Raj Patel");
    const t1 = await t.app.db.prisma.ticket.findFirstOrThrow({ where: { workspaceId: c.workspaceId, number: 1 } });
    expect(t1.assigneeId).toBe(second);
    expect((await c.run('ticket assign T-1 "Raj Patel (1)"')).kind).toBe("ok");
    const again = await t.app.db.prisma.ticket.findFirstOrThrow({ where: { workspaceId: c.workspaceId, number: 1 } });
    expect(again.assigneeId).toBe(first);
  });

  it("a number past the last one says how many there are", async () => {
    const r = await c.run('ticket assign T-1 "Raj Patel (3)"');
    expect(r.kind).toBe("error");
    expect(r.plain).toContain('There are 2 "Raj Patel"; "Raj Patel (1)", "Raj Patel (2)"');
  });
});
