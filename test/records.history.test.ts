// /crm history <ref> and /crm undo (#13 item 3) through the console's command path, and once through a
// signed Discord interaction: history lists a record's audited changes (who, when, before → after), 20 at a
// time with More; undo reverts the caller's own last change within 10 minutes (edits, delete, merge, deal
// moves, task add / done / snooze with their reminders planned again through the task-reminders queue the
// worker of this process runs), refuses when someone else changed the record since or when the change is
// older, never redoes, and writes nothing when it refuses.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { until } from "./helpers/until.ts";
import { reminderJobId } from "../src/domain/tasks/reminders.ts";
import { TASKS_QUEUE } from "../jobs/tasks.ts";
import { reminderReply } from "../src/commands/taskReplies.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import {
  commandBody,
  discordEnv,
  interact,
  originalPath,
  payloadOf,
  shown,
  startFakeDiscord,
  str,
  type FakeDiscord,
} from "./helpers/discord.ts";

let t: TestApp;
let c: ConsoleSession;
let discord: FakeDiscord;
let agent: string;
let manager: string;
let viewer: string;

beforeAll(async () => {
  discord = await startFakeDiscord();
  t = await startTestApp(discordEnv(discord));
  c = await consoleSession(t.url);
  agent = await c.addMember("Raj Patel", "agent");
  manager = await c.addMember("Mia Manager", "manager");
  viewer = await c.addMember("Vic Viewer", "viewer");
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await discord?.close();
});

const db = () => t.app.db.prisma;
const ws = () => c.workspaceId;
const writes = async () =>
  (await db().auditLog.count({ where: { workspaceId: ws() } })) + (await db().domainEvent.count({ where: { workspaceId: ws() } }));
const contactNo = (number: number) => db().contact.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws(), number } } });
const dealNo = (number: number) =>
  db().deal.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws(), number } }, include: { stage: true } });
const ok = async (cmd: string, who?: string) => {
  const r = await c.run(cmd, who);
  expect(r.kind, `${cmd}: ${r.plain}`).toBe("ok");
  return r;
};
/** the number in the key a reply names first (C-4 → 4) */
const keyNo = (plain: string, prefix: string) => Number(new RegExp(`${prefix}-(\\d+)`).exec(plain)![1]);

