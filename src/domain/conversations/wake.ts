// The customer wrote again (mail or chat): a resolved ticket reopens with a fresh resolution clock, a waiting
// one resumes; in the caller's transaction, with the ticket event, audit row and domain event.
import type { Prisma, Ticket } from "../../generated/prisma/client.ts";
import { audit } from "../audit.ts";
import { recordEvent, type EventAuthor } from "../events/record.ts";
import { dueDates, resumeChanges } from "../tickets/slaClock.ts";

type Tx = Prisma.TransactionClient;

/** The customer wrote again: a resolved ticket reopens (a fresh resolution clock), a waiting one resumes. */
export async function wakeUp(tx: Tx, author: EventAuthor, t: Ticket, now: Date, via = "email"): Promise<Ticket> {
  const { workspaceId } = t;
  if (t.status === "resolved") {
    const policy = await tx.slaPolicy.findUnique({ where: { workspaceId_priority: { workspaceId, priority: t.priority } } });
    const after = await tx.ticket.update({
      where: { id: t.id },
      data: { status: "open", resolvedAt: null, resolutionDueAt: dueDates(policy, t.priority, now).resolutionDueAt },
    });
    await tx.ticketEvent.create({
      data: { workspaceId, ticketId: t.id, kind: "reopened", data: { reason: "the customer wrote again" } },
    });
    await audit(tx, { workspaceId }, "ticket.reopen", "ticket", t.id, { status: t.status }, { status: "open", via });
    await recordEvent(tx, author, {
      type: "ticket.reopened",
      recordKind: "ticket",
      recordId: t.id,
      data: { reason: "the customer wrote again" },
    });
    return after;
  }
  if (t.status === "waiting") {
    const { data, pausedForMs } = resumeChanges(t, now);
    const after = await tx.ticket.update({ where: { id: t.id }, data: { ...data, status: "open" } });
    await tx.ticketEvent.create({ data: { workspaceId, ticketId: t.id, kind: "resumed", data: { pausedMs: pausedForMs } } });
    await audit(tx, { workspaceId }, "ticket.resume", "ticket", t.id, { status: t.status }, { status: "open", via });
    await recordEvent(tx, author, { type: "ticket.resumed", recordKind: "ticket", recordId: t.id, data: { pausedMs: pausedForMs } });
    return after;
  }
  return t;
}
