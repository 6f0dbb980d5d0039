// Support tickets: open, assign (by name or on-call routing), escalate, wait, resume, resolve, show (lists: src/domain/search/lists.ts).
// Keys T-n. Refs and members are resolved before a transaction opens, so a bad command writes nothing.
import { UserInputError } from "../../errors.ts";
import type { Member, Prisma, PrismaClient, Ticket } from "../../generated/prisma/client.ts";
import type { TicketPriority } from "../../generated/prisma/enums.ts";
import type { MemberRef } from "../../parse/memberRef.ts";
import { TEXT_LIMITS } from "../../parse/limits.ts";
import { formatKey, nextNumber } from "../../db/keys.ts";
import { requireCanChange, requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveRef } from "../refs.ts";
import type { MemberService } from "../members/service.ts";
import { pickOnCall } from "./onCallRouting.ts";
import { dueDates, resumeChanges } from "./slaClock.ts";
import { recordEvent, type EventLog } from "../events/record.ts";
import { requireLive } from "../records/changes.ts";

type Tx = Prisma.TransactionClient;

export const TICKET_PRIORITIES = ["low", "normal", "high", "urgent"] as const satisfies readonly TicketPriority[];

export interface NewTicket {
  subject: string;
  priority?: TicketPriority;
  contact?: string;
  assign?: MemberRef;
  /** a chat message the ticket comes from: its text, link, and a key that makes it create one ticket only */
  description?: string;
  sourcePermalink?: string;
  sourceMessageKey?: string;
  /** the platform user who wrote that message: they join the ticket's thread */
  sourceAuthorUserId?: string;
}

const MAX_SUBJECT = TEXT_LIMITS.subject;
const people = { assignee: true, requester: true } as const;
export type TicketWithPeople = Prisma.TicketGetPayload<{ include: typeof people }>;

/**
 * What the support desk automation hangs on ticket changes (src/domain/tickets/slaPolicy.ts): SLA timers and
 * level-based escalation notices. Hooks never undo a committed change. Everything else a change sets off
 * (announcements, the new assignee's DM, threads, CSAT) follows the events recorded here (src/domain/events).
 */
export interface TicketHooks {
  /** status or due times changed: after commit, or inside the caller's transaction (resume from a logged interaction) */
  clockChanged(before: Ticket | null, after: Ticket, opts?: { inTx?: boolean }): Promise<void>;
  /** inside the escalating transaction: claim and enqueue the new level's notices */
  escalated(tx: Tx, actor: Actor, ticket: TicketWithPeople, reason?: string): Promise<void>;
}

export class TicketService {
  constructor(
    private db: PrismaClient,
    private members: MemberService,
    private events: EventLog,
    private hooks?: TicketHooks,
  ) {}

  async open(actor: Actor, input: NewTicket): Promise<TicketWithPeople & { autoAssigned: boolean }> {
    requireRole(actor, "agent", "open tickets");
    const subject = input.subject.trim();
    if (subject.length > MAX_SUBJECT)
      throw new UserInputError(`The subject is too long (${subject.length} characters; at most ${MAX_SUBJECT}).`);
    const priority = input.priority ?? "normal";
    const requester = input.contact ? await resolveRef(this.db, actor.workspaceId, "contact", input.contact) : undefined;
    const target = input.assign ? await this.target(actor, input.assign) : undefined;
    const policy = await this.db.slaPolicy.findUnique({ where: { workspaceId_priority: { workspaceId: actor.workspaceId, priority } } });
    const opened = await this.events.transaction(
      async (tx) => {
        const now = new Date();
        // pick first: "nobody on call" must fail before a key number is taken
        const assignee = target === "auto" ? await pickOnCall(tx, actor.workspaceId, now) : target;
        if (assignee && target !== "auto") await tx.member.update({ where: { id: assignee.id }, data: { lastAssignedAt: now } });
        const number = await nextNumber(tx, actor.workspaceId, "ticket");
        const t = await tx.ticket.create({
          data: {
            workspaceId: actor.workspaceId,
            number,
            subject,
            priority,
            requesterId: requester?.id,
            assigneeId: assignee?.id,
            source: actor.platform,
            createdAt: now,
            ...dueDates(policy, priority, now),
            description: input.description,
            sourcePermalink: input.sourcePermalink,
            sourceMessageKey: input.sourceMessageKey,
          },
          include: people,
        });
        await event(tx, actor, t.id, "created", {
          priority,
          requesterId: requester?.id ?? null,
          assigneeId: assignee?.id ?? null,
          auto: target === "auto",
        });
        await audit(tx, actor, "ticket.new", "ticket", t.id, null, t);
        await recordEvent(tx, actor, {
          type: "ticket.opened",
          recordKind: "ticket",
          recordId: t.id,
          data: {
            assigneeId: assignee?.id ?? null,
            auto: target === "auto",
            requesterId: requester?.id ?? null,
            authorUserId: input.sourceAuthorUserId ?? null,
          },
        });
        return { ...t, autoAssigned: target === "auto" };
      },
      { timeout: 15_000 },
    );
    await this.hooks?.clockChanged(null, opened);
    return opened;
  }

