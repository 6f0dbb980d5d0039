// A support desk works its tickets from the console (the same engine Slack and Discord use): open them,
// route them to whoever is on call, escalate, wait on the customer, resolve, and watch the SLA clocks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";
import type { Actor } from "../src/domain/actor.ts";
import { clockState, isBreached, resumeChanges, type ClockedTicket } from "../src/domain/tickets/slaClock.ts";

const H = 3_600_000;
let t: TestApp;
let c: ConsoleSession;
let db: PrismaClient;
let ann: string, bob: string, mia: string, vic: string;

const ticket = (number: number, workspaceId = c.workspaceId) =>
  db.ticket.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId, number } }, include: { assignee: true, requester: true } });
// counts of what a command could write; `besides` leaves out tickets the SLA timers may still be changing
const writes = async (workspaceId = c.workspaceId, besides: string[] = []) => ({
  audit: await db.auditLog.count({ where: { workspaceId, entityId: { notIn: besides } } }),
  tickets: await db.ticket.count({ where: { workspaceId } }),
  events: await db.ticketEvent.count({ where: { workspaceId, ticketId: { notIn: besides } } }),
  interactions: await db.interaction.count({ where: { workspaceId } }),
  members: await db.member.findMany({
    where: { workspaceId },
    select: { id: true, lastAssignedAt: true, onCall: true },
    orderBy: { id: "asc" },
  }),
});

beforeAll(async () => {
  t = await startTestApp();
  db = t.app.db.prisma;
  c = await consoleSession(t.url, "Acme Support");
  ann = await c.addMember("Ann Agent");
  bob = await c.addMember("Bob Agent");
  mia = await c.addMember("Mia Manager", "manager");
  vic = await c.addMember("Vic Viewer", "viewer");
  expect((await c.run("contact add Ana Lopez email:ana@acme.com company:Acme")).kind).toBe("ok");
});
afterAll(async () => {
  await t.stop();
});

