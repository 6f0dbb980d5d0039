// A ticket's card in the tickets channel (/crm notify tickets) is where the team talks about it: the delivery
// job records where the card of a new ticket was posted, and what a member writes in the card's thread (a
// Slack reply under it; a Discord thread started on it, whose id is the card's) is an internal note on the
// ticket, stored as /crm note stores one. It is never sent to the customer: notes have no delivery.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { ChatPlatform, Delivered } from "../../delivery/port.ts";
import { formatKey } from "../../db/keys.ts";
import { TEXT_LIMITS } from "../../parse/limits.ts";
import { clip } from "../../reply/format.ts";
import { atLeast, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { recordEvent, type EventLog } from "../events/record.ts";

/** A message in a card's thread. */
export interface CardThreadMessage {
  platform: ChatPlatform;
  /** where the message is (Slack: the tickets channel; Discord: the thread) and its own id: one note per message */
  channelId: string;
  messageId: string;
  text: string;
}

/** What the delivery worker needs (jobs/workers.ts): the card already posted, and recording a new one. */
export type CardRecorder = Pick<TicketCards, "posted" | "record">;

export type CardNoted = { outcome: "noted"; ticket: string } | { outcome: "duplicate" } | { outcome: "ignored"; reason: string };

export class TicketCards {
  constructor(
    private db: PrismaClient,
    private events: EventLog,
  ) {}

  /** The ticket's card in this channel, when one was posted (a delivery job that runs again posts none). */
  async posted(workspaceId: string, ticketId: string, platform: ChatPlatform, channelId: string): Promise<Delivered | null> {
    const row = await this.db.ticketCard.findFirst({ where: { workspaceId, ticketId, platform, channelId } });
    return row && { channelId: row.channelId, messageId: row.messageId };
  }

  /** Remembers where the ticket's card was posted: once per ticket and channel, however often it is called. */
  async record(workspaceId: string, ticketId: string, platform: ChatPlatform, at: Delivered): Promise<boolean> {
    const ticket = await this.db.ticket.findFirst({ where: { id: ticketId, workspaceId }, select: { id: true } });
    if (!ticket || !at.messageId) return false;
    const res = await this.db.ticketCard.createMany({
      data: [{ workspaceId, ticketId, platform, channelId: at.channelId, messageId: at.messageId }],
      skipDuplicates: true,
    });
    return res.count === 1;
  }

  /**
   * The ticket whose card a thread hangs from: on Slack the channel and the thread's root (thread_ts); on
   * Discord the thread's id alone (a thread started on a message has the message's id). Null for any other.
   */
  async ticketOf(workspaceId: string, platform: ChatPlatform, root: { messageId: string; channelId?: string }) {
    const card = await this.db.ticketCard.findFirst({
      where: { workspaceId, platform, messageId: root.messageId, ...(root.channelId ? { channelId: root.channelId } : {}) },
      select: { ticketId: true },
    });
    return card ? this.db.ticket.findFirst({ where: { id: card.ticketId, workspaceId }, select: { id: true, number: true } }) : null;
  }

  /**
   * A member's message in the thread of the ticket's card: an internal note by them, once per message (a
   * platform delivering the event twice writes one). Viewers write no notes; an archived ticket takes none.
   */
  async note(actor: Actor, ticketId: string, m: CardThreadMessage): Promise<CardNoted> {
    if (!atLeast(actor, "agent")) return { outcome: "ignored", reason: "a viewer" };
    const text = m.text.trim();
    if (!text) return { outcome: "ignored", reason: "no text" };
    const externalId = `card:${m.channelId}:${m.messageId}`;
    const where = { workspaceId_channel_externalId: { workspaceId: actor.workspaceId, channel: m.platform, externalId } };
    try {
      return await this.events.transaction(async (tx) => {
        if (await tx.ticketMessage.findUnique({ where, select: { id: true } })) return { outcome: "duplicate" as const };
        await tx.$queryRaw`SELECT "id" FROM "Ticket" WHERE "id" = ${ticketId} AND "workspaceId" = ${actor.workspaceId} FOR UPDATE`;
        const t = await tx.ticket.findFirst({ where: { id: ticketId, workspaceId: actor.workspaceId } });
        if (!t) return { outcome: "ignored" as const, reason: "no such ticket" };
        if (t.archivedAt) return { outcome: "ignored" as const, reason: "an archived ticket" };
        const message = await tx.ticketMessage.create({
          data: {
            workspaceId: actor.workspaceId,
            ticketId: t.id,
            kind: "note",
            channel: m.platform,
            memberId: actor.memberId,
            text: clip(text, TEXT_LIMITS.note),
            externalId,
          },
        });
        await audit(tx, actor, "ticket.note", "ticket", t.id, null, { messageId: message.id, via: "card thread" });
        await recordEvent(tx, actor, { type: "ticket.noted", recordKind: "ticket", recordId: t.id, data: { messageId: message.id } });
        return { outcome: "noted" as const, ticket: formatKey("ticket", t.number) };
      });
    } catch (e) {
      // the same message delivered twice at once: the other delivery wrote it
      if ((e as { code?: string }).code === "P2002") return { outcome: "duplicate" };
      throw e;
    }
  }
}