  /** `me`, a mention or a name → the member; `auto` → routing at write time. Viewers cannot hold tickets. */
  private async target(actor: Actor, ref: MemberRef): Promise<Member | "auto"> {
    if (ref.kind === "auto") return "auto";
    const m = await this.members.resolve(actor, ref);
    if (m.role === "viewer")
      throw new UserInputError(`${m.name} is a viewer and cannot work tickets; an admin can make them an agent with /crm role.`);
    return m;
  }

  async assign(actor: Actor, ref: string, to: MemberRef): Promise<TicketWithPeople & { autoAssigned: boolean; previous: string | null }> {
    requireRole(actor, "agent", "assign tickets");
    const hit = await resolveRef(this.db, actor.workspaceId, "ticket", ref);
    const target = await this.target(actor, to);
    const assigned = await this.events.transaction(
      async (tx) => {
        const now = new Date();
        const before = await lockTicket(tx, actor, hit.id, "assign");
        // agents hand over their own or unassigned tickets (to anyone); taking someone else's needs a manager
        requireCanChange(actor, before.assigneeId, "reassign tickets");
        if (target !== "auto" && before.assigneeId === target.id)
          throw new UserInputError(`${key(before)} is already assigned to ${target.name}.`);
        const assignee = target === "auto" ? await pickOnCall(tx, actor.workspaceId, now, before.id) : target;
        if (assignee.id === before.assigneeId)
          throw new UserInputError(
            `${key(before)} stays with ${assignee.name}: they are the on-call pick right now. Name someone to hand it over.`,
          );
        if (target !== "auto") await tx.member.update({ where: { id: assignee.id }, data: { lastAssignedAt: now } });
        const previous = before.assigneeId ? ((await tx.member.findUnique({ where: { id: before.assigneeId } }))?.name ?? null) : null;
        const after = await tx.ticket.update({ where: { id: before.id }, data: { assigneeId: assignee.id }, include: people });
        await event(tx, actor, before.id, "assigned", { from: before.assigneeId, to: assignee.id, auto: target === "auto" });
        await audit(tx, actor, "ticket.assign", "ticket", before.id, { assigneeId: before.assigneeId }, { assigneeId: assignee.id });
        await recordEvent(tx, actor, {
          type: "ticket.assigned",
          recordKind: "ticket",
          recordId: before.id,
          data: { fromId: before.assigneeId, toId: assignee.id, auto: target === "auto", previous },
        });
        return { ...after, autoAssigned: target === "auto", previous };
      },
      { timeout: 15_000 },
    );
    return assigned;
  }

  /** Any agent may escalate any unresolved ticket: asking for help takes nothing from the assignee. */
  async escalate(actor: Actor, ref: string, reason?: string): Promise<TicketWithPeople> {
    requireRole(actor, "agent", "escalate tickets");
    const hit = await resolveRef(this.db, actor.workspaceId, "ticket", ref);
    return this.events.transaction(async (tx) => {
      const before = await lockTicket(tx, actor, hit.id, "escalate");
      const level = before.escalationLevel + 1;
      const after = await tx.ticket.update({ where: { id: before.id }, data: { escalationLevel: level }, include: people });
      await event(tx, actor, before.id, "escalated", { level, reason: reason ?? null });
      await audit(
        tx,
        actor,
        "ticket.escalate",
        "ticket",
        before.id,
        { escalationLevel: before.escalationLevel },
        { escalationLevel: level, reason },
      );
      await recordEvent(tx, actor, {
        type: "ticket.escalated",
        recordKind: "ticket",
        recordId: before.id,
        data: { level, reason: reason ?? null },
      });
      await this.hooks?.escalated(tx, actor, after, reason);
      return after;
    });
  }

  /** Waiting on the customer: the SLA clocks stop until an interaction (or resolve) resumes the ticket. */
  async wait(actor: Actor, ref: string): Promise<TicketWithPeople> {
    requireRole(actor, "agent", "change tickets");
    const hit = await resolveRef(this.db, actor.workspaceId, "ticket", ref);
    const { before, after } = await this.events.transaction(async (tx) => {
      const before = await lockTicket(tx, actor, hit.id, "put on hold");
      requireCanChange(actor, before.assigneeId, "change tickets");
      if (before.status === "waiting")
        throw new UserInputError(
          `${key(before)} is already waiting (since ${before.waitingSince?.toISOString().slice(0, 16).replace("T", " ")} UTC).`,
        );
      const after = await tx.ticket.update({
        where: { id: before.id },
        data: { status: "waiting", waitingSince: new Date() },
        include: people,
      });
      await event(tx, actor, before.id, "waiting");
      await audit(
        tx,
        actor,
        "ticket.wait",
        "ticket",
        before.id,
        { status: before.status },
        { status: "waiting", waitingSince: after.waitingSince },
      );
      await recordEvent(tx, actor, { type: "ticket.waiting", recordKind: "ticket", recordId: before.id, data: {} });
      return { before, after };
    });
    await this.hooks?.clockChanged(before, after);
    return after;
  }

