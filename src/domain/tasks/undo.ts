// /crm undo of a task change (task add, done, snooze) from its audit row. Runs inside RecordUndo's transaction,
// which has locked the task and checked that the change is not undone already and nobody else changed it since.
//  - add: the task is closed (done now, no reminder pending), not deleted: F-3 keeps its history (the add and
//    its undo), and the reminder job planned for it finds a closed task and does nothing (reminders.ts fire);
//  - done: open again with its due time;
//  - snooze: back to the due time before.
// A reopened or unsnoozed task has a reminder pending only for a due time still ahead that no reminder has
// claimed yet (`task:<id>:<due>` in Notification): the caller plans its delayed job after commit through
// TaskService.schedule, the same path task add and snooze use. A reminder that went out (a snooze pressed on the
// reminder DM, then undone) is not sent again, and one whose time passed while the task was closed is not sent
// late: the task shows in the overdue list instead.
import { UserInputError } from "../../errors.ts";
import type { AuditLog, Prisma } from "../../generated/prisma/client.ts";
import type { Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { recordEvent } from "../events/record.ts";
import { reminderClaimKey } from "./reminders.ts";
import { taskInclude, type TaskRow } from "./rows.ts";
import { eventOf, requireMayChangeTask } from "./service.ts";

type Tx = Prisma.TransactionClient;

/** the task actions /crm undo reverts */
export const TASK_UNDOABLE: readonly string[] = ["task.create", "task.done", "task.snooze"];

export interface TaskUndone {
  what: string;
  /** the task as the undo left it: its reminder is planned from it after commit */
  task: TaskRow;
}

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

const obj = (v: Prisma.JsonValue | null): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** a due time read back from an audit row (an ISO string), or null when the row has none */
function dueOf(v: unknown): Date | null {
  if (typeof v !== "string") return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

export async function untask(tx: Tx, actor: Actor, row: AuditLog, key: string, now: Date): Promise<TaskUndone> {
  const ws = actor.workspaceId;
  const t = await tx.task.findFirst({ where: { id: row.entityId, workspaceId: ws }, include: taskInclude });
  if (!t) throw new UserInputError(`${key} is gone; there is nothing to undo.`);
  const undoAudit = (before: Record<string, unknown>, after: Record<string, unknown>) =>
    audit(tx, actor, "task.undo", "task", t.id, before, { ...after, undoes: row.id, undid: row.action });
  // pending again only for a due time ahead that no reminder has claimed
  const pendingAt = async (dueAt: Date) =>
    dueAt > now &&
    !(await tx.notification.findUnique({
      where: { workspaceId_dedupeKey: { workspaceId: ws, dedupeKey: reminderClaimKey({ taskId: t.id, dueAt: dueAt.getTime() }) } },
    }));
  const reminderWords = (pending: boolean, dueAt: Date) =>
    pending ? "its reminder goes out then" : dueAt <= now ? "overdue, so no reminder" : "its reminder went out already";

  if (row.action === "task.create") {
    requireMayChangeTask(actor, t, "close it");
    if (t.doneAt) throw new UserInputError(`${key} is done already; there is nothing to undo.`);
    const after = await tx.task.update({ where: { id: t.id }, data: { doneAt: now, reminderPending: false }, include: taskInclude });
    await undoAudit({ doneAt: null }, { doneAt: now });
    await recordEvent(tx, actor, eventOf("task.cancelled", after));
    return { what: `${key} is closed: off the task lists, and its reminder will not go out`, task: after };
  }

  if (row.action === "task.done") {
    requireMayChangeTask(actor, t, "reopen it");
    if (!t.doneAt) throw new UserInputError(`${key} is open already; there is nothing to undo.`);
    const pending = await pendingAt(t.dueAt);
    const after = await tx.task.update({ where: { id: t.id }, data: { doneAt: null, reminderPending: pending }, include: taskInclude });
    await undoAudit({ doneAt: t.doneAt }, { doneAt: null });
    await recordEvent(tx, actor, eventOf("task.reopened", after));
    return { what: `${key} is open again, due ${utc(t.dueAt)}; ${reminderWords(pending, t.dueAt)}`, task: after };
  }

  // task.snooze: back to the due time before, if it is still the one the snooze set
  requireMayChangeTask(actor, t, "snooze it");
  const [before, snoozedTo] = [dueOf(obj(row.before).dueAt), dueOf(obj(row.after).dueAt)];
  if (!before || !snoozedTo)
    throw new UserInputError(`Your task.snooze on ${key} did not record its due times; snooze it with /crm task snooze ${key} <when>.`);
  if (t.doneAt) throw new UserInputError(`${key} is done since; there is nothing to undo.`);
  if (t.dueAt.getTime() !== snoozedTo.getTime())
    throw new UserInputError(`${key} is due ${utc(t.dueAt)} now, not ${utc(snoozedTo)}; there is nothing to undo.`);
  const pending = await pendingAt(before);
  const after = await tx.task.update({
    where: { id: t.id },
    data: { dueAt: before, reminderPending: pending, ...(t.snoozeCount > 0 ? { snoozeCount: { decrement: 1 } } : {}) },
    include: taskInclude,
  });
  await undoAudit({ dueAt: t.dueAt }, { dueAt: before });
  await recordEvent(tx, actor, eventOf("task.snoozed", after));
  return { what: `${key} is due ${utc(before)} again; ${reminderWords(pending, before)}`, task: after };
}