describe("history", () => {
  it("shows an edit as its fields before → after, with who and when, newest first", async () => {
    const n = keyNo((await ok("contact add Ana Lopez email:ana@acme.com")).plain, "C");
    await ok(`contact edit C-${n} title:CTO phone:"+1 555 0100"`);
    const r = await ok(`history C-${n}`, viewer);
    expect(r.plain).toContain(`History of C-${n} Ana Lopez`);
    expect(r.plain).toMatch(/contact\.edit by Ada Admin, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(\d+s ago\)/);
    expect(r.plain).toContain("phone: — → +1 555 0100");
    expect(r.plain).toContain("title: — → CTO");
    expect(r.plain.indexOf("contact.edit")).toBeLessThan(r.plain.indexOf("contact.add"));
  });

  it("pages 20 entries at a time; More continues after the last one shown, to the first", async () => {
    const n = keyNo((await ok("contact add Pat Pager", manager)).plain, "C");
    for (let i = 1; i <= 24; i++) await ok(`contact tag C-${n} t${i}`, manager);
    const first = await ok(`history C-${n}`, manager);
    expect(first.plain).toContain("25 entries in all");
    expect(first.plain.match(/contact\.tag by Mia Manager/g)).toHaveLength(20);
    // long values are cut short
    expect(first.plain).toMatch(/tags: t1, t2, t3, [^\n]{20,50}… → t1, t2, /);
    const more = first.blocks.flatMap((b) => (b.type === "actions" ? b.actions : [])).find((a) => a.label === "More")!;
    expect(more.command).toMatch(new RegExp(`^history C-${n} after:\\w+$`));
    const second = await ok(more.command, manager);
    expect(second.plain.match(/contact\.tag by/g)).toHaveLength(4);
    expect(second.plain).toContain("contact.add by Mia Manager");
    expect(second.plain).toContain("tags: — → t1");
    expect(second.plain).not.toContain("More");
  });

  it("a bad ref or after: gets the right form and writes nothing", async () => {
    const before = await writes();
    for (const [cmd, text] of [
      ["history X-9", '"X-9" is not a record: use a key like C-12, A-3, D-7, T-42 or F-3'],
      ["history K-1", '"K-1" is not a record'],
      ["history C-999", "No contact C-999 in this workspace."],
      ["history F-999", "No task F-999 in this workspace."],
      ["history C-1 after:nope", "after: takes the entry a page of C-1's history ended with"],
    ]) {
      const r = await c.run(cmd);
      expect(r.kind, cmd).toBe("error");
      expect(r.plain, cmd).toContain(text);
    }
    expect((await c.run("history X-9")).plain).toContain("Usage: /crm history <ref> [after:<entry>]");
    expect(await writes()).toBe(before);
  });

  it("a forgotten contact's entries say their details are erased and show none of them", async () => {
    const n = keyNo((await ok("contact add Zelda Secret email:zelda@secret.test")).plain, "C");
    await ok(`contact edit C-${n} phone:"+44 7000 111222"`);
    await ok(`contact forget C-${n} confirm`);
    const r = await ok(`history C-${n}`);
    expect(r.plain).toContain("contact.forget by Ada Admin");
    expect(r.plain).toContain("details erased (forgotten contact)");
    for (const secret of ["Zelda", "zelda@secret.test", "7000 111222"]) expect(r.plain).not.toContain(secret);
  });
});

