// Follow-ups (#13 item 4) through the console: task add | list | done | snooze, due times in the member's own
// zone, Remind me buttons on cards, the digest's "Your follow-ups", and bad input that writes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import { dayAt, nextWeek, parseDue, wallClock } from "../src/domain/tasks/due.ts";

let t: TestApp;
let ws: ConsoleSession;
let agent: string;
let viewer: string;

const prisma = () => t.app.db.prisma;
const tasks = () => prisma().task.findMany({ where: { workspaceId: ws.workspaceId }, orderBy: { number: "asc" } });
const task = (n: number) => prisma().task.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws.workspaceId, number: n } } });
const writes = async () => ({
  tasks: await prisma().task.count({ where: { workspaceId: ws.workspaceId } }),
  audits: await prisma().auditLog.count({ where: { workspaceId: ws.workspaceId } }),
  events: await prisma().domainEvent.count({ where: { workspaceId: ws.workspaceId } }),
  members: JSON.stringify(await prisma().member.findMany({ where: { workspaceId: ws.workspaceId }, orderBy: { id: "asc" } })),
});

beforeAll(async () => {
  t = await startTestApp();
  ws = await consoleSession(t.url, "Tasks Inc", "Ada Admin");
  agent = await ws.addMember("Raj Agent", "agent");
  viewer = await ws.addMember("Vic Viewer", "viewer");
  for (const line of [
    "contact add Ana Lopez email:ana@acme.test",
    'deal new "Acme renewal" 12k contact:C-1',
    'ticket new "Printer jam" contact:C-1',
  ])
    expect((await ws.run(line)).kind, line).toBe("ok");
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

describe("due times (pure)", () => {
  const now = new Date("2026-12-07T10:30:00Z"); // a Monday
  it("reads the forms the brief names in the member's zone: a bare day is 9:00, next week is Monday 9:00", () => {
    expect(parseDue("tomorrow 9:00", now, "Europe/Madrid").toISOString()).toBe("2026-12-08T08:00:00.000Z");
    expect(parseDue("tue 15:00", now, "Europe/Madrid").toISOString()).toBe("2026-12-08T14:00:00.000Z");
    expect(parseDue("in 3 days", now, "America/New_York").toISOString()).toBe("2026-12-10T14:00:00.000Z");
    expect(parseDue("2026-12-24 10:00", now, "Asia/Tokyo").toISOString()).toBe("2026-12-24T01:00:00.000Z");
    expect(parseDue("next week", now, "UTC").toISOString()).toBe("2026-12-14T09:00:00.000Z");
    expect(parseDue("tomorrow", now, "UTC").toISOString()).toBe("2026-12-08T09:00:00.000Z");
  });
  it("next week from a Sunday evening in Madrid is the next day, Monday 9:00 there", () => {
    const sunday = new Date("2026-12-13T20:00:00Z");
    expect(wallClock("Europe/Madrid", sunday).weekday).toBe(0);
    expect(nextWeek("Europe/Madrid", sunday).toISOString()).toBe("2026-12-14T08:00:00.000Z");
    expect(dayAt("Europe/Madrid", sunday, 1).toISOString()).toBe("2026-12-14T08:00:00.000Z");
  });
  it("refuses text that is not a time, a time in the past, and an unknown zone, showing the accepted forms", () => {
    expect(() => parseDue("someday", now, "UTC")).toThrow(/Could not read "someday" as a due time; try "tomorrow 9:00"/);
    expect(() => parseDue("call bob friday", now, "UTC")).toThrow(/Could not read/);
    expect(() => parseDue("2026-12-01 10:00", now, "UTC")).toThrow(/is in the past/);
    expect(() => parseDue("tomorrow", now, "Mars/Base")).toThrow(/Unknown time zone/);
  });
});

describe("task commands", () => {
  it("task add on a deal: F-1, due in the workspace default zone (UTC) and says so, audited with a task.created event", async () => {
    const r = await ws.run('task add "Call Ana about the renewal" D-1 due:"tomorrow 9:00"');
    expect(r.kind, r.plain).toBe("ok");
    const expected = dayAt("UTC", new Date(), 1);
    const f1 = await task(1);
    expect(f1.dueAt.toISOString()).toBe(expected.toISOString());
    expect(f1).toMatchObject({ what: "Call Ana about the renewal", assigneeId: ws.adminId, createdById: ws.adminId, timeZone: "UTC" });
    expect(f1.dealId).not.toBeNull();
    expect(r.plain).toContain("📌 Added F-1 Call Ana about the renewal — due");
    expect(r.plain).toMatch(/09:00 UTC · D-1 Acme renewal/);
    expect(r.plain).toContain("Times are in UTC; set yours with /crm settings tz:");
    expect(r.plain).toContain("[Done](task done F-1)");
    const audit = await prisma().auditLog.findFirst({ where: { workspaceId: ws.workspaceId, action: "task.create", entityId: f1.id } });
    expect(audit).not.toBeNull();
    const event = await prisma().domainEvent.findFirstOrThrow({ where: { workspaceId: ws.workspaceId, recordId: f1.id } });
    expect(event).toMatchObject({ type: "task.created", recordKind: "task", data: { assigneeId: ws.adminId, recordKind: "deal" } });
  });

  it("settings tz: sets the member's own zone; their due times are then read and shown in it", async () => {
    const set = await ws.run("settings tz:europe/madrid", agent);
    expect(set.plain).toContain("Your time zone is now Europe/Madrid");
    const r = await ws.run('task add "Send the quote" C-1 due:"tomorrow 9:00"', agent);
    expect(r.kind, r.plain).toBe("ok");
    const f2 = await task(2);
    expect(f2.dueAt.toISOString()).toBe(dayAt("Europe/Madrid", new Date(), 1).toISOString());
    expect(r.plain).toMatch(/due .* 09:00 Europe\/Madrid · C-1 Ana Lopez\./);
    expect(r.plain).not.toContain("set yours with");
    expect((await ws.run("settings", agent)).plain).toContain("tz: Europe/Madrid — yours");
    // a viewer sets their own zone too, and nothing else
    expect((await ws.run("settings tz:America/New_York", viewer)).kind).toBe("ok");
    expect((await ws.run("settings join:agent tz:UTC", viewer)).plain).toContain("Only admins can change who joins");
  });

  it("bad input gets a short error with the right form and writes nothing", async () => {
    const before = await writes();
    const cases: [string, RegExp, string?][] = [
      ['task add "Call" due:someday', /Could not read "someday" as a due time; try "tomorrow 9:00"/],
      ['task add "Call" due:"2020-01-01 10:00"', /is in the past/],
      ['task add "Call"', /due is missing/],
      ["task add Call Ana due:tomorrow", /"Ana" is not a record key\. Put the task in quotes .*task add "Call Ana" D-7 due:tomorrow/],
      ['task add "Call" D-99 due:tomorrow', /No deal D-99 in this workspace/],
      ['task add "Call" F-1 due:tomorrow', /is not a record/],
      ['task add "Call" due:tomorrow assign:Nobody', /No member named "Nobody"/],
      [`task add "${"x".repeat(201)}" due:tomorrow`, /at most 200 characters|too long/],
      ["task done D-1", /"D-1" is not a task key; tasks are F-1, F-2/],
      ["task done F-99", /No task F-99 in this workspace/],
      ["task snooze F-1 someday", /Could not read "someday"/],
      ["task list later", /"later" is not one of mine, today, overdue/],
      ["settings tz:Mars/Base", /not a time zone/],
      ['task add "Call" due:tomorrow', /Viewers can read but not change records/, viewer],
      ["task done F-1", /F-1 is Ada Admin's; only they, whoever added it, or a manager can mark it done/, agent],
    ];
    for (const [line, message, who] of cases) {
      const r = await ws.run(line, who);
      expect(r.kind, line).toBe("error");
      expect(r.plain, line).toMatch(message);
    }
    expect(await writes()).toEqual(before);
  });

  it("task list shows mine, today and overdue; done and snooze change one task each and audit it", async () => {
    const r = await ws.run('task add "Ping Raj" due:"in 2 hours" assign:Raj', ws.adminId);
    expect(r.plain).toContain("for Raj Agent");
    expect(r.plain).toContain("Raj Agent gets a DM at the due time.");
    // time passes: F-2 (Raj's) is an hour overdue
    await prisma().task.update({ where: { id: (await task(2)).id }, data: { dueAt: new Date(Date.now() - 3600_000) } });
    const mine = await ws.run("task list", agent);
    expect(mine.plain).toContain("My open tasks (2)");
    expect(mine.plain).toMatch(/F-2 Send the quote .* ⚠️ overdue\nF-3 Ping Raj/);
    expect((await ws.run("task list overdue", agent)).plain).toMatch(/My overdue tasks \(1\)\nF-2 Send the quote/);
    const today = await ws.run("task list today", agent);
    expect(today.plain).toContain("F-2 Send the quote");
    expect((await ws.run("task list today")).plain).toContain("Nothing due today.");

    const done = await ws.run("task done F-2", agent);
    expect(done.plain).toContain("✅ F-2 Send the quote is done.");
    expect((await task(2)).doneAt).not.toBeNull();
    expect((await ws.run("task done F-2", agent)).plain).toContain("F-2 is already done.");
    expect((await ws.run("task snooze F-2", agent)).plain).toContain("F-2 is done; there is nothing to snooze.");

    // snooze without a time: tomorrow 9:00 in the snoozer's zone; a manager may snooze anyone's
    const snoozed = await ws.run("task snooze F-3");
    expect(snoozed.plain).toContain("💤 Snoozed F-3 Ping Raj");
    const f3 = await task(3);
    expect(f3.dueAt.toISOString()).toBe(dayAt("UTC", new Date(), 1).toISOString());
    expect(f3).toMatchObject({ snoozeCount: 1, reminderPending: true });
    expect((await ws.run("task snooze F-3 in 3 days", agent)).kind).toBe("ok");
    expect((await task(3)).dueAt.toISOString()).toBe(dayAt("Europe/Madrid", new Date(), 3).toISOString());
    const events = await prisma().domainEvent.findMany({
      where: { workspaceId: ws.workspaceId, recordId: f3.id },
      orderBy: { seq: "asc" },
    });
    expect(events.map((e) => e.type)).toEqual(["task.created", "task.snoozed", "task.snoozed"]);
    const audits = await prisma().auditLog.findMany({ where: { workspaceId: ws.workspaceId, entityId: f3.id } });
    expect(audits.map((a) => a.action).sort()).toEqual(["task.create", "task.snooze", "task.snooze"]);
  });

  it("a viewer given a task completes it, and cannot touch anyone else's", async () => {
    const r = await ws.run('task add "Read the contract" D-1 due:tomorrow assign:Vic');
    expect(r.kind, r.plain).toBe("ok");
    const key = r.recordKey!;
    expect((await ws.run("task done F-1", viewer)).plain).toContain("F-1 is Ada Admin's; only they, whoever added it, or a manager");
    expect((await ws.run(`task snooze ${key} in 3 days`, viewer)).kind).toBe("ok");
    expect((await ws.run(`task done ${key}`, viewer)).plain).toContain(`✅ ${key} Read the contract is done.`);
  });

  it("deal, contact and ticket cards carry Remind me buttons whose commands add a follow-up on that record", async () => {
    for (const [show, key, name] of [
      ["deal show D-1", "D-1", "Acme renewal"],
      ["contact show C-1", "C-1", "Ana Lopez"],
      ["ticket show T-1", "T-1", "Printer jam"],
    ]) {
      const card = await ws.run(show, agent);
      const buttons = card.blocks.flatMap((bl) => (bl.type === "actions" ? bl.actions : []));
      const remind = buttons.filter((a) => a.command.startsWith("task add"));
      expect(
        remind.map((a) => a.label),
        show,
      ).toEqual(["⏰ Remind me tomorrow 9:00", "in 3 days", "next week"]);
      expect(remind[0].command).toBe(`task add "Follow up: ${name}" ${key} due:"tomorrow 9:00"`);
    }
    const card = await ws.run("deal show D-1", agent);
    const nextWeekButton = card.blocks.flatMap((bl) => (bl.type === "actions" ? bl.actions : [])).find((a) => a.label === "next week")!;
    const before = (await tasks()).length;
    const r = await ws.run(nextWeekButton.command, agent);
    expect(r.kind, r.plain).toBe("ok");
    const made = (await tasks())[before];
    expect(made).toMatchObject({ what: "Follow up: Acme renewal", assigneeId: agent });
    expect(made.dueAt.toISOString()).toBe(nextWeek("Europe/Madrid", new Date()).toISOString());
  });

  it("a resolved ticket's card offers no Remind me", async () => {
    expect((await ws.run('ticket new "Old issue" contact:C-1')).kind).toBe("ok");
    const key = (await ws.run('ticket new "Done issue" contact:C-1')).recordKey!;
    expect((await ws.run(`ticket resolve ${key} fixed`)).kind).toBe("ok");
    const card = await ws.run(`ticket show ${key}`);
    expect(card.blocks.flatMap((bl) => (bl.type === "actions" ? bl.actions : [])).some((a) => a.command.startsWith("task add"))).toBe(
      false,
    );
  });

  it("a name with quotes in it stays the task's text in the Remind me command", async () => {
    expect((await ws.run('contact add Bob "The Builder" O\'Neil email:bob@acme.test')).kind).toBe("ok");
    const card = await ws.run("contact show bob@acme.test");
    const remind = card.blocks.flatMap((bl) => (bl.type === "actions" ? bl.actions : [])).find((a) => a.command.startsWith("task add"))!;
    const r = await ws.run(remind.command);
    expect(r.kind, r.plain).toBe("ok");
    const rows = await tasks();
    expect(rows[rows.length - 1].what).toMatch(/^Follow up: Bob .*Builder.* O'Neil$/);
    expect(rows[rows.length - 1].contactId).not.toBeNull();
  });

  it("the asker's digest has their part: overdue and today's follow-ups", async () => {
    await ws.run('task add "Chase the invoice" due:"in 1 hour"', agent);
    const id = (await tasks()).at(-1)!.id;
    await prisma().task.update({ where: { id }, data: { dueAt: new Date(Date.now() - 60_000) } });
    const d = await ws.run("digest", agent);
    expect(d.kind, d.plain).toBe("ok");
    expect(d.plain).toMatch(/Your follow-ups: 1 overdue, \d+ due later today/);
    expect(d.plain).toContain("Chase the invoice");
    expect((await ws.run("digest")).plain).not.toContain("Chase the invoice");
  });
});