describe("support desk tickets", () => {
  it("opens tickets with every option; SLA due times come from the workspace policy", async () => {
    const plain = await c.run("/crm ticket new Printer is on fire");
    expect(plain.kind).toBe("ok");
    expect(plain.plain).toContain("Opened T-1 Printer is on fire");
    expect(plain.plain).toContain("Priority: normal");
    expect(plain.plain).toContain("Assignee: unassigned");
    expect(plain.plain).toContain("[Assign to me](ticket assign T-1 me)");
    expect(plain.recordKey).toBe("T-1");
    expect(plain.blocks.find((b) => b.type === "text")).toMatchObject({ text: expect.arrayContaining([{ text: "T-1", bold: true }]) });
    const t1 = await ticket(1);
    expect(t1.firstResponseDueAt!.getTime() - t1.createdAt.getTime()).toBe(8 * H);
    expect(t1.resolutionDueAt!.getTime() - t1.createdAt.getTime()).toBe(72 * H);

    const urgent = await c.run('ticket new "VPN down" priority:urgent contact:ana@acme.com assign:Ann');
    expect(urgent.plain).toContain("Opened T-2 VPN down");
    expect(urgent.plain).toContain("Requester: C-1 Ana Lopez");
    expect(urgent.plain).toContain("Assignee: Ann Agent");
    expect(urgent.plain).toMatch(/First response: due .* UTC \(1h left\)/);
    const t2 = await ticket(2);
    expect([t2.priority, t2.requester?.name, t2.assignee?.name]).toEqual(["urgent", "Ana Lopez", "Ann Agent"]);
    expect(t2.resolutionDueAt!.getTime() - t2.createdAt.getTime()).toBe(4 * H);

    const mine = await c.run("ticket new Billing question priority:low contact:C-1 assign:me", ann);
    expect(mine.plain).toContain("Opened T-3 Billing question");
    expect((await ticket(3)).assignee?.name).toBe("Ann Agent");
    const byName = await c.run('ticket new Refund please contact:"Ana Lopez" priority:high assign:@Bob');
    expect(byName.plain).toContain("Assignee: Bob Agent");
    expect((await ticket(4)).priority).toBe("high");

    expect(await db.ticketEvent.count({ where: { workspaceId: c.workspaceId, kind: "created" } })).toBe(4);
    expect(await db.auditLog.count({ where: { workspaceId: c.workspaceId, action: "ticket.new" } })).toBe(4);
  });

  it("auto-assign needs someone on call; nobody on call writes nothing and says how to fix it", async () => {
    const before = await writes();
    const none = await c.run('ticket new "Login loop" assign:auto');
    expect(none.kind).toBe("error");
    expect(none.plain).toContain("Nobody is on call");
    expect(none.plain).toContain("/crm oncall on");
    expect(await writes()).toEqual(before);

    expect((await c.run("oncall on", ann)).kind).toBe("ok");
    const auto = await c.run('ticket new "Login loop" assign:auto');
    expect(auto.plain).toContain("Opened T-5 Login loop"); // the failed attempt gave its number back
    expect(auto.plain).toContain("Assignee: Ann Agent (auto, on call)");
    expect((await db.member.findUniqueOrThrow({ where: { id: ann } })).lastAssignedAt).not.toBeNull();
    // reassigning "auto" when Ann is the only one on call leaves it with her and writes nothing
    const stays = await c.run("ticket assign T-5 auto", ann);
    expect(stays.plain).toContain("stays with Ann Agent");
    expect((await c.run("oncall off", ann)).kind).toBe("ok");
  });

  it("assign, escalate, resolve and show a ticket, with who may do what", async () => {
    const took = await c.run("ticket assign T-1 me", bob);
    expect(took.plain).toContain("T-1 Printer is on fire is now assigned to Bob Agent.");
    const grab = await c.run("ticket assign T-1 me", ann);
    expect(grab.kind).toBe("error");
    expect(grab.plain).toContain("yours or unassigned");

    // any agent may escalate any open ticket: it asks for help and leaves the assignee alone
    const esc = await c.run("ticket escalate T-1 customer is furious", ann);
    expect(esc.plain).toContain("T-1 Printer is on fire escalated to level 1: customer is furious");
    expect((await c.run("ticket escalate T-1", bob)).plain).toContain("escalated to level 2");

    const show = await c.run("ticket show T-1", vic);
    expect(show.kind).toBe("ok");
    expect(show.recordKey).toBe("T-1");
    for (const text of [
      "T-1 · Printer is on fire",
      "Status: open",
      "Priority: normal",
      "Requester: —",
      "Assignee: Bob Agent",
      "Escalation: level 2",
      "opened by Ada Admin (normal)",
      "assigned to Bob Agent by Bob Agent",
      "escalated to level 1 by Ann Agent: customer is furious",
      "[Assign to me](ticket assign T-1 me)",
      "[Escalate](ticket escalate T-1)",
      "[Resolve](ticket resolve T-1)",
    ]) {
      expect(show.plain).toContain(text);
    }
    expect(show.plain).toMatch(/First response: due \d{4}-\d\d-\d\d \d\d:\d\d UTC \((8h|7h 5\dm) left\)/);
    expect(show.plain).toMatch(/Resolution: due .* UTC \((3d|2d 23h 5\dm) left\)/);

    const refused = await c.run("ticket resolve T-1 done", ann);
    expect(refused.kind).toBe("error");
    expect(refused.plain).toContain("You can only resolve tickets on records that are yours or unassigned");
    const resolved = await c.run("ticket resolve T-1 Replaced the fuser; customer confirmed", mia);
    expect(resolved.plain).toContain("Resolved T-1 Printer is on fire.");
    const t1 = await ticket(1);
    expect(t1.status).toBe("resolved");
    expect(t1.resolvedAt).not.toBeNull();
    const note = await db.interaction.findFirstOrThrow({ where: { ticketId: t1.id } });
    expect([note.kind, note.summary, note.authorId]).toEqual(["note", "Replaced the fuser; customer confirmed", mia]);

    const after = await c.run("ticket show T-1");
    expect(after.plain).toContain("Status: resolved");
    expect(after.plain).toMatch(/Resolution: resolved \d{4}-/);
    expect(after.plain).toContain("note by Mia Manager: Replaced the fuser; customer confirmed");
    expect(after.plain).toContain("resolved by Mia Manager");
    // a resolved card offers Reopen only: no Assign, Escalate, Resolve or Remind me
    expect(after.plain).toContain("[Reopen](ticket reopen T-1)");
    expect(after.plain).not.toMatch(/\[(Assign to me|Escalate|Resolve|Remind me)[^\]]*\]/);

    expect((await c.run("ticket resolve T-1")).plain).toContain("T-1 is already resolved");
    expect((await c.run("ticket assign T-1 me")).plain).toContain("T-1 is already resolved");
    // managers move anyone's ticket
    expect((await c.run("ticket assign T-4 Ann", mia)).plain).toContain("now assigned to Ann Agent (was Bob Agent)");
  });

  it("lists open, mine and breached tickets", async () => {
    const open = await c.run("ticket list");
    expect(open.plain).toContain("Open tickets (4)");
    expect(open.plain).toMatch(/T-2 VPN down · urgent · open · Ann Agent[\s\S]*T-4 Refund please · high[\s\S]*T-3 Billing question · low/);
    expect(open.plain).not.toContain("T-1 ");
    const mine = await c.run("ticket list mine", ann);
    expect(mine.plain).toContain("My open tickets (4)");
    expect((await c.run("ticket list mine", bob)).plain).toContain("No open tickets assigned to you.");
    expect((await c.run("ticket list breached")).plain).toContain("No tickets are past their SLA.");

    // a tiny SLA: the next urgent ticket is late for its first response almost at once
    await db.slaPolicy.update({
      where: { workspaceId_priority: { workspaceId: c.workspaceId, priority: "urgent" } },
      data: { firstResponseSec: 1 },
    });
    expect((await c.run('ticket new "Site down" priority:urgent')).plain).toContain("T-6");
    await new Promise((r) => setTimeout(r, 1100));
    // a past resolution due time, and a ticket the SLA timer already flagged
    await db.ticket.update({ where: { id: (await ticket(3)).id }, data: { resolutionDueAt: new Date(Date.now() - H) } });
    await db.ticket.update({ where: { id: (await ticket(4)).id }, data: { breached: true } });
    const breached = await c.run("ticket list breached", vic);
    expect(breached.plain).toContain("Tickets past their SLA (3)");
    // the SLA timer may already have escalated it to level 1 (test/sla.timers.test.ts covers that)
    expect(breached.plain).toMatch(/T-6 Site down · urgent · open · unassigned( · level 1)? · ⚠️ breached/);
    expect(breached.plain).toContain("T-3 Billing question");
    expect(breached.plain).toContain("T-4 Refund please");
    expect(breached.plain).not.toContain("T-2 ");
    const show = await c.run("ticket show T-6");
    expect(show.plain).toMatch(/First response: breached \(was due .* UTC\)/);
    expect(show.plain).toContain("⚠️ SLA breached");
  });

  it("waiting on the customer pauses the SLA clocks; resume moves the due times by the time waited", async () => {
    const waiting = await c.run("ticket wait T-2", ann);
    expect(waiting.plain).toContain("T-2 VPN down is waiting on the customer");
    let t2 = await ticket(2);
    expect(t2.status).toBe("waiting");
    expect(t2.waitingSince).not.toBeNull();
    expect((await c.run("ticket wait T-2", ann)).plain).toContain("T-2 is already waiting");
    const show = await c.run("ticket show T-2");
    expect(show.plain).toContain("Status: waiting since");
    expect(show.plain).toMatch(/First response: paused while waiting \((1h|5\dm) left\)/);
    expect(show.plain).toContain("waiting on the customer (Ann Agent)");

    // two hours later the customer answers (the log command calls resume)
    const since = new Date(Date.now() - 2 * H);
    await db.ticket.update({ where: { id: t2.id }, data: { waitingSince: since } });
    const due = { first: t2.firstResponseDueAt!.getTime(), resolve: t2.resolutionDueAt!.getTime() };
    // while it waits, a due time that passes is not a breach: the clock stopped at waitingSince
    expect((await c.run("ticket list breached")).plain).not.toContain("T-2 ");
    const actor: Actor = { workspaceId: c.workspaceId, memberId: bob, name: "Bob Agent", role: "agent", platform: "console" };
    const resumed = await t.app.services.tickets.resume(actor, t2.id);
    expect(resumed?.status).toBe("open");
    t2 = await ticket(2);
    const paused = Number(t2.pausedMs);
    expect(paused).toBeGreaterThanOrEqual(2 * H);
    expect(paused).toBeLessThan(2 * H + 60_000);
    expect(t2.firstResponseDueAt!.getTime() - due.first).toBe(paused);
    expect(t2.resolutionDueAt!.getTime() - due.resolve).toBe(paused);
    expect(t2.waitingSince).toBeNull();
    expect(await t.app.services.tickets.resume(actor, t2.id)).toBeNull(); // not waiting: nothing to do
    expect(await db.ticketEvent.count({ where: { ticketId: t2.id, kind: "resumed" } })).toBe(1);
    const shown = await c.run("ticket show T-2");
    expect(shown.plain).toContain("Status: open");
    expect(shown.plain).toContain("Time paused: 2h");
    expect(shown.plain).toContain("resumed by Bob Agent after 2h waiting");
  });

  it("viewers read tickets but cannot change them", async () => {
    expect((await c.run("ticket list", vic)).kind).toBe("ok");
    for (const cmd of [
      "ticket new Viewer ticket",
      "ticket assign T-3 me",
      "ticket escalate T-3",
      "ticket resolve T-3",
      "ticket wait T-3",
    ]) {
      const r = await c.run(cmd, vic);
      expect(r.kind).toBe("error");
      expect(r.plain).toContain("Viewers can read but not change records");
    }
    const toViewer = await c.run("ticket assign T-6 Vic");
    expect(toViewer.plain).toContain("Vic Viewer is a viewer and cannot work tickets");
  });

  it("bad input says what was wrong, shows the usage, and writes nothing", async () => {
    // T-6 breached its 1 s SLA above: its escalation may land at any moment on a slow machine
    const escalating = [(await ticket(6)).id];
    const before = await writes(c.workspaceId, escalating);
    const prio = await c.run("ticket new Broken laptop priority:critical");
    expect(prio.kind).toBe("error");
    expect(prio.plain).toContain('priority "critical" is not one of low, normal, high, urgent');
    expect(prio.plain).toContain('Usage: /crm ticket new "<subject>" [priority:low|normal|high|urgent]');
    expect((await c.run("ticket new")).plain).toContain("subject is missing");
    expect((await c.run("ticket show T-999")).plain).toContain("No ticket T-999 in this workspace.");
    expect((await c.run("ticket assign D-3 me")).plain).toContain("D-3 is a deal key; expected a ticket (T-7).");
    expect((await c.run("ticket new Broken laptop contact:C-99")).plain).toContain("No contact C-99 in this workspace.");
    expect((await c.run("ticket new Broken laptop assign:Nobody")).plain).toContain('No member named "Nobody"');
    expect((await c.run("ticket assign T-3 someone")).plain).toContain('No member named "someone"');
    expect((await c.run("ticket list everything")).plain).toContain('"everything" is not one of open, mine, breached');
    expect((await c.run("ticket escalate T-2", vic)).kind).toBe("error");
    expect((await c.run("ticket resolve T-2 sorted", bob)).plain).toContain("yours or unassigned");
    expect(await writes(c.workspaceId, escalating)).toEqual(before);
    // and the next ticket still gets the next key
    expect((await c.run("ticket new Broken laptop")).plain).toContain("T-7 Broken laptop");
  });

  it("auto-assign spreads 30 concurrent tickets evenly over three on-call agents", async () => {
    const desk = await consoleSession(t.url, "Load Desk", "Lee Lead");
    const agents = [await desk.addMember("Ola One"), await desk.addMember("Tom Two"), await desk.addMember("Tia Three")];
    const offCall = await desk.addMember("Otto Off");
    for (const a of agents) expect((await desk.run("oncall on", a)).kind).toBe("ok");
    for (let batch = 0; batch < 3; batch++) {
      const replies = await Promise.all(
        Array.from({ length: 10 }, (_, i) => desk.run(`ticket new Load ${batch * 10 + i + 1} assign:auto`)),
      );
      for (const r of replies) expect(r.plain).toContain("(auto, on call)");
    }
    const counts = await db.ticket.groupBy({ by: ["assigneeId"], where: { workspaceId: desk.workspaceId }, _count: true });
    expect(Object.fromEntries(counts.map((x) => [x.assigneeId, x._count]))).toEqual(Object.fromEntries(agents.map((a) => [a, 10])));
    expect(counts.some((x) => x.assigneeId === offCall)).toBe(false);
    const numbers = (await db.ticket.findMany({ where: { workspaceId: desk.workspaceId }, select: { number: true } })).map((x) => x.number);
    expect(numbers.sort((a, z) => a - z)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));

    const list = await desk.run("ticket list");
    expect(list.plain).toContain("Open tickets (30)");
    expect(list.plain.match(/T-\d+ Load/g)).toHaveLength(20);
    expect(list.plain).toContain("30 tickets in all. More shows the ones after T-20: /crm ticket list open after:T-20");
    expect(list.plain).toContain("[More](ticket list open after:T-20)");
    expect((await desk.run("ticket list open after:T-20")).plain.match(/T-\d+ Load/g)).toHaveLength(10);
    // the main workspace's tickets are not visible here
    expect((await desk.run("ticket show T-31")).plain).toContain("No ticket T-31");
  });
});

