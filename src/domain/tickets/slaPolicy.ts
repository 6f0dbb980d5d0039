// SLA policy per priority (`/crm sla show|set`), re-prioritising a ticket, and keeping every open ticket's
// timers in step with its due times: after each change, and by a periodic sweep that re-adds any timer
// a crash or a lost Redis dropped.
import { UserInputError } from "../../errors.ts";
import type { Prisma, PrismaClient, SlaPolicy, Ticket } from "../../generated/prisma/client.ts";
import type { TicketPriority } from "../../generated/prisma/enums.ts";
import type { Logger } from "../../log.ts";
import { requireCanChange, requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveRef } from "../refs.ts";
import { DEFAULT_SLA } from "../workspaces/defaults.ts";
import type { EscalationService } from "./escalation.ts";
import type { TicketHooks } from "./service.ts";
import { claimKey, planTimers, timerIdsOf, type SlaTimerQueue, type TimedTicket } from "./slaTimers.ts";

type Tx = Prisma.TransactionClient;

// most urgent first, as a support lead reads the table
export const PRIORITY_ORDER = ["urgent", "high", "normal", "low"] as const satisfies readonly TicketPriority[];

const SWEEP_BATCH = 500;

export interface PolicyChange {
  first?: number;
  resolve?: number;
}

const timed = {
  id: true,
  workspaceId: true,
  status: true,
  createdAt: true,
  pausedMs: true,
  firstResponseDueAt: true,
  resolutionDueAt: true,
  firstResponseAt: true,
} as const;

/** Due times under a target (seconds), from the ticket's start plus the time it waited; a met first response keeps its due time. */
export function dueUnder(
  t: Pick<Ticket, "createdAt" | "pausedMs" | "firstResponseAt" | "firstResponseDueAt">,
  firstSec: number,
  resolveSec: number,
) {
  const from = t.createdAt.getTime() + Number(t.pausedMs);
  return {
    firstResponseDueAt: t.firstResponseAt ? t.firstResponseDueAt : new Date(from + firstSec * 1000),
    resolutionDueAt: new Date(from + resolveSec * 1000),
  };
}

export class SlaService {
  constructor(
    private db: PrismaClient,
    private timers: SlaTimerQueue | undefined,
    private escalations: EscalationService,
    private logger?: Logger,
  ) {}

  /** The policy table, most urgent first (a missing row shows the built-in default). */
  async show(actor: Actor): Promise<{ priority: TicketPriority; firstResponseSec: number; resolutionSec: number }[]> {
    const rows = await this.db.slaPolicy.findMany({ where: { workspaceId: actor.workspaceId } });
    const by = new Map(rows.map((r) => [r.priority, r]));
    return PRIORITY_ORDER.map((priority) => {
      const r = by.get(priority);
      return {
        priority,
        firstResponseSec: r?.firstResponseSec ?? DEFAULT_SLA[priority].first,
        resolutionSec: r?.resolutionSec ?? DEFAULT_SLA[priority].resolve,
      };
    });
  }

  /**
   * Managers and admins change one priority's targets. Unresolved tickets of that priority follow the
   * new targets (counted from when they opened, waiting excluded) and their timers are rescheduled.
   */
  async set(actor: Actor, priority: TicketPriority, change: PolicyChange): Promise<{ policy: SlaPolicy; rescheduled: number }> {
    requireRole(actor, "manager", "change SLA targets");
    if (change.first === undefined && change.resolve === undefined)
      throw new UserInputError("Give first:<duration>, resolve:<duration> or both, e.g. first:30m resolve:4h.");
    const { policy, moved } = await this.db.$transaction(
      async (tx) => {
        const where = { workspaceId_priority: { workspaceId: actor.workspaceId, priority } };
        const before = await tx.slaPolicy.findUnique({ where });
        const first = change.first ?? before?.firstResponseSec ?? DEFAULT_SLA[priority].first;
        const resolve = change.resolve ?? before?.resolutionSec ?? DEFAULT_SLA[priority].resolve;
        if (first > resolve)
          throw new UserInputError(`The first response target (${first}s) cannot be longer than the resolution target (${resolve}s).`);
        const policy = await tx.slaPolicy.upsert({
          where,
          create: { workspaceId: actor.workspaceId, priority, firstResponseSec: first, resolutionSec: resolve },
          update: { firstResponseSec: first, resolutionSec: resolve },
        });
        await audit(
          tx,
          actor,
          "sla.set",
          "slaPolicy",
          policy.id,
          before ? { priority, firstResponseSec: before.firstResponseSec, resolutionSec: before.resolutionSec } : null,
          { priority, firstResponseSec: first, resolutionSec: resolve },
        );
        // the same row locks ticket commands take, so no change to these tickets interleaves
        await tx.$queryRaw`SELECT "id" FROM "Ticket" WHERE "workspaceId" = ${actor.workspaceId} AND "priority" = ${priority}::"TicketPriority" AND "status" <> 'resolved' FOR UPDATE`;
        const open = await tx.ticket.findMany({ where: { workspaceId: actor.workspaceId, priority, status: { not: "resolved" } } });
        const moved: { before: Ticket; after: Ticket }[] = [];
        for (const t of open) {
          const due = dueUnder(t, first, resolve);
          if (
            due.firstResponseDueAt?.getTime() === t.firstResponseDueAt?.getTime() &&
            due.resolutionDueAt.getTime() === t.resolutionDueAt?.getTime()
          )
            continue;
          moved.push({ before: t, after: await tx.ticket.update({ where: { id: t.id }, data: due }) });
        }
        return { policy, moved };
      },
      { timeout: 30_000 },
    );
    for (const m of moved) await this.reschedule(m.before, m.after);
    return { policy, rescheduled: moved.length };
  }

