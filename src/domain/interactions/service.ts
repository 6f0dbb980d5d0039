// Interactions: calls, emails, meetings, notes and chats logged against a contact, company, deal or
// ticket. One row links the record and its related records too, so every timeline shows it.
import { AlreadyRunError, UserInputError, type InvocationClaim } from "../../errors.ts";
import type { ProcessedEvents } from "../workspaces/processed-events.ts";
import type { Interaction, Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import type { InteractionKind, Platform } from "../../generated/prisma/enums.ts";
import { formatKey, parseKey } from "../../db/keys.ts";
import { requireCanChange, requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveAnyRef, type RefKind } from "../refs.ts";
import { recordEvent, type EventLog } from "../events/record.ts";
import { logInOneStatement, type LinkedKind, type RawSql, type Which } from "./oneStatement.ts";

type Tx = Prisma.TransactionClient;

export const INTERACTION_KINDS = ["call", "email", "meeting", "note", "chat"] as const satisfies readonly InteractionKind[];

export interface LogInput {
  kind: InteractionKind;
  /** C-/A-/D-/T- key or a contact's email */
  ref: string;
  summary: string;
  /** backdating; default now */
  when?: Date;
  source?: Platform;
  permalink?: string;
}

export interface LoggedInteraction {
  interaction: Interaction;
  record: { kind: RefKind; id: string; key: string; label: string };
  /** the ticket was waiting on the customer and its SLA clock runs again */
  resumedTicket: boolean;
  /** this interaction is the ticket's first response */
  firstResponse: boolean;
}

export interface TimelineTarget {
  kind: RefKind;
  id: string;
}

/** Resumes a waiting ticket's SLA clock inside the caller's transaction (TicketService.resume); null when it was not waiting. */
export type ResumeTicket = (actor: Actor, ticketId: string, tx: Tx) => Promise<unknown>;

// a few minutes of clock skew between chat platforms and us is not "the future"
const FUTURE_SLACK_MS = 5 * 60_000;

export class InteractionService {
  constructor(
    private db: PrismaClient,
    private events: EventLog,
    private resumeTicket: ResumeTicket,
    /** claims of command invocations (ProcessedEvents), for a log whose command claims in its write */
    private claims: Pick<ProcessedEvents, "claim">,
    /** raw SQL on the pool: a contact's, company's or deal's log in one statement (oneStatement.ts) */
    private raw?: RawSql,
  ) {}

  /**
   * opts.claim: the command's invocation, claimed in the same write (a second run of it writes nothing and
   * throws AlreadyRunError); the one-statement path claims inside its statement.
   */
  async log(actor: Actor, input: LogInput, opts: { claim?: InvocationClaim } = {}): Promise<LoggedInteraction> {
    requireRole(actor, "agent", "log interactions");
    const summary = input.summary.trim();
    if (!summary) throw new UserInputError("Give a summary of what happened.");
    const now = new Date();
    const occurredAt = input.when ?? now;
    if (occurredAt.getTime() > now.getTime() + FUTURE_SLACK_MS) {
      throw new UserInputError(
        `when: ${occurredAt.toISOString().slice(0, 16).replace("T", " ")} is in the future; log what already happened (use a date like yesterday or 2026-01-31).`,
      );
    }
    let claim = opts.claim;
    if (this.raw) {
      // a key (the usual case) is looked up by the statement itself; anything else, or no such record, by refs.ts
      const key = parseKey(input.ref.trim());
      if (key && (key.kind === "contact" || key.kind === "company" || key.kind === "deal")) {
        const done = await this.logOneStatement(
          actor,
          key.kind,
          { number: key.number },
          formatKey(key.kind, key.number),
          input,
          now,
          claim,
        );
        if (done) return done;
        claim = undefined; // the statement took it
      }
    }
    if (claim && !(await this.claims.claim(actor.workspaceId, claim.source, claim.key))) throw new AlreadyRunError();
    const hit = await resolveAnyRef(this.db, actor.workspaceId, input.ref);
    const record = { kind: hit.kind, id: hit.id, key: formatKey(hit.kind, hit.number), label: hit.label };
    if (this.raw && hit.kind !== "ticket") {
      const done = await this.logOneStatement(actor, hit.kind, { id: hit.id }, record.key, input, now);
      if (!done) throw new UserInputError(`${record.key} was deleted a moment ago; nothing was logged.`);
      return done;
    }
    const result = await this.events.transaction(
      (tx) => this.logIn(tx, actor, { kind: hit.kind, id: hit.id, key: record.key }, input, now),
      {
        maxWait: 10_000,
        timeout: 15_000,
      },
    );
    return { ...result, record };
  }

  /** A log on a contact, company or deal in one statement (oneStatement.ts); null when there is no such record. */
  private async logOneStatement(
    actor: Actor,
    kind: LinkedKind,
    which: Which,
    key: string,
    input: LogInput,
    now: Date,
    claim?: InvocationClaim,
  ): Promise<LoggedInteraction | null> {
    const done = await logInOneStatement(this.raw!, actor, { kind, which, key }, input, now, claim);
    if (done === "already run") throw new AlreadyRunError();
    if (!done) return null;
    await this.events.committed([done.event]);
    return {
      interaction: done.interaction,
      record: { kind, id: done.record.id, key, label: done.record.label },
      firstResponse: false,
      resumedTicket: false,
    };
  }

  /**
   * Writes one interaction inside the caller's transaction: the row, the contact's last touch, a ticket's
   * first response and resumed clock, the audit row and the interaction.logged event (ticket replies use it too).
   */
  async logIn(
    tx: Tx,
    actor: Actor,
    target: { kind: RefKind; id: string; key: string },
    input: Omit<LogInput, "ref">,
    now = new Date(),
  ): Promise<{ interaction: Interaction; firstResponse: boolean; resumedTicket: boolean }> {
    const ws = actor.workspaceId;
    const summary = input.summary.trim();
    const occurredAt = input.when ?? now;
    const links = await relatedLinks(tx, ws, target.kind, target.id);
    // a log on a ticket answers it (first response, resumes a waiting clock): agents only on their own or unassigned tickets
    if (links.ticket) requireCanChange(actor, links.ticket.assigneeId, "log on a ticket");
    const interaction = await tx.interaction.create({
      data: {
        workspaceId: ws,
        kind: input.kind,
        summary,
        occurredAt,
        authorId: actor.memberId,
        contactId: links.contactId,
        companyId: links.companyId,
        dealId: links.dealId,
        ticketId: links.ticketId,
        source: input.source ?? actor.platform,
        permalink: input.permalink,
      },
    });
    if (links.contactId) {
      // a backdated entry never moves "last touched" backwards
      await tx.contact.updateMany({
        where: { id: links.contactId, workspaceId: ws, OR: [{ lastInteractionAt: null }, { lastInteractionAt: { lt: occurredAt } }] },
        data: { lastInteractionAt: occurredAt },
      });
    }
    let firstResponse = false;
    let resumedTicket = false;
    if (links.ticket) {
      firstResponse = await this.markFirstResponse(tx, actor, links.ticket, occurredAt, now);
      // an answer from our side means the customer is no longer the one we wait on
      if (links.ticket.status === "waiting") resumedTicket = (await this.resumeTicket(actor, links.ticket.id, tx)) != null;
    }
    await audit(tx, actor, "interaction.log", "interaction", interaction.id, null, { ...interaction, record: target.key });
    await recordEvent(tx, actor, {
      type: "interaction.logged",
      recordKind: "interaction",
      recordId: interaction.id,
      data: {
        kind: input.kind,
        contactId: interaction.contactId,
        companyId: interaction.companyId,
        dealId: interaction.dealId,
        ticketId: interaction.ticketId,
      },
    });
    return { interaction, firstResponse, resumedTicket };
  }

  /** Most recent first, with the author's name. A company's timeline includes its contacts' and deals' entries. */
  async timeline(actor: Actor, target: TimelineTarget, limit = 10) {
    const field = { contact: "contactId", company: "companyId", deal: "dealId", ticket: "ticketId" }[target.kind];
    return this.db.interaction.findMany({
      where: { workspaceId: actor.workspaceId, [field]: target.id },
      orderBy: [{ occurredAt: "desc" }, { createdAt: "desc" }],
      take: Math.max(1, Math.min(limit, 100)),
      include: { author: { select: { id: true, name: true } } },
    });
  }

  /** Issue 05: the first interaction on a ticket by a member who is not its requester is the first response. */
  private async markFirstResponse(tx: Tx, actor: Actor, ticket: TicketLink, occurredAt: Date, now: Date): Promise<boolean> {
    if (ticket.firstResponseAt) return false;
    if (ticket.requester && isSamePerson(actor, ticket.requester)) return false;
    // a backdated entry cannot answer before the ticket existed, nor after now
    const at = new Date(Math.min(Math.max(occurredAt.getTime(), ticket.createdAt.getTime()), now.getTime()));
    const n = await tx.ticket.updateMany({
      where: { id: ticket.id, workspaceId: actor.workspaceId, firstResponseAt: null },
      data: { firstResponseAt: at },
    });
    if (n.count === 0) return false;
    await tx.ticketEvent.create({
      data: {
        workspaceId: actor.workspaceId,
        ticketId: ticket.id,
        kind: "first_response",
        actorId: actor.memberId,
        data: { at: at.toISOString() },
        at: now,
      },
    });
    return true;
  }
}

interface TicketLink {
  id: string;
  status: "open" | "waiting" | "resolved";
  createdAt: Date;
  firstResponseAt: Date | null;
  assigneeId: string | null;
  requester: { slackUserId: string | null; discordUserId: string | null } | null;
}

interface Links {
  contactId?: string;
  companyId?: string;
  dealId?: string;
  ticketId?: string;
  ticket?: TicketLink;
}

/** The record itself plus the records it belongs to, so contact, company, deal and ticket timelines all see the entry. */
async function relatedLinks(tx: Tx, workspaceId: string, kind: RefKind, id: string): Promise<Links> {
  switch (kind) {
    case "contact": {
      const c = await tx.contact.findFirstOrThrow({ where: { id, workspaceId }, select: { id: true, companyId: true } });
      return { contactId: c.id, companyId: c.companyId ?? undefined };
    }
    case "company":
      return { companyId: id };
    case "deal": {
      const d = await tx.deal.findFirstOrThrow({
        where: { id, workspaceId },
        select: { id: true, contactId: true, companyId: true, contact: { select: { companyId: true } } },
      });
      return { dealId: d.id, contactId: d.contactId ?? undefined, companyId: d.companyId ?? d.contact?.companyId ?? undefined };
    }
    case "ticket": {
      // lock first: two people answering one waiting ticket must take turns to resume it once
      await tx.$queryRaw`SELECT "id" FROM "Ticket" WHERE "id" = ${id} AND "workspaceId" = ${workspaceId} FOR UPDATE`;
      const t = await tx.ticket.findFirstOrThrow({
        where: { id, workspaceId },
        select: {
          id: true,
          status: true,
          createdAt: true,
          firstResponseAt: true,
          requesterId: true,
          assigneeId: true,
          requester: { select: { companyId: true, slackUserId: true, discordUserId: true } },
        },
      });
      return { ticketId: t.id, contactId: t.requesterId ?? undefined, companyId: t.requester?.companyId ?? undefined, ticket: t };
    }
  }
}

/** A member is the requester when they are the same platform user (a teammate who raised a ticket). */
function isSamePerson(actor: Actor, requester: { slackUserId: string | null; discordUserId: string | null }): boolean {
  if (!actor.platformUserId) return false;
  return (
    (actor.platform === "slack" && requester.slackUserId === actor.platformUserId) ||
    (actor.platform === "discord" && requester.discordUserId === actor.platformUserId)
  );
}