describe("undo", () => {
  it("reverts your own edit: the fields get their old values, audited as contact.undo with contact.changed; history shows it", async () => {
    const n = keyNo((await ok("contact add Tom Typo email:tom@typo.test", agent)).plain, "C");
    await ok(`contact edit C-${n} name:"Tom Tipo" title:CEO`, agent);
    const r = await ok("undo", agent);
    expect(r.plain).toContain(`↩️ Undid contact.edit on C-${n}: C-${n}'s name, title are back to before.`);
    const back = await contactNo(n);
    expect([back.name, back.title]).toEqual(["Tom Typo", null]);
    const row = await db().auditLog.findFirstOrThrow({ where: { workspaceId: ws(), action: "contact.undo", entityId: back.id } });
    expect(row.before).toMatchObject({ name: "Tom Tipo", title: "CEO" });
    expect(row.after).toMatchObject({ name: "Tom Typo", title: null, undid: "contact.edit" });
    const events = await db().domainEvent.findMany({ where: { workspaceId: ws(), recordId: back.id, type: "contact.changed" } });
    expect(events.map((e) => (e.data as { fields: string[] }).fields)).toContainEqual(["name", "title"]);
    const h = await ok(`history C-${n}`, agent);
    expect(h.plain).toContain("contact.undo by Raj Patel");
    expect(h.plain).toContain("— undid contact.edit");
    expect(h.plain).toContain("name: Tom Tipo → Tom Typo");
  });

  it("a second undo does not redo: it steps back to the change before, here one that cannot be undone", async () => {
    const before = await writes();
    const r = await c.run("undo", agent);
    expect(r.kind).toBe("error");
    expect(r.plain).toMatch(
      /Your last change \(contact\.add on C-\d+, .* UTC, \d+s ago\) cannot be undone; delete it instead with \/crm contact delete C-\d+\./,
    );
    expect(await writes()).toBe(before);
    const c0 = await db().contact.findFirstOrThrow({ where: { workspaceId: ws(), email: "tom@typo.test" } });
    expect(c0.name).toBe("Tom Typo");
  });

  it("reverts a delete: the deal is live again", async () => {
    const n = keyNo((await ok('deal new "Undo me" 2k', agent)).plain, "D");
    await ok(`deal delete D-${n}`, agent);
    expect((await dealNo(n)).archivedAt).not.toBeNull();
    expect((await ok("undo", agent)).plain).toContain(`Undid deal.delete on D-${n}: D-${n} is restored.`);
    expect((await dealNo(n)).archivedAt).toBeNull();
    expect((await ok("deal list", agent)).plain).toContain("Undo me");
  });

  it("reverts a deal move (and a win) back to the stage before, through the deal's own stage change and event", async () => {
    const n = keyNo((await ok('deal new "Mover" 5k', agent)).plain, "D");
    await ok(`deal move D-${n} proposal`, agent);
    await ok(`deal won D-${n}`, agent);
    expect((await dealNo(n)).closedAt).not.toBeNull();
    expect((await ok("undo", agent)).plain).toContain(`Undid deal.won on D-${n}: D-${n} is back in proposal.`);
    const d = await dealNo(n);
    expect([d.stage.name, d.closedAt]).toEqual(["proposal", null]);
    expect((await ok("undo", agent)).plain).toContain(`Undid deal.move on D-${n}: D-${n} is back in lead.`);
    expect((await dealNo(n)).stage.name).toBe("lead");
    const moves = await db().domainEvent.findMany({
      where: { workspaceId: ws(), recordId: d.id, type: "deal.moved" },
      orderBy: { createdAt: "asc" },
    });
    expect(moves.map((e) => [(e.data as { from: string }).from, (e.data as { to: string }).to])).toEqual([
      ["lead", "proposal"],
      ["won", "proposal"],
      ["proposal", "lead"],
    ]);
    expect(await db().dealStageChange.count({ where: { dealId: d.id } })).toBe(5);
    expect(await db().auditLog.count({ where: { entityId: d.id, action: "deal.undo" } })).toBe(2);
  });

  it("reverts a merge: interactions, deals, tickets and tasks move back, the duplicate is live with its email, the kept one loses what it got", async () => {
    const keep = keyNo((await ok("contact add Kim Keep email:kim@keep.test", manager)).plain, "C");
    const dup = keyNo((await ok('contact add Kim K email:kim@dup.test phone:"+1 555 0199" tags:fair', manager)).plain, "C");
    const kept0 = await contactNo(keep);
    await ok(`log note C-${dup} Met at the fair`, manager);
    await ok(`deal new "Kim side deal" 3k contact:C-${dup}`, manager);
    await ok(`ticket new "Kim login" contact:C-${dup}`, manager);
    await ok(`task add "Call Kim" C-${dup} due:tomorrow`, manager);
    await ok(`contact merge C-${dup} into C-${keep}`, manager);
    const gone = await contactNo(dup);
    expect(gone.mergedIntoId).toBe(kept0.id);
    expect((await contactNo(keep)).phone).toBe("+1 555 0199");

    const r = await ok("undo", manager);
    expect(r.plain).toContain(`Undid contact.merge on C-${dup}: C-${dup} is live again, with 4 of its records moved back from C-${keep}.`);
    const [dupNow, keptNow] = [await contactNo(dup), await contactNo(keep)];
    expect([dupNow.archivedAt, dupNow.mergedIntoId, dupNow.email]).toEqual([null, null, "kim@dup.test"]);
    expect([keptNow.phone, keptNow.tags, keptNow.email]).toEqual([kept0.phone, kept0.tags, "kim@keep.test"]);
    expect(await db().interaction.count({ where: { contactId: dupNow.id } })).toBe(1);
    expect(await db().deal.count({ where: { contactId: dupNow.id } })).toBe(1);
    expect(await db().ticket.count({ where: { requesterId: dupNow.id } })).toBe(1);
    expect(await db().task.count({ where: { contactId: dupNow.id } })).toBe(1);
    expect(await db().interaction.count({ where: { contactId: keptNow.id } })).toBe(0);
    expect((await ok(`contact show C-${dup}`, manager)).plain).not.toContain("archived");
    expect((await ok(`history C-${keep}`, manager)).plain).toContain("contact.undo by Mia Manager");
  });

  it("reverts a ticket edit: subject and priority back, the SLA due times of the old priority again", async () => {
    const n = keyNo((await ok('ticket new "Printer jam" priority:normal', manager)).plain, "T");
    const t0 = await db().ticket.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws(), number: n } } });
    await ok(`ticket edit T-${n} subject:"Printer on fire" priority:urgent`, manager);
    expect((await ok("undo", manager)).plain).toContain(`Undid ticket.edit on T-${n}: T-${n}'s subject, priority are back to before.`);
    const t1 = await db().ticket.findUniqueOrThrow({ where: { id: t0.id } });
    expect([t1.subject, t1.priority, t1.resolutionDueAt]).toEqual(["Printer jam", "normal", t0.resolutionDueAt]);
    expect(await db().ticketEvent.count({ where: { ticketId: t0.id, kind: "priority_changed" } })).toBe(2);
  });

  it("refuses when someone else changed the record since, naming who and when, and writes nothing", async () => {
    const n = keyNo((await ok("contact add Sam Shared", agent)).plain, "C");
    await ok(`contact edit C-${n} title:Buyer`, agent);
    await ok(`contact edit C-${n} phone:"+1 555 0142"`);
    const before = await writes();
    const r = await c.run("undo", agent);
    expect(r.kind).toBe("error");
    expect(r.plain).toMatch(
      new RegExp(`C-${n} was changed since by Ada Admin \\(contact\\.edit, .* UTC, \\d+s ago\\); undo would overwrite that\\.`),
    );
    expect(await writes()).toBe(before);
    expect((await contactNo(n)).title).toBe("Buyer");
  });

  it("refuses a change older than 10 minutes, saying when it was", async () => {
    const late = await c.addMember("Lou Late", "agent");
    const n = keyNo((await ok("contact add Olga Old", late)).plain, "C");
    await ok(`contact edit C-${n} title:COO`, late);
    await db().auditLog.updateMany({ where: { actorId: late }, data: { at: new Date(Date.now() - 11 * 60_000) } });
    const before = await writes();
    const r = await c.run("undo", late);
    expect(r.kind).toBe("error");
    expect(r.plain).toMatch(
      new RegExp(
        `Nothing to undo: your last change \\(contact\\.edit on C-${n}\\) was at .* UTC, 11m ago; undo reverts changes of the last 10 minutes\\.`,
      ),
    );
    expect(await writes()).toBe(before);
    expect((await contactNo(n)).title).toBe("COO");
  });

  it("a viewer may run it: with no changes of theirs there is nothing to undo, and nothing is written", async () => {
    const before = await writes();
    const r = await c.run("undo", viewer);
    expect(r.kind).toBe("error");
    expect(r.plain).toContain("Nothing to undo: you have made no changes in this workspace yet.");
    expect(await writes()).toBe(before);
  });
});