  /** A new priority: due times follow that priority's targets; the old timers stop counting. */
  async reprioritise(actor: Actor, ref: string, priority: TicketPriority): Promise<{ before: Ticket; after: Ticket }> {
    requireRole(actor, "agent", "change tickets");
    const hit = await resolveRef(this.db, actor.workspaceId, "ticket", ref);
    const policy = await this.db.slaPolicy.findUnique({ where: { workspaceId_priority: { workspaceId: actor.workspaceId, priority } } });
    const first = policy?.firstResponseSec ?? DEFAULT_SLA[priority].first;
    const resolve = policy?.resolutionSec ?? DEFAULT_SLA[priority].resolve;
    const r = await this.db.$transaction(async (tx) => {
      const before = await lockOpenTicket(tx, actor, hit.id);
      requireCanChange(actor, before.assigneeId, "change tickets");
      if (before.priority === priority) throw new UserInputError(`T-${before.number} is already ${priority}.`);
      const after = await tx.ticket.update({ where: { id: before.id }, data: { priority, ...dueUnder(before, first, resolve) } });
      await tx.ticketEvent.create({
        data: {
          workspaceId: actor.workspaceId,
          ticketId: before.id,
          kind: "priority_changed",
          actorId: actor.memberId,
          data: { from: before.priority, priority },
        },
      });
      await audit(
        tx,
        actor,
        "ticket.priority",
        "ticket",
        before.id,
        { priority: before.priority, firstResponseDueAt: before.firstResponseDueAt, resolutionDueAt: before.resolutionDueAt },
        { priority, firstResponseDueAt: after.firstResponseDueAt, resolutionDueAt: after.resolutionDueAt },
      );
      return { before, after };
    });
    await this.reschedule(r.before, r.after);
    return r;
  }

  /**
   * Replaces a ticket's timers: removes the delayed jobs planned for the old due times and adds the new
   * ones. Best effort: the change is committed already, stale timers do nothing, the sweep re-adds missing ones.
   */
  async reschedule(before: TimedTicket | null, after: TimedTicket | null, opts: { inTx?: boolean } = {}): Promise<void> {
    if (!this.timers) return;
    const add = after ? planTimers(after) : [];
    const keep = new Set(add.map((a) => a.id));
    const remove = before ? timerIdsOf(before).filter((id) => !keep.has(id)) : [];
    if (!add.length && !remove.length) return;
    const job = this.timers.replace(remove, add).catch((e: Error) => {
      this.logger?.warn({ err: e.message, ticket: (after ?? before)?.id }, "could not reschedule SLA timers; the sweep retries");
    });
    // inside someone else's transaction: never hold it up on Redis
    if (!opts.inTx) await job;
  }

  /** Re-adds every open ticket's timers (ids are deterministic, so existing ones stay as they are). */
  async sweep(now = Date.now()): Promise<number> {
    if (!this.timers) return 0;
    let added = 0;
    for (const { id: workspaceId } of await this.db.workspace.findMany({ select: { id: true } })) {
      let cursor: string | undefined;
      for (;;) {
        const page = await this.db.ticket.findMany({
          where: { workspaceId, status: "open", archivedAt: null },
          select: timed,
          orderBy: { id: "asc" },
          take: SWEEP_BATCH,
          ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
        });
        if (!page.length) break;
        cursor = page[page.length - 1].id;
        const plans = page
          .flatMap((t) => planTimers(t))
          // a warning after its deadline is skipped by the timer anyway
          .filter((p) => !(p.data.stage === "warn" && p.data.dueAt <= now));
        const past = plans.filter((p) => p.fireAt <= now).map((p) => claimKey(p.data));
        const claimed = new Set(
          past.length
            ? (await this.db.notification.findMany({ where: { workspaceId, dedupeKey: { in: past } }, select: { dedupeKey: true } })).map(
                (n) => n.dedupeKey,
              )
            : [],
        );
        const missing = plans.filter((p) => p.fireAt > now || !claimed.has(claimKey(p.data)));
        if (missing.length) await this.timers.replace([], missing);
        added += missing.length;
        if (page.length < SWEEP_BATCH) break;
      }
    }
    return added;
  }

  /** The hooks TicketService calls: timers follow the clock, escalations notify (assignments: the ticket.assigned event). */
  hooks(): TicketHooks {
    return {
      clockChanged: (before, after, opts) => this.reschedule(before, after, opts),
      escalated: (tx, actor, t, reason) => this.escalations.escalated(tx, actor, t, reason),
    };
  }
}

async function lockOpenTicket(tx: Tx, actor: Actor, id: string): Promise<Ticket> {
  await tx.$queryRaw`SELECT "id" FROM "Ticket" WHERE "id" = ${id} AND "workspaceId" = ${actor.workspaceId} FOR UPDATE`;
  const t = await tx.ticket.findFirstOrThrow({ where: { id, workspaceId: actor.workspaceId } });
  if (t.status === "resolved") throw new UserInputError(`T-${t.number} is already resolved; there is nothing to re-prioritise.`);
  return t;
}