  /**
   * A waiting ticket goes back to open and its due times move later by the time it waited. Called by
   * whatever logs an interaction on a ticket (pass its transaction); a ticket that is not waiting is left
   * alone and null is returned.
   */
  async resume(actor: Actor, ticketId: string, tx?: Tx): Promise<Ticket | null> {
    requireRole(actor, "agent", "change tickets");
    const run = async (tx: Tx) => {
      await tx.$queryRaw`SELECT "id" FROM "Ticket" WHERE "id" = ${ticketId} AND "workspaceId" = ${actor.workspaceId} FOR UPDATE`;
      const fresh = await tx.ticket.findFirst({ where: { id: ticketId, workspaceId: actor.workspaceId, status: "waiting" } });
      if (!fresh) return null;
      const { data, pausedForMs } = resumeChanges(fresh, new Date());
      const after = await tx.ticket.update({ where: { id: ticketId }, data: { ...data, status: "open" } });
      await event(tx, actor, ticketId, "resumed", { pausedMs: pausedForMs });
      await audit(tx, actor, "ticket.resume", "ticket", ticketId, pick(fresh), pick(after));
      await recordEvent(tx, actor, { type: "ticket.resumed", recordKind: "ticket", recordId: ticketId, data: { pausedMs: pausedForMs } });
      return { fresh, after };
    };
    if (tx) {
      const r = await run(tx);
      // timers for the new due times go in now: one that fires before this commits waits on the row lock,
      // one that fires after a rollback finds the ticket still waiting and does nothing
      if (r) await this.hooks?.clockChanged(r.fresh, r.after, { inTx: true });
      return r?.after ?? null;
    }
    const r = await this.events.transaction(run);
    if (r) await this.hooks?.clockChanged(r.fresh, r.after);
    return r?.after ?? null;
  }

  async resolve(actor: Actor, ref: string, note?: string): Promise<TicketWithPeople> {
    requireRole(actor, "agent", "resolve tickets");
    const hit = await resolveRef(this.db, actor.workspaceId, "ticket", ref);
    const { before, after } = await this.events.transaction(async (tx) => {
      const before = await lockTicket(tx, actor, hit.id, "resolve");
      requireCanChange(actor, before.assigneeId, "resolve tickets");
      const now = new Date();
      // resolving from "waiting" closes the pause first, so due times and pausedMs stay true
      const clock = before.status === "waiting" ? resumeChanges(before, now).data : {};
      const dueAt = "resolutionDueAt" in clock ? clock.resolutionDueAt : before.resolutionDueAt;
      const late = !!dueAt && now > dueAt;
      const after = await tx.ticket.update({
        where: { id: before.id },
        data: { ...clock, status: "resolved", resolvedAt: now, breached: before.breached || late },
        include: people,
      });
      if (note) {
        await tx.interaction.create({
          data: {
            workspaceId: actor.workspaceId,
            kind: "note",
            summary: note,
            authorId: actor.memberId,
            ticketId: before.id,
            contactId: before.requesterId,
            source: actor.platform,
            occurredAt: now,
          },
        });
      }
      await event(tx, actor, before.id, "resolved", { note: note ?? null, late });
      await audit(tx, actor, "ticket.resolve", "ticket", before.id, pick(before), { ...pick(after), note });
      await recordEvent(tx, actor, {
        type: "ticket.resolved",
        recordKind: "ticket",
        recordId: before.id,
        data: { late, note: note ?? null },
      });
      return { before, after };
    });
    await this.hooks?.clockChanged(before, after);
    return after;
  }

