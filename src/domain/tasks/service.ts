// Follow-ups: `/crm task add|list|done|snooze`. A task is a short key (F-3), what to do, a due time read in the
// member's own zone, an assignee (the creator unless assign:), and optionally the record it is about. Every
// change writes its audit row and a task.* event in one transaction; the reminder at the due time is
// reminders.ts (a delayed job per due time, a sweep, a claim so it goes out once).
import { NotFoundError, PermissionError, UserInputError } from "../../errors.ts";
import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import { formatKey, nextNumber, parseKey } from "../../db/keys.ts";
import type { Logger } from "../../log.ts";
import type { MemberRef } from "../../parse/memberRef.ts";
import { show } from "../../parse/snippet.ts";
import { atLeast, requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { recordEvent, type EventLog } from "../events/record.ts";
import type { TaskEvent } from "../events/types.ts";
import type { MemberService } from "../members/service.ts";
import type { MemberZone, MemberZoneService } from "../members/timeZone.ts";
import { resolveAnyRef, type RefKind } from "../refs.ts";
import { dayAt, parseDue, todayIn } from "./due.ts";
import type { TaskReminderQueue } from "./reminders.ts";
import { taskInclude, type TaskRow } from "./rows.ts";

export { taskInclude, taskRecord, type TaskRow } from "./rows.ts";

export const TASK_VIEWS = ["mine", "today", "overdue"] as const;
export type TaskView = (typeof TASK_VIEWS)[number];
/** the documented limit of a task's text */
export const MAX_TASK_TEXT = 200;
const LIST_LIMIT = 20;

export interface NewTask {
  what: string;
  ref?: string;
  due: string;
  assign?: MemberRef;
}

const RECORD_FIELD = { contact: "contactId", company: "companyId", deal: "dealId", ticket: "ticketId" } as const;

function recordOf(t: Pick<TaskRow, "contactId" | "companyId" | "dealId" | "ticketId">): {
  recordKind: RefKind | null;
  recordId: string | null;
} {
  for (const kind of ["deal", "ticket", "contact", "company"] as const) {
    const id = t[RECORD_FIELD[kind]];
    if (id) return { recordKind: kind, recordId: id };
  }
  return { recordKind: null, recordId: null };
}

/** The task.* event of a change to t, as the handlers read it. */
export const eventOf = (type: TaskEvent["type"], t: TaskRow): TaskEvent => ({
  type,
  recordKind: "task",
  recordId: t.id,
  data: { assigneeId: t.assigneeId, dueAt: t.dueAt.toISOString(), ...recordOf(t) },
});

export class TaskService {
  constructor(
    private db: PrismaClient,
    private members: MemberService,
    private zones: MemberZoneService,
    private events: EventLog,
    private reminders?: TaskReminderQueue,
    private logger?: Logger,
  ) {}

  /** The zone the actor's dates are read and shown in. */
  zoneOf(actor: Pick<Actor, "workspaceId" | "memberId">): Promise<MemberZone> {
    return this.zones.of(actor.workspaceId, actor.memberId);
  }

  async add(actor: Actor, input: NewTask, now = new Date()): Promise<{ task: TaskRow; zone: MemberZone }> {
    requireRole(actor, "agent", "add tasks");
    const what = input.what.trim();
    if (!what) throw new UserInputError('Say what to do: /crm task add "Call Ana" due:tomorrow');
    if (what.length > MAX_TASK_TEXT)
      throw new UserInputError(`A task's text is at most ${MAX_TASK_TEXT} characters (this one is ${what.length}).`);
    const zone = await this.zoneOf(actor);
    const dueAt = parseDue(input.due, now, zone.tz);
    const record = input.ref ? await this.record(actor, input.ref, what) : null;
    const assignee = input.assign ? await this.members.resolve(actor, input.assign) : { id: actor.memberId };
    const task = await this.events.transaction(async (tx) => {
      const number = await nextNumber(tx, actor.workspaceId, "task");
      const t = await tx.task.create({
        data: {
          workspaceId: actor.workspaceId,
          number,
          what,
          dueAt,
          timeZone: zone.tz,
          assigneeId: assignee.id,
          createdById: actor.memberId,
          ...(record ? { [RECORD_FIELD[record.kind]]: record.id } : {}),
        },
        include: taskInclude,
      });
      await audit(tx, actor, "task.create", "task", t.id, null, { number, what, dueAt, assigneeId: t.assigneeId, ...recordOf(t) });
      await recordEvent(tx, actor, eventOf("task.created", t));
      return t;
    });
    await this.schedule(task);
    return { task, zone };
  }

  /** The caller's open tasks: all (mine), due by the end of today in their zone (today), or past due (overdue). */
  async list(actor: Actor, view: TaskView, now = new Date()): Promise<{ rows: TaskRow[]; total: number; zone: MemberZone }> {
    const zone = await this.zoneOf(actor);
    const where: Prisma.TaskWhereInput = { workspaceId: actor.workspaceId, assigneeId: actor.memberId, doneAt: null };
    if (view === "today") where.dueAt = { lt: todayIn(zone.tz, now).end };
    if (view === "overdue") where.dueAt = { lt: now };
    const [rows, total] = await Promise.all([
      this.db.task.findMany({ where, include: taskInclude, orderBy: [{ dueAt: "asc" }, { number: "asc" }], take: LIST_LIMIT }),
      this.db.task.count({ where }),
    ]);
    return { rows, total, zone };
  }

  /**
   * A member's overdue tasks and those due later today (their zone), for the digest and App Home: one indexed
   * query (workspaceId, assigneeId, doneAt, dueAt), at most `limit` rows.
   */
  async agenda(
    workspaceId: string,
    memberId: string,
    now = new Date(),
    limit = 10,
  ): Promise<{ overdue: TaskRow[]; today: TaskRow[]; more: boolean; zone: MemberZone }> {
    // side by side: the zone, and the first tasks by due time up to a day past any zone's "today"
    const [zone, upcoming] = await Promise.all([
      this.zones.of(workspaceId, memberId),
      this.db.task.findMany({
        where: { workspaceId, assigneeId: memberId, doneAt: null, dueAt: { lt: new Date(now.getTime() + 2 * 86_400_000) } },
        include: taskInclude,
        orderBy: [{ dueAt: "asc" }, { number: "asc" }],
        take: limit + 1,
      }),
    ]);
    const end = todayIn(zone.tz, now).end;
    const rows = upcoming.filter((t) => t.dueAt < end);
    const shown = rows.slice(0, limit);
    return {
      overdue: shown.filter((t) => t.dueAt < now),
      today: shown.filter((t) => t.dueAt >= now),
      more: rows.length > limit,
      zone,
    };
  }

  async done(actor: Actor, ref: string, now = new Date()): Promise<TaskRow> {
    return this.change(actor, ref, "mark it done", async (tx, t) => {
      if (t.doneAt) throw new UserInputError(`${formatKey("task", t.number)} is already done.`);
      const after = await tx.task.update({ where: { id: t.id }, data: { doneAt: now, reminderPending: false }, include: taskInclude });
      await audit(tx, actor, "task.done", "task", t.id, { doneAt: null }, { doneAt: now });
      await recordEvent(tx, actor, eventOf("task.done", after));
      return after;
    });
  }

  /** Moves the due time (default: tomorrow 9:00 in the caller's zone); a new reminder goes out then. */
  async snooze(actor: Actor, ref: string, until?: string, now = new Date()): Promise<{ task: TaskRow; zone: MemberZone }> {
    const zone = await this.zoneOf(actor);
    const dueAt = until ? parseDue(until, now, zone.tz) : dayAt(zone.tz, now, 1);
    const task = await this.change(actor, ref, "snooze it", async (tx, t) => {
      if (t.doneAt) throw new UserInputError(`${formatKey("task", t.number)} is done; there is nothing to snooze.`);
      const after = await tx.task.update({
        where: { id: t.id },
        data: { dueAt, timeZone: zone.tz, snoozedAt: now, snoozeCount: { increment: 1 }, reminderPending: true },
        include: taskInclude,
      });
      await audit(tx, actor, "task.snooze", "task", t.id, { dueAt: t.dueAt }, { dueAt });
      await recordEvent(tx, actor, eventOf("task.snoozed", after));
      return after;
    });
    await this.schedule(task);
    return { task, zone };
  }

  /** One task by its key (F-3), in the actor's workspace. */
  async get(actor: Actor, ref: string): Promise<TaskRow> {
    const number = taskNumber(ref);
    const t = await this.db.task.findUnique({
      where: { workspaceId_number: { workspaceId: actor.workspaceId, number } },
      include: taskInclude,
    });
    if (!t) throw new NotFoundError(`No task ${formatKey("task", number)} in this workspace.`);
    return t;
  }

  /** Locks the task, checks who may change it (its assignee, its creator, managers and admins), runs fn. */
  private async change(actor: Actor, ref: string, what: string, fn: (tx: Prisma.TransactionClient, t: TaskRow) => Promise<TaskRow>) {
    const number = taskNumber(ref);
    return this.events.transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`
        SELECT "id" FROM "Task" WHERE "workspaceId" = ${actor.workspaceId} AND "number" = ${number} FOR UPDATE`;
      if (!locked.length) throw new NotFoundError(`No task ${formatKey("task", number)} in this workspace.`);
      const t = await tx.task.findUniqueOrThrow({ where: { id: locked[0].id }, include: taskInclude });
      requireMayChangeTask(actor, t, what);
      return fn(tx, t);
    });
  }

  /** The record a task is about: a C-/A-/D-/T- key or a contact's email. */
  private async record(actor: Actor, ref: string, what: string): Promise<{ kind: RefKind; id: string }> {
    const text = ref.trim();
    if (!parseKey(text) && !text.includes("@"))
      throw new UserInputError(
        `${show(text)} is not a record key. Put the task in quotes and add a key to link a record: /crm task add ${show(`${what} ${text}`, 60)} D-7 due:tomorrow`,
      );
    const hit = await resolveAnyRef(this.db, actor.workspaceId, text);
    return { kind: hit.kind, id: hit.id };
  }

  /** Plans the reminder of an open task that has one pending: best effort, the sweep (reminders.ts) sends any that Redis lost. */
  async schedule(t: TaskRow): Promise<void> {
    if (!this.reminders || !t.reminderPending || t.doneAt) return;
    await this.reminders
      .schedule({ workspaceId: t.workspaceId, taskId: t.id, dueAt: t.dueAt.getTime() })
      .catch((e: Error) => this.logger?.warn({ err: e.message, task: t.id }, "could not schedule a task reminder; the sweep sends it"));
  }
}

/** Who may change a task: its assignee, whoever added it (not a viewer), managers and admins. */
export function requireMayChangeTask(
  actor: Actor,
  t: Pick<TaskRow, "number" | "assigneeId" | "createdById" | "assignee">,
  what: string,
): void {
  // a viewer may be given a task: they complete and snooze their own, and nothing else
  const own = actor.memberId === t.assigneeId || (actor.role !== "viewer" && actor.memberId === t.createdById);
  if (!own && !atLeast(actor, "manager"))
    throw new PermissionError(
      `${formatKey("task", t.number)} is ${t.assignee.name}'s; only they, whoever added it, or a manager can ${what}.`,
    );
}

/** "F-3", "f3" → 3; anything else is refused with the form to use. */
export function taskNumber(ref: string): number {
  const key = parseKey(ref);
  if (!key || key.kind !== "task")
    throw new UserInputError(
      `${show(ref.trim())} is not a task key; tasks are F-1, F-2… (see /crm task list).`,
      "/crm task done|snooze <F-ref>",
    );
  return key.number;
}
