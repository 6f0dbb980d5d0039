// The team's side of a ticket's conversation: /crm reply sends to the customer on the ticket's own channel
// (today email: threaded under the customer's last message, tagged [T-42]); /crm note stays internal and is
// never sent. A reply is written, with its interaction (first response, resumed clock) and a ticket.replied
// event, in one transaction; the worker then sends it once: pending → sending → sent | failed, each step a
// conditional update, as the campaign ledger does.
import { randomUUID } from "node:crypto";
import { UserInputError } from "../../errors.ts";
import type { Prisma, PrismaClient, Ticket, TicketMessage } from "../../generated/prisma/client.ts";
import type { ConversationChannel } from "../../generated/prisma/enums.ts";
import type { ChatPlatform } from "../../delivery/port.ts";
import { formatKey } from "../../db/keys.ts";
import { TEXT_LIMITS } from "../../parse/limits.ts";
import { requireCanChange, requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { recordEvent, type EventLog } from "../events/record.ts";
import type { InteractionService } from "../interactions/service.ts";
import { resolveRef } from "../refs.ts";
import { requireLive } from "../records/changes.ts";

type Tx = Prisma.TransactionClient;
/** a transaction or the client: the thread lookups only read messages */
type Reader = Pick<Tx, "ticketMessage">;

/** How the worker hands a reply to the customer's channel (the email port in a worker; see jobs/events). */
export interface ReplyMailer {
  /** From: the workspace's support address, so the customer's answer comes back to the inbox */
  from(workspaceId: string): Promise<string>;
  send(m: { from: string; to: string; subject: string; text: string; messageId: string; headers: Record<string, string> }): Promise<void>;
}

/** How the worker posts a reply into the customer's chat thread (the platform's delivery port). */
export type ChatPoster = (
  platform: ChatPlatform,
  workspaceId: string,
  target: { channelId: string; threadId: string },
  text: string,
  author: string,
) => Promise<void>;

export interface ReplyPorts {
  mail?: ReplyMailer;
  chat?: ChatPoster;
}

export type Delivered = "sent" | "failed" | "already";

/** A message in a ticket's conversation, with who wrote it. */
export type ConversationLine = TicketMessage & { contact: { name: string } | null; member: { name: string } | null };

export class ConversationService {
  constructor(
    private db: PrismaClient,
    private events: EventLog,
    private interactions: InteractionService,
    /** where our Message-IDs live (INBOUND_DOMAIN, else MAIL_FROM's domain); without it no email reply can be sent */
    private mailDomain: string | undefined,
  ) {}

  async reply(actor: Actor, ref: string, text: string): Promise<{ ticket: string; to: string; channel: ConversationChannel }> {
    requireRole(actor, "agent", "reply to customers");
    const body = this.checkText(text, "reply", ref);
    const hit = await resolveRef(this.db, actor.workspaceId, "ticket", ref);
    const key = formatKey("ticket", hit.number);
    return this.events.transaction(
      async (tx) => {
        const t = await lock(tx, actor.workspaceId, hit.id);
        requireLive("ticket", key, t);
        requireCanChange(actor, t.assigneeId, "reply on tickets");
        const chat = await chatThread(tx, t);
        if (chat) {
          const message = await tx.ticketMessage.create({
            data: {
              workspaceId: actor.workspaceId,
              ticketId: t.id,
              kind: "outbound",
              channel: chat.platform,
              memberId: actor.memberId,
              text: body,
              inReplyTo: chat.root,
              delivery: "pending",
            },
          });
          await this.interactions.logIn(
            tx,
            actor,
            { kind: "ticket", id: t.id, key },
            { kind: "chat", summary: `Reply: ${clip(body, 480)}` },
          );
          await audit(tx, actor, "ticket.reply", "ticket", t.id, null, { messageId: message.id, to: chat.root });
          await recordEvent(tx, actor, { type: "ticket.replied", recordKind: "ticket", recordId: t.id, data: { messageId: message.id } });
          return { ticket: key, to: `the customer's ${chat.platform === "slack" ? "Slack" : "Discord"} thread`, channel: message.channel };
        }
        const requester = t.requesterId
          ? await tx.contact.findFirst({ where: { id: t.requesterId, workspaceId: actor.workspaceId } })
          : null;
        if (!requester?.email)
          throw new UserInputError(
            `${key} has no customer to write to: its requester has no email. Give it one (/crm ticket edit ${key} requester:<email>) or write an internal note: /crm note ${key} <text>`,
          );
        if (!this.mailDomain)
          throw new UserInputError("Replies by email need outgoing mail: set SMTP_URL and MAIL_FROM (and INBOUND_DOMAIN) on the server.");
        const thread = await emailThread(tx, t);
        const message = await tx.ticketMessage.create({
          data: {
            workspaceId: actor.workspaceId,
            ticketId: t.id,
            kind: "outbound",
            channel: "email",
            memberId: actor.memberId,
            text: body,
            subject: replySubject(thread.subject ?? t.subject, key),
            externalId: `${randomUUID()}@${this.mailDomain}`,
            inReplyTo: thread.last,
            toAddress: requester.email,
            delivery: "pending",
          },
        });
        // the answer is also an email interaction on the ticket: first response, a waiting clock resumed, the timeline
        await this.interactions.logIn(
          tx,
          actor,
          { kind: "ticket", id: t.id, key },
          { kind: "email", summary: `Reply: ${clip(body, 480)}` },
        );
        await audit(tx, actor, "ticket.reply", "ticket", t.id, null, { messageId: message.id, to: requester.email });
        await recordEvent(tx, actor, { type: "ticket.replied", recordKind: "ticket", recordId: t.id, data: { messageId: message.id } });
        return { ticket: key, to: requester.email, channel: message.channel };
      },
      { timeout: 15_000 },
    );
  }

  async note(actor: Actor, ref: string, text: string): Promise<{ ticket: string }> {
    requireRole(actor, "agent", "write notes");
    const body = this.checkText(text, "note", ref);
    const hit = await resolveRef(this.db, actor.workspaceId, "ticket", ref);
    const key = formatKey("ticket", hit.number);
    await this.events.transaction(async (tx) => {
      const t = await lock(tx, actor.workspaceId, hit.id);
      requireLive("ticket", key, t);
      const message = await tx.ticketMessage.create({
        data: {
          workspaceId: actor.workspaceId,
          ticketId: t.id,
          kind: "note",
          channel: channelOf(actor),
          memberId: actor.memberId,
          text: body,
        },
      });
      await audit(tx, actor, "ticket.note", "ticket", t.id, null, { messageId: message.id });
      await recordEvent(tx, actor, { type: "ticket.noted", recordKind: "ticket", recordId: t.id, data: { messageId: message.id } });
    });
    return { ticket: key };
  }

  /**
   * Tells the customer their ticket is resolved, on its own channel, and asks for a 1–5 rating by reply
   * (rating.ts reads it): once per resolution (the message's key is the event's), sent like a reply.
   * Nothing when the ticket has no customer conversation.
   */
  async resolved(
    workspaceId: string,
    ticketId: string,
    note: string | null,
    eventId: string,
    ports: ReplyPorts,
  ): Promise<Delivered | null> {
    const t = await this.db.ticket.findFirst({ where: { id: ticketId, workspaceId }, include: { requester: true } });
    if (!t) return null;
    const key = formatKey("ticket", t.number);
    const text = [
      `Your request ${key} "${t.subject}" is resolved${note ? `: ${note}` : "."}`,
      "How did we do? Reply with a number from 1 (poor) to 5 (great).",
      "If something is still wrong, just reply and we will pick it up again.",
    ].join("\n\n");
    const chat = await chatThread(this.db, t);
    const email = !chat && t.requester?.email && this.mailDomain ? await emailThread(this.db, t) : null;
    if (!chat && !email) return null;
    const externalId = chat ? `resolved:${eventId}` : `resolved-${eventId}@${this.mailDomain}`;
    const channel = chat ? chat.platform : "email";
    await this.db.ticketMessage.createMany({
      data: [
        {
          workspaceId,
          ticketId,
          kind: "outbound",
          channel,
          text,
          externalId,
          subject: chat ? undefined : replySubject(email?.subject ?? t.subject, key),
          inReplyTo: chat ? chat.root : email?.last,
          toAddress: chat ? undefined : t.requester!.email,
          delivery: "pending",
        },
      ],
      skipDuplicates: true,
    });
    const m = await this.db.ticketMessage.findUniqueOrThrow({
      where: { workspaceId_channel_externalId: { workspaceId, channel, externalId } },
    });
    return this.deliver(workspaceId, m.id, ports);
  }

  /** The last `limit` messages of a ticket's conversation, oldest first. */
  async conversation(workspaceId: string, ticketId: string, limit = 10): Promise<{ lines: ConversationLine[]; total: number }> {
    const [rows, total] = await Promise.all([
      this.db.ticketMessage.findMany({
        where: { workspaceId, ticketId },
        orderBy: { createdAt: "desc" },
        take: limit,
        include: { contact: { select: { name: true } }, member: { select: { name: true } } },
      }),
      this.db.ticketMessage.count({ where: { workspaceId, ticketId } }),
    ]);
    return { lines: rows.reverse(), total };
  }

  /**
   * Sends one reply, once: only the call that moves it from pending to sending sends it. A send that fails says
   * why on the ticket; one cut off mid-message may have arrived, and says that instead of sending it twice.
   */
  async deliver(workspaceId: string, messageId: string, ports: ReplyPorts): Promise<Delivered> {
    const claimed = await this.db.ticketMessage.updateMany({
      where: { id: messageId, workspaceId, kind: "outbound", delivery: "pending" },
      data: { delivery: "sending" },
    });
    if (!claimed.count) return "already";
    const m = await this.db.ticketMessage.findFirstOrThrow({ where: { id: messageId, workspaceId }, include: { member: true } });
    if (m.channel === "slack" || m.channel === "discord") return this.deliverChat(m, ports.chat);
    const mailer = ports.mail;
    try {
      if (!mailer)
        throw Object.assign(new Error("this worker sends no email: set SMTP_URL and MAIL_FROM"), { name: "EmailUnreachableError" });
      const references = await this.references(m);
      await mailer.send({
        from: await mailer.from(workspaceId),
        to: m.toAddress!,
        subject: m.subject ?? "",
        text: m.text,
        messageId: `<${m.externalId}>`,
        headers: {
          ...(m.inReplyTo ? { "In-Reply-To": `<${m.inReplyTo}>` } : {}),
          ...(references.length ? { References: references.map((r) => `<${r}>`).join(" ") } : {}),
        },
      });
      await this.db.ticketMessage.updateMany({ where: { id: m.id, workspaceId }, data: { delivery: "sent", sentAt: new Date() } });
      return "sent";
    } catch (e) {
      const err = e as Error & { name?: string };
      const known = err.name === "EmailRejectedError" || err.name === "EmailUnreachableError";
      const why = known ? err.message : `the connection broke while sending; it may have arrived (${err.message})`;
      await this.db.ticketMessage.updateMany({
        where: { id: m.id, workspaceId },
        data: { delivery: "failed", deliveryError: clip(why, 300) },
      });
      return "failed";
    }
  }

  private async deliverChat(m: TicketMessage & { member: { name: string } | null }, chat: ChatPoster | undefined): Promise<Delivered> {
    const [channelId, threadId] = splitKey(m.inReplyTo ?? "");
    try {
      if (!chat) throw new Error(`this worker does not post to ${m.channel}`);
      if (!channelId || !threadId) throw new Error("the customer's thread is unknown");
      await chat(m.channel as ChatPlatform, m.workspaceId, { channelId, threadId }, m.text, m.member?.name ?? "The team");
      await this.db.ticketMessage.updateMany({
        where: { id: m.id, workspaceId: m.workspaceId },
        data: { delivery: "sent", sentAt: new Date() },
      });
      return "sent";
    } catch (e) {
      await this.db.ticketMessage.updateMany({
        where: { id: m.id, workspaceId: m.workspaceId },
        data: { delivery: "failed", deliveryError: clip((e as Error).message, 300) },
      });
      return "failed";
    }
  }

  /** The conversation's email Message-IDs up to this one, oldest first (RFC 5322 References), at most 20. */
  private async references(m: TicketMessage): Promise<string[]> {
    const earlier = await this.db.ticketMessage.findMany({
      where: { workspaceId: m.workspaceId, ticketId: m.ticketId, channel: "email", kind: { not: "note" }, createdAt: { lt: m.createdAt } },
      orderBy: { createdAt: "desc" },
      take: 20,
      select: { externalId: true },
    });
    return earlier
      .map((r) => r.externalId)
      .filter((x): x is string => !!x)
      .reverse();
  }

  private checkText(text: string, what: "reply" | "note", ref: string): string {
    const body = text.trim();
    if (!body) throw new UserInputError(`Write the ${what}: /crm ${what} ${ref || "T-42"} <text>`);
    if (body.length > TEXT_LIMITS.note)
      throw new UserInputError(`A ${what} is at most ${TEXT_LIMITS.note} characters; this one has ${body.length}.`);
    return body;
  }
}

/** The customer's side of the email thread: the subject they used and the Message-ID to answer. */
async function emailThread(tx: Reader, t: Ticket): Promise<{ subject?: string; last?: string }> {
  const last = await tx.ticketMessage.findFirst({
    where: { workspaceId: t.workspaceId, ticketId: t.id, channel: "email", kind: "inbound" },
    orderBy: { createdAt: "desc" },
    select: { subject: true, externalId: true },
  });
  return { subject: last?.subject ?? undefined, last: last?.externalId ?? undefined };
}

/** The customer's chat thread, when the ticket came from one: its platform and root message ("channel:ts"). */
async function chatThread(tx: Reader, t: Ticket): Promise<{ platform: ChatPlatform; root: string } | null> {
  const first = await tx.ticketMessage.findFirst({
    where: { workspaceId: t.workspaceId, ticketId: t.id, kind: "inbound", channel: { in: ["slack", "discord"] } },
    orderBy: { createdAt: "asc" },
    select: { channel: true, externalId: true, inReplyTo: true },
  });
  if (!first?.externalId) return null;
  return { platform: first.channel as ChatPlatform, root: first.inReplyTo ?? first.externalId };
}

const splitKey = (key: string): [string, string] => {
  const i = key.indexOf(":");
  return i > 0 ? [key.slice(0, i), key.slice(i + 1)] : ["", ""];
};

/** "Re: Printer on fire [T-42]": one Re:, and the tag that threads the answer when the headers get lost. */
export function replySubject(subject: string, key: string): string {
  const bare = subject
    .replace(/\[T-\d+\]/gi, "")
    .replace(/^\s*((re|fwd?|aw|sv)\s*:\s*)+/i, "")
    .trim();
  return clip(`Re: ${bare || "your request"} [${key}]`, TEXT_LIMITS.subject);
}

const channelOf = (actor: Actor): ConversationChannel =>
  actor.platform === "slack" || actor.platform === "discord" ? actor.platform : "console";

async function lock(tx: Tx, workspaceId: string, ticketId: string): Promise<Ticket> {
  await tx.$queryRaw`SELECT "id" FROM "Ticket" WHERE "id" = ${ticketId} AND "workspaceId" = ${workspaceId} FOR UPDATE`;
  return tx.ticket.findFirstOrThrow({ where: { id: ticketId, workspaceId } });
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