  /**
   * A resolved ticket back to open: the customer is waiting again, so the resolution clock restarts from
   * now under the ticket's priority (a first response already given stays given); the rating stays as it was.
   */
  async reopen(actor: Actor, ref: string, reason?: string): Promise<TicketWithPeople> {
    requireRole(actor, "agent", "reopen tickets");
    const hit = await resolveRef(this.db, actor.workspaceId, "ticket", ref);
    const { before, after } = await this.events.transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "Ticket" WHERE "id" = ${hit.id} AND "workspaceId" = ${actor.workspaceId} FOR UPDATE`;
      const before = await tx.ticket.findFirstOrThrow({ where: { id: hit.id, workspaceId: actor.workspaceId } });
      requireCanChange(actor, before.assigneeId, "reopen tickets");
      if (before.status !== "resolved") throw new UserInputError(`${key(before)} is ${before.status}, not resolved: nothing to reopen.`);
      const now = new Date();
      const policy = await tx.slaPolicy.findUnique({
        where: { workspaceId_priority: { workspaceId: actor.workspaceId, priority: before.priority } },
      });
      const after = await tx.ticket.update({
        where: { id: before.id },
        data: { status: "open", resolvedAt: null, resolutionDueAt: dueDates(policy, before.priority, now).resolutionDueAt },
        include: people,
      });
      await event(tx, actor, before.id, "reopened", { reason: reason ?? null });
      await audit(tx, actor, "ticket.reopen", "ticket", before.id, pick(before), { ...pick(after), reason });
      await recordEvent(tx, actor, {
        type: "ticket.reopened",
        recordKind: "ticket",
        recordId: before.id,
        data: { reason: reason ?? null },
      });
      return { before, after };
    });
    await this.hooks?.clockChanged(before, after);
    return after;
  }

  /** A ticket with its people, for a card or notice outside a command (event handlers, jobs). */
  card(workspaceId: string, ticketId: string): Promise<TicketWithPeople | null> {
    return this.db.ticket.findFirst({ where: { id: ticketId, workspaceId }, include: people });
  }

  async get(actor: Actor, ref: string) {
    const hit = await resolveRef(this.db, actor.workspaceId, "ticket", ref);
    const where = { workspaceId: actor.workspaceId, ticketId: hit.id };
    const [ticket, events, interactions] = await Promise.all([
      this.db.ticket.findFirstOrThrow({ where: { id: hit.id, workspaceId: actor.workspaceId }, include: people }),
      this.db.ticketEvent.findMany({ where, orderBy: { at: "desc" }, take: 30, include: { actor: { select: { name: true } } } }),
      this.db.interaction.findMany({ where, orderBy: { occurredAt: "desc" }, take: 30, include: { author: { select: { name: true } } } }),
    ]);
    const names = await this.memberNames(
      actor,
      events.flatMap((e) => [eventData(e.data).to, eventData(e.data).assigneeId]),
    );
    return { ticket, events, interactions, names };
  }

  private async memberNames(actor: Actor, ids: (string | null | undefined)[]): Promise<Map<string, string>> {
    const want = [...new Set(ids.filter((x): x is string => !!x))];
    if (!want.length) return new Map();
    const ms = await this.db.member.findMany({
      where: { workspaceId: actor.workspaceId, id: { in: want } },
      select: { id: true, name: true },
    });
    return new Map(ms.map((m) => [m.id, m.name]));
  }
}

const key = (t: { number: number }) => formatKey("ticket", t.number);

/** Row lock so two people changing one ticket take turns; a resolved ticket cannot change. */
async function lockTicket(tx: Tx, actor: Actor, id: string, what: string): Promise<Ticket> {
  await tx.$queryRaw`SELECT "id" FROM "Ticket" WHERE "id" = ${id} AND "workspaceId" = ${actor.workspaceId} FOR UPDATE`;
  const t = await tx.ticket.findFirstOrThrow({ where: { id, workspaceId: actor.workspaceId } });
  requireLive("ticket", key(t), t);
  if (t.status === "resolved")
    throw new UserInputError(
      `${key(t)} is already resolved; there is nothing to ${what}. To work on it again: /crm ticket reopen ${key(t)}`,
    );
  return t;
}

function event(tx: Tx, actor: Actor, ticketId: string, kind: string, data?: Record<string, unknown>) {
  return tx.ticketEvent.create({
    data: { workspaceId: actor.workspaceId, ticketId, kind, actorId: actor.memberId, data: data as Prisma.InputJsonValue | undefined },
  });
}

export type EventData = {
  /** how a ticket came in when no member opened it: email, slack, discord */
  via?: string;
  from?: string | null;
  to?: string;
  assigneeId?: string | null;
  auto?: boolean;
  level?: number;
  reason?: string | null;
  note?: string | null;
  priority?: string;
  pausedMs?: number;
  late?: boolean;
};
export const eventData = (d: unknown): EventData => (d && typeof d === "object" && !Array.isArray(d) ? (d as EventData) : {});

const pick = (t: Ticket) => ({
  status: t.status,
  waitingSince: t.waitingSince,
  pausedMs: t.pausedMs,
  resolvedAt: t.resolvedAt,
  breached: t.breached,
  firstResponseDueAt: t.firstResponseDueAt,
  resolutionDueAt: t.resolutionDueAt,
});