describe("SLA clock", () => {
  const base: ClockedTicket = {
    status: "open",
    breached: false,
    firstResponseDueAt: null,
    resolutionDueAt: null,
    firstResponseAt: null,
    resolvedAt: null,
    waitingSince: null,
    pausedMs: 0n,
  };
  const at = (h: number) => new Date(Date.UTC(2026, 0, 1) + h * H);

  it("runs, pauses at waitingSince, breaches, and counts a met time as late after the due time", () => {
    expect(clockState(at(8), null, null, at(2))).toEqual({ kind: "running", due: at(8), leftMs: 6 * H });
    expect(clockState(at(8), null, at(3), at(20))).toEqual({ kind: "paused", due: at(8), leftMs: 5 * H });
    expect(clockState(at(8), null, at(9), at(20))).toEqual({ kind: "breached", due: at(8) });
    expect(clockState(at(8), null, null, at(8))).toEqual({ kind: "breached", due: at(8) });
    expect(clockState(at(8), at(9), null, at(20))).toEqual({ kind: "met", at: at(9), late: true });
    expect(clockState(null, null, null, at(1))).toEqual({ kind: "none" });
  });

  it("resuming adds the waited time to pausedMs and both due times", () => {
    const waiting = {
      ...base,
      status: "waiting" as const,
      waitingSince: at(1),
      firstResponseDueAt: at(2),
      resolutionDueAt: at(10),
      pausedMs: 5n,
    };
    const { data, pausedForMs } = resumeChanges(waiting, at(4));
    expect(pausedForMs).toBe(3 * H);
    expect(data).toEqual({ waitingSince: null, pausedMs: BigInt(3 * H + 5), firstResponseDueAt: at(5), resolutionDueAt: at(13) });
  });

  it("a responded ticket is not breached on first response; a resolved one never shows as breached", () => {
    const responded = { ...base, firstResponseDueAt: at(1), firstResponseAt: at(2), resolutionDueAt: at(10) };
    expect(isBreached(responded, at(5))).toBe(false);
    expect(isBreached({ ...responded, breached: true }, at(5))).toBe(true);
    expect(isBreached({ ...responded, status: "resolved", resolvedAt: at(20), breached: true }, at(30))).toBe(false);
  });
});
