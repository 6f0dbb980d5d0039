// /crm undo: reverts the caller's own most recent change in this workspace, if it is at most 10 minutes old,
// from its audit row's before/after. Undo rows ("<kind>.undo", whose after names the row they undid) are
// never undone themselves, and an undone row is not picked again: undoing twice steps further back, never
// redoes. What it can revert: field edits of contacts, companies, deals and tickets (and contact tags), delete
// and restore, contact and company merges, deal moves (won and lost too), and task add, done and snooze
// (src/domain/tasks/undo.ts; the reminder is planned again after commit). It refuses when someone else has
// changed the record since, naming who and when. One transaction with the records' rows locked; the same
// role rules as the original change; audited and raising the same domain events as the change it reverts.
import { UserInputError } from "../../errors.ts";
import { Prisma, type AuditLog, type PrismaClient, type Ticket } from "../../generated/prisma/client.ts";
import { formatKey } from "../../db/keys.ts";
import { when } from "../../reply/format.ts";
import { requireCanChange, requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import type { DealService } from "../deals/service.ts";
import type { PipelineService } from "../deals/pipeline.ts";
import { recordEvent, type EventLog } from "../events/record.ts";
import type { RefKind } from "../refs.ts";
import { DEFAULT_SLA } from "../workspaces/defaults.ts";
import { dueUnder, type SlaService } from "../tickets/slaPolicy.ts";
import type { TicketPriority } from "../../generated/prisma/enums.ts";
import type { TaskService } from "../tasks/service.ts";
import { TASK_UNDOABLE, untask } from "../tasks/undo.ts";
import { changedEvent, loadRow, requireMayChange, setArchived } from "./archive.ts";
import { diff, plain, requireLive } from "./changes.ts";
import { META_KEYS } from "./history.ts";
import { columns, unmerge, type MergeAfter } from "./unmerge.ts";

type Tx = Prisma.TransactionClient;

export const UNDO_WINDOW_MS = 10 * 60_000;
const RECORD_KINDS: readonly string[] = ["contact", "company", "deal", "ticket"];
const TABLE: Record<RefKind, string> = { contact: "Contact", company: "Company", deal: "Deal", ticket: "Ticket" };

export interface Undone {
  /** the action undone (deal.move) and the record's key */
  action: string;
  key: string;
  at: Date;
  /** what was put back, in a few words */
  what: string;
}

const obj = (v: Prisma.JsonValue | null): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const fieldsOf = (v: Record<string, unknown>) => Object.keys(v).filter((k) => !META_KEYS.has(k));
const stamp = (at: Date, now: Date) => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC, ${when(at, now)}`;

/** What to do instead, for changes undo cannot revert. */
function instead(action: string, key: string): string {
  const [kind, verb] = action.split(".");
  if (["add", "create", "new"].includes(verb) && RECORD_KINDS.includes(kind)) return `delete it instead with /crm ${kind} delete ${key}`;
  if (action === "contact.forget") return "a forgotten contact's data is erased for good";
  if (action === "interaction.log") return "a logged interaction stays; log a note that corrects it";
  if (kind === "ticket") return `change it back with the ticket command (see /crm help ticket; /crm history ${key} shows what changed)`;
  return "change it back with the command that made it (see /crm help)";
}

export class RecordUndo {
  constructor(
    private db: PrismaClient,
    private events: EventLog,
    private deals: DealService,
    private pipelines: PipelineService,
    private sla: SlaService,
    private tasks: TaskService,
  ) {}

  async undo(actor: Actor, now = new Date()): Promise<Undone> {
    const row = await this.pick(actor, now);
    const kind = row.entity as RefKind;
    const key = await this.keyOf(row);
    if (row.entity === "task" && TASK_UNDOABLE.includes(row.action)) return this.undoTask(actor, row, key, now);
    const verb = row.action.slice(row.entity.length + 1);
    const supported =
      RECORD_KINDS.includes(row.entity) &&
      row.action.startsWith(`${row.entity}.`) &&
      (["edit", "delete", "restore"].includes(verb) ||
        row.action === "contact.tag" ||
        (["contact", "company"].includes(kind) && verb === "merge") ||
        (kind === "deal" && ["move", "won", "lost"].includes(verb)));
    if (!supported)
      throw new UserInputError(
        `Your last change (${row.action} on ${key}, ${stamp(row.at, now)}) cannot be undone; ${row.action === "ticket.assign" ? await this.assignBack(row, key) : instead(row.action, key)}.`,
      );
    // a deal move back needs its stage before the transaction (the pipeline is read outside it)
    const stage = kind === "deal" && ["move", "won", "lost"].includes(verb) ? await this.stageBefore(actor, row, key) : undefined;
    let ticketPriority: { before: Ticket; after: Ticket } | undefined;
    const result = await this.events.transaction(async (tx) => {
      const into = verb === "merge" ? (obj(row.after).into as { id?: string } | undefined)?.id : undefined;
      const ids = [row.entityId, ...(into ? [into] : [])];
      await tx.$queryRaw(
        Prisma.sql`SELECT "id" FROM ${Prisma.raw(`"${TABLE[kind]}"`)} WHERE "id" IN (${Prisma.join(ids)}) AND "workspaceId" = ${actor.workspaceId} ORDER BY "id" FOR UPDATE`,
      );
      await this.requireNotUndone(tx, actor, row, key);
      await this.requireUnchangedSince(tx, actor, row, ids, key, now);
      if (verb === "merge") {
        const r = await unmerge(
          tx,
          actor,
          kind as "contact" | "company",
          row.id,
          row.entityId,
          obj(row.before),
          obj(row.after) as unknown as MergeAfter,
        );
        const p = kind === "contact" ? "C" : "A";
        return `${p}-${r.fromNumber} is live again, with ${r.moved} of its records moved back from ${p}-${r.intoNumber}`;
      }
      if (verb === "delete" || verb === "restore") return this.unarchive(tx, actor, kind, row, key, verb === "delete");
      if (stage) return this.moveBack(tx, actor, row, key, stage);
      const r = await this.unedit(tx, actor, kind, row, key);
      ticketPriority = r.ticketPriority;
      return r.what;
    });
    if (ticketPriority) await this.sla.reschedule(ticketPriority.before, ticketPriority.after);
    return { action: row.action, key, at: row.at, what: result };
  }

  /** task add / done / snooze: reverted in the task's locked row, its reminder planned again after commit */
  private async undoTask(actor: Actor, row: AuditLog, key: string, now: Date): Promise<Undone> {
    const r = await this.events.transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "Task" WHERE "id" = ${row.entityId} AND "workspaceId" = ${actor.workspaceId} FOR UPDATE`;
      await this.requireNotUndone(tx, actor, row, key);
      await this.requireUnchangedSince(tx, actor, row, [row.entityId], key, now);
      return untask(tx, actor, row, key, now);
    });
    await this.tasks.schedule(r.task);
    return { action: row.action, key, at: row.at, what: r.what };
  }

  /**
   * ticket assign is not undone here: handing a ticket back goes through TicketService.assign (its checks, the
   * new assignee's DM), whose own audit row a second undo would then pick as a change to revert. Say to whom.
   */
  private async assignBack(row: AuditLog, key: string): Promise<string> {
    const was = obj(row.before).assigneeId;
    const m = typeof was === "string" ? await this.db.member.findFirst({ where: { id: was, workspaceId: row.workspaceId } }) : null;
    if (!m) return `it was unassigned before; hand it on with /crm ticket assign ${key} <@user|me|auto>`;
    return `hand it back with /crm ticket assign ${key} <@user> (it was ${m.name}'s)`;
  }

  /** The actor's most recent audit row within the window that is neither an undo nor undone already. */
  private async pick(actor: Actor, now: Date): Promise<AuditLog> {
    const since = new Date(now.getTime() - UNDO_WINDOW_MS);
    // joining the workspace is written as the member's own row; it is not a change of theirs
    const mine = { workspaceId: actor.workspaceId, actorId: actor.memberId, NOT: { action: "member.add", entityId: actor.memberId } };
    const recent = await this.db.auditLog.findMany({
      where: { ...mine, at: { gte: since } },
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: 200,
    });
    const undone = new Set(recent.filter((r) => r.action.endsWith(".undo")).map((r) => obj(r.after).undoes));
    // a merge writes a second row on the kept record ("merged-in"): the merge row stands for both
    const row = recent.find((r) => !r.action.endsWith(".undo") && !r.action.endsWith(".merged-in") && !undone.has(r.id));
    if (row) return row;
    if (recent.length) throw new UserInputError("Nothing left to undo: your changes of the last 10 minutes are undone already.");
    const last = await this.db.auditLog.findFirst({ where: mine, orderBy: [{ at: "desc" }, { id: "desc" }] });
    if (!last) throw new UserInputError("Nothing to undo: you have made no changes in this workspace yet.");
    throw new UserInputError(
      `Nothing to undo: your last change (${last.action} on ${await this.keyOf(last)}) was at ${stamp(last.at, now)}; undo reverts changes of the last 10 minutes.`,
    );
  }

  /** A second undo racing this one (same row) waits on the row locks, then finds the first one's row here. */
  private async requireNotUndone(tx: Tx, actor: Actor, row: AuditLog, key: string): Promise<void> {
    const done = await tx.auditLog.count({
      where: {
        workspaceId: actor.workspaceId,
        actorId: actor.memberId,
        action: { endsWith: ".undo" },
        after: { path: ["undoes"], equals: row.id },
      },
    });
    if (done) throw new UserInputError(`Your ${row.action} on ${key} is undone already.`);
  }

  /** Someone else's audit row on the record after this one: undo would overwrite their change. */
  private async requireUnchangedSince(tx: Tx, actor: Actor, row: AuditLog, ids: string[], key: string, now: Date): Promise<void> {
    const later = await tx.auditLog.findFirst({
      where: {
        workspaceId: actor.workspaceId,
        entityId: { in: ids },
        at: { gte: row.at },
        id: { not: row.id },
        OR: [{ actorId: null }, { actorId: { not: actor.memberId } }],
      },
      orderBy: [{ at: "desc" }, { id: "desc" }],
      include: { actor: { select: { name: true } } },
    });
    if (later)
      throw new UserInputError(
        `${key} was changed since by ${later.actor?.name ?? "the system"} (${later.action}, ${stamp(later.at, now)}); undo would overwrite that. /crm history ${key} shows what changed.`,
      );
  }

  private async unarchive(tx: Tx, actor: Actor, kind: RefKind, row: AuditLog, key: string, wasDelete: boolean): Promise<string> {
    const rec = await loadRow(tx, actor.workspaceId, kind, row.entityId);
    if (!rec) throw new UserInputError(`${key} is gone; there is nothing to undo.`);
    requireMayChange(actor, kind, rec, `${wasDelete ? "restore" : "delete"} ${kind === "company" ? "companies" : `${kind}s`}`);
    if (wasDelete && !rec.archivedAt) throw new UserInputError(`${key} is not archived any more; there is nothing to undo.`);
    if (!wasDelete && rec.archivedAt) throw new UserInputError(`${key} is archived again already; there is nothing to undo.`);
    if (rec.mergedIntoId || rec.forgottenAt) throw new UserInputError(`${key} was merged or forgotten since; it stays archived.`);
    const at = wasDelete ? null : new Date();
    await setArchived(tx, kind, rec.id, at);
    await audit(
      tx,
      actor,
      `${kind}.undo`,
      kind,
      rec.id,
      { archivedAt: rec.archivedAt },
      { archivedAt: at, undoes: row.id, undid: row.action },
    );
    await recordEvent(tx, actor, changedEvent(kind, rec, ["archivedAt"]));
    return wasDelete ? `${key} is restored` : `${key} is archived again`;
  }

  private async stageBefore(actor: Actor, row: AuditLog, key: string) {
    const name = obj(row.before).stage;
    if (typeof name !== "string")
      throw new UserInputError(
        `Your ${row.action} on ${key} did not record the stage before; move it back with /crm deal move ${key} <stage>.`,
      );
    const stages = await this.pipelines.stages(actor.workspaceId);
    const to = stages.find((s) => s.name === name);
    if (!to) throw new UserInputError(`The stage ${name} is gone from the pipeline; move ${key} with /crm deal move ${key} <stage>.`);
    return to;
  }

  /** deal move / won / lost back to the stage before, through DealService's own stage change */
  private async moveBack(
    tx: Tx,
    actor: Actor,
    row: AuditLog,
    key: string,
    to: Awaited<ReturnType<RecordUndo["stageBefore"]>>,
  ): Promise<string> {
    const deal = await tx.deal.findFirstOrThrow({ where: { id: row.entityId, workspaceId: actor.workspaceId }, include: { stage: true } });
    requireLive("deal", key, deal);
    requireCanChange(actor, deal.ownerId, "move deals");
    const afterStage = obj(row.after).stage;
    if (deal.stage.name !== afterStage)
      throw new UserInputError(`${key} is in ${deal.stage.name} now, not ${String(afterStage)}; there is nothing to undo.`);
    // back into the stage it left: when it entered it then, and a lost deal's reason
    const entered = await tx.dealStageChange.findFirst({
      where: { workspaceId: actor.workspaceId, dealId: deal.id, toStageId: to.id, at: { lt: row.at } },
      orderBy: { at: "desc" },
    });
    const reason = to.isLost
      ? await tx.auditLog.findFirst({
          where: { workspaceId: actor.workspaceId, entityId: deal.id, action: "deal.lost", at: { lt: row.at } },
          orderBy: [{ at: "desc" }, { id: "desc" }],
        })
      : null;
    const lostReason = reason ? obj(reason.after).lostReason : undefined;
    await this.deals.moveIn(tx, actor, deal, to, {
      lostReason: typeof lostReason === "string" ? lostReason : null,
      enteredAt: entered?.at,
      audited: false,
    });
    await audit(tx, actor, "deal.undo", "deal", deal.id, { stage: deal.stage.name }, { stage: to.name, undoes: row.id, undid: row.action });
    return `${key} is back in ${to.name}`;
  }

  /** field edits (and contact tags): the before values written back, if the fields still hold the after values */
  private async unedit(tx: Tx, actor: Actor, kind: RefKind, row: AuditLog, key: string) {
    const ws = actor.workspaceId;
    const [before, after] = [obj(row.before), obj(row.after)];
    const fields = fieldsOf(before);
    if (!fields.length) throw new UserInputError(`Your ${row.action} on ${key} recorded no values to put back.`);
    const current = await this.current(tx, ws, kind, row.entityId);
    if (!current) throw new UserInputError(`${key} is gone; there is nothing to undo.`);
    requireLive(kind, key, current);
    if (kind === "contact" && (current as { forgottenAt?: Date | null }).forgottenAt)
      throw new UserInputError(`${key} was forgotten; it cannot be changed.`);
    const what = row.action === "contact.tag" ? "tag contacts" : `edit ${kind === "company" ? "companies" : `${kind}s`}`;
    if (kind === "company") requireRole(actor, "agent", what);
    else {
      // the owner the change started from: undoing a reassignment away from oneself is one's own to undo
      const owner = kind === "ticket" ? current.assigneeId : "ownerId" in before ? before.ownerId : current.ownerId;
      requireCanChange(actor, (owner as string | null) ?? null, what);
    }
    const drifted = diff(current, Object.fromEntries(fields.map((f) => [f, after[f] ?? null]))).fields;
    if (drifted.length)
      throw new UserInputError(`${key}'s ${drifted.join(", ")} changed since your ${row.action}; undo would overwrite that.`);
    if (kind === "contact" && typeof before.email === "string") {
      const other = await tx.contact.findFirst({ where: { workspaceId: ws, email: before.email, id: { not: row.entityId } } });
      if (other) throw new UserInputError(`${before.email} is C-${other.number}'s email now; ${key} cannot get it back.`);
    }
    const data = columns(Object.fromEntries(fields.map((f) => [f, before[f]])));
    let ticketPriority: { before: Ticket; after: Ticket } | undefined;
    if (kind === "contact") await tx.contact.update({ where: { id: row.entityId }, data });
    else if (kind === "company") await tx.company.update({ where: { id: row.entityId }, data });
    else if (kind === "deal") await tx.deal.update({ where: { id: row.entityId }, data });
    else {
      const t0 = await tx.ticket.findUniqueOrThrow({ where: { id: row.entityId } });
      const priority = fields.includes("priority") ? (before.priority as TicketPriority) : undefined;
      let due = {};
      if (priority) {
        const policy = await tx.slaPolicy.findUnique({ where: { workspaceId_priority: { workspaceId: ws, priority } } });
        due = dueUnder(t0, policy?.firstResponseSec ?? DEFAULT_SLA[priority].first, policy?.resolutionSec ?? DEFAULT_SLA[priority].resolve);
      }
      const t1 = await tx.ticket.update({ where: { id: row.entityId }, data: { ...data, ...due } });
      if (priority) {
        await tx.ticketEvent.create({
          data: {
            workspaceId: ws,
            ticketId: t0.id,
            kind: "priority_changed",
            actorId: actor.memberId,
            data: { from: t0.priority, priority },
          },
        });
        ticketPriority = { before: t0, after: t1 };
      }
    }
    const restored = Object.fromEntries(fields.map((f) => [f, plain(before[f])]));
    await audit(tx, actor, `${kind}.undo`, kind, row.entityId, Object.fromEntries(fields.map((f) => [f, after[f] ?? null])), {
      ...restored,
      undoes: row.id,
      undid: row.action,
    });
    await recordEvent(
      tx,
      actor,
      changedEvent(kind, { id: row.entityId, contactId: (current as { contactId?: string | null }).contactId ?? null }, fields),
    );
    return { what: `${key}'s ${fields.join(", ")} ${fields.length === 1 ? "is" : "are"} back to before`, ticketPriority };
  }

  /** the record's columns as edits compare them (a deal's amount as its 2-decimal text) */
  private async current(
    tx: Tx,
    ws: string,
    kind: RefKind,
    id: string,
  ): Promise<(Record<string, unknown> & { archivedAt: Date | null; ownerId?: string | null; assigneeId?: string | null }) | null> {
    const where = { id, workspaceId: ws };
    if (kind === "contact") return tx.contact.findFirst({ where });
    if (kind === "company") return tx.company.findFirst({ where });
    if (kind === "ticket") return tx.ticket.findFirst({ where });
    const d = await tx.deal.findFirst({ where });
    return d && { ...d, amount: d.amount.toFixed(2) };
  }

  /** the key of the record an audit row is about (C-3, F-2), or its kind for rows about anything else */
  private async keyOf(row: AuditLog): Promise<string> {
    const where = { id: row.entityId, workspaceId: row.workspaceId };
    const select = { number: true } as const;
    const n =
      row.entity === "contact"
        ? await this.db.contact.findFirst({ where, select })
        : row.entity === "company"
          ? await this.db.company.findFirst({ where, select })
          : row.entity === "deal"
            ? await this.db.deal.findFirst({ where, select })
            : row.entity === "ticket"
              ? await this.db.ticket.findFirst({ where, select })
              : row.entity === "task"
                ? await this.db.task.findFirst({ where, select })
                : null;
    if (!n && row.entity === "member") {
      const m = await this.db.member.findFirst({ where, select: { name: true } });
      if (m) return m.name;
    }
    if (!n) return row.entity;
    return formatKey(row.entity as RefKind | "task", n.number);
  }
}