describe("undo of tasks", () => {
  let tasker: string;
  beforeAll(async () => {
    tasker = await c.addMember("Tess Tasker", "agent");
  });
  const taskNo = (number: number) => db().task.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws(), number } } });
  const reminderJob = async (task: { id: string; dueAt: Date }) =>
    t.app.jobs.queue(TASKS_QUEUE).getJob(reminderJobId({ taskId: task.id, dueAt: task.dueAt.getTime() }));
  const undoRow = (taskId: string) =>
    db().auditLog.findFirstOrThrow({ where: { workspaceId: ws(), action: "task.undo", entityId: taskId }, orderBy: { at: "desc" } });
  const lastEvent = (taskId: string) =>
    db().domainEvent.findFirstOrThrow({ where: { workspaceId: ws(), recordId: taskId }, orderBy: { createdAt: "desc" } });

  it("reverts task done: open again with its due time, and its reminder, planned again after a lost job, fires then", async () => {
    const n = keyNo((await ok('task add "Ping Pat" due:"in 6 seconds"', tasker)).plain, "F");
    await ok(`task done F-${n}`, tasker);
    const f = await taskNo(n);
    expect([f.doneAt === null, f.reminderPending]).toEqual([false, false]);
    // the delayed job planned at add is lost (a Redis restart): undo plans it again, through the service's path
    await (await reminderJob(f))!.remove();
    expect(await reminderJob(f)).toBeUndefined();

    const r = await ok("undo", tasker);
    expect(r.plain).toMatch(new RegExp(`Undid task\\.done on F-${n}: F-${n} is open again, due .* UTC; its reminder goes out then\\.`));
    const open = await taskNo(n);
    expect([open.doneAt, open.reminderPending, open.dueAt.getTime()]).toEqual([null, true, f.dueAt.getTime()]);
    expect(await (await reminderJob(open))?.getState()).toBe("delayed");
    expect((await ok("task list", tasker)).plain).toContain(`F-${n}`);
    expect((await undoRow(f.id)).after).toMatchObject({ doneAt: null, undid: "task.done" });
    expect(await lastEvent(f.id)).toMatchObject({ type: "task.reopened", recordKind: "task", data: { assigneeId: tasker } });
    // the job fires at the due time (well before the sweep's 15 s grace): claimed once, nothing pending
    const reminded = await until("the reminder at the due time", async () => (await taskNo(n)).remindedAt, { ms: 10_000 });
    expect(reminded.getTime()).toBeGreaterThanOrEqual(f.dueAt.getTime() - 2000);
    expect((await taskNo(n)).reminderPending).toBe(false);
    expect(await db().notification.count({ where: { workspaceId: ws(), dedupeKey: `task:${f.id}:${f.dueAt.getTime()}` } })).toBe(1);
  }, 20_000);

  it("reverts a snooze: back to the due time before, whose reminder is planned again; one already sent is not sent twice", async () => {
    const n = keyNo((await ok('task add "Quote for Lee" due:"in 2 hours"', tasker)).plain, "F");
    const f0 = await taskNo(n);
    await ok(`task snooze F-${n} tomorrow`, tasker);
    expect((await taskNo(n)).snoozeCount).toBe(1);
    const r = await ok("undo", tasker);
    expect(r.plain).toContain(
      `Undid task.snooze on F-${n}: F-${n} is due ${f0.dueAt.toISOString().slice(0, 16).replace("T", " ")} UTC again`,
    );
    const back = await taskNo(n);
    expect([back.dueAt.getTime(), back.reminderPending, back.snoozeCount]).toEqual([f0.dueAt.getTime(), true, 0]);
    expect(await (await reminderJob(back))?.getState()).toBe("delayed");
    expect(await lastEvent(f0.id)).toMatchObject({ type: "task.snoozed", data: { dueAt: f0.dueAt.toISOString() } });
    expect((await undoRow(f0.id)).after).toMatchObject({ dueAt: f0.dueAt.toISOString(), undid: "task.snooze" });

    // reminded, then snoozed (as from the reminder's Snooze button), then the snooze undone: no second reminder
    const m = keyNo((await ok('task add "Call Lee" due:"in 2 seconds"', tasker)).plain, "F");
    const g = await until(
      "the first reminder",
      async () => {
        const x = await taskNo(m);
        return x.remindedAt ? x : null;
      },
      { ms: 10_000 },
    );
    await ok(`task snooze F-${m} tomorrow`, tasker);
    expect((await ok("undo", tasker)).plain).toMatch(new RegExp(`F-${m} is due .* UTC again; overdue, so no reminder\\.`));
    // nothing pending: the sweep leaves it alone, the one claim stays the only one
    const again = await taskNo(m);
    expect([again.dueAt.getTime(), again.reminderPending, again.doneAt]).toEqual([g.dueAt.getTime(), false, null]);
    expect(await db().notification.count({ where: { workspaceId: ws(), dedupeKey: { startsWith: `task:${g.id}:` } } })).toBe(1);
  }, 20_000);

  it("reverts task add: the task is closed, not deleted, leaves the lists, its reminder does nothing, and F-n keeps its history", async () => {
    const n = keyNo((await ok('task add "Oops wrong person" due:"in 2 hours"', tasker)).plain, "F");
    const f = await taskNo(n);
    const r = await ok("undo", tasker);
    expect(r.plain).toContain(`Undid task.create on F-${n}: F-${n} is closed: off the task lists, and its reminder will not go out.`);
    const closed = await taskNo(n);
    expect(closed.doneAt).not.toBeNull();
    expect(closed.reminderPending).toBe(false);
    expect((await ok("task list", tasker)).plain).not.toContain(`F-${n}`);
    expect(await lastEvent(f.id)).toMatchObject({ type: "task.cancelled", recordKind: "task" });
    // the job planned at add finds a closed task when it runs
    expect(
      await t.app.services.taskReminders.fire(
        { workspaceId: ws(), taskId: f.id, dueAt: f.dueAt.getTime() },
        reminderReply,
        f.dueAt.getTime(),
      ),
    ).toBe("stale");
    const h = (await ok(`history F-${n}`, tasker)).plain;
    expect(h).toContain("task.undo by Tess Tasker");
    expect(h).toContain("— undid task.create");
    expect(h).toContain("task.create by Tess Tasker");
  });

  it("refuses to undo a task someone else changed since, naming them, and writes nothing", async () => {
    const n = keyNo((await ok('task add "Shared chore" due:"in 2 hours"', tasker)).plain, "F");
    await ok(`task snooze F-${n} tomorrow`, manager);
    const before = await writes();
    const r = await c.run("undo", tasker);
    expect(r.kind).toBe("error");
    expect(r.plain).toMatch(
      new RegExp(`F-${n} was changed since by Mia Manager \\(task\\.snooze, .* UTC, \\d+s ago\\); undo would overwrite that\\.`),
    );
    expect(await writes()).toBe(before);
  });

  it("ticket assign is not undone: the refusal says whose the ticket was and how to hand it back, writing nothing", async () => {
    const n = keyNo((await ok('ticket new "Hand me over" assign:me', tasker)).plain, "T");
    await ok(`ticket assign T-${n} "Raj Patel"`, tasker);
    const before = await writes();
    const r = await c.run("undo", tasker);
    expect(r.kind).toBe("error");
    expect(r.plain).toContain(`cannot be undone; hand it back with /crm ticket assign T-${n} <@user> (it was Tess Tasker's).`);
    expect(await writes()).toBe(before);
  });
});

describe("on Discord", () => {
  async function answer(body: any): Promise<any> {
    const res = await interact(t.url, body);
    if (res.type !== 5 && res.type !== 6) return res;
    const [edit] = await discord.waitFor(originalPath(body.token), 1, 15_000);
    return payloadOf(edit);
  }

  it("/crm history and /crm undo are subcommands that run the same commands", async () => {
    expect(shown(await answer(commandBody(["contact", "add"], [str("name", "Dee Discord")])))).toContain("C-1");
    expect(shown(await answer(commandBody(["contact", "edit"], [str("contact", "C-1"), str("title", "CFO")])))).toContain("C-1");
    const h = shown(await answer(commandBody(["history"], [str("ref", "C-1")])));
    expect(h).toContain("History of C-1 Dee Discord");
    expect(h).toContain("title: — → CFO");
    expect(shown(await answer(commandBody(["undo"])))).toContain("Undid **contact.edit** on **C-1**");
  });
});
