// Customers writing in chat: a channel made an inbox (/crm inbox add; on Slack typically a Slack Connect
// channel shared with the customer) turns a customer's top-level message into a ticket, and its thread into
// the ticket's conversation. A customer writing in the thread appends (and reopens a resolved ticket); a
// member of the team writing there answers the customer (the ticket's first response). Who is a customer is
// the adapter's call (Slack: a user_team other than the installation's; Discord: not a member of the CRM).
import { UserInputError } from "../../errors.ts";
import type { InboxChannel, Prisma, PrismaClient, Ticket } from "../../generated/prisma/client.ts";
import type { ChatPlatform } from "../../delivery/port.ts";
import { formatKey, nextNumber } from "../../db/keys.ts";
import { TEXT_LIMITS } from "../../parse/limits.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { recordEvent, type EventAuthor, type EventLog } from "../events/record.ts";
import type { InteractionService } from "../interactions/service.ts";
import type { TicketHooks } from "../tickets/service.ts";
import { dueDates } from "../tickets/slaClock.ts";
import { resolveRef } from "../refs.ts";
import { pickOnCall } from "../tickets/onCallRouting.ts";
import { wakeUp } from "./wake.ts";
import { rateFromMessage } from "./rating.ts";

type Tx = Prisma.TransactionClient;

export interface ChatMessageIn {
  platform: ChatPlatform;
  channelId: string;
  /** Slack ts / Discord message id */
  messageId: string;
  /** the thread's root message (Slack thread_ts) when the message is a reply in a thread */
  threadId?: string;
  userId: string;
  userName: string;
  text: string;
  /**
   * Discord: the ticket this top-level message opens gets its thread from a worker — "message", a public
   * thread started on it; "post", the forum post it begins, which is the thread already. Either way the
   * thread has this message's id, so it is recorded on the ticket as it opens (a customer's message in it
   * finds the ticket from the first moment) and the worker is asked in its ticket.opened.
   */
  inboxThread?: "message" | "post";
}

export type ChatReceived =
  | { outcome: "opened" | "appended" | "reopened" | "rated"; ticket: string }
  | { outcome: "duplicate" }
  | { outcome: "ignored"; reason: string };

/** "thanks", "ok 👍", "🙏": no ticket for these alone. */
const PLEASANTRY =
  /^(?:thanks?(?: a lot| so much| you)?|thank you(?: so much)?|thx|ty|tysm|ok(?:ay)?|k|cool|great|perfect|awesome|nice|got it|sounds good|cheers|hi|hello|hey|bye|:[a-z0-9_+-]+:|\p{Extended_Pictographic}|\p{Emoji_Modifier}|\u200d|\ufe0f|[\s!.,])+$/iu;
export const isPleasantry = (text: string) => !text.trim() || (text.length <= 60 && PLEASANTRY.test(text.trim()));

/** How a new ticket opens: onCall, assigned to the on-call agent when there is one (the Discord panel's form). */
export interface OpenOptions {
  onCall?: boolean;
}

/** A chat message's key among the ticket's messages: the channel and the platform's message id. */
export const chatKey = (channelId: string, messageId: string) => `${channelId}:${messageId}`;

export class ChatInbox {
  constructor(
    private db: PrismaClient,
    private events: EventLog,
    private interactions: InteractionService,
    private hooks: Pick<TicketHooks, "clockChanged"> | undefined,
  ) {}

  async add(actor: Actor, channel: { platform: ChatPlatform; channelId: string }, companyRef?: string) {
    requireRole(actor, "manager", "make a channel an inbox");
    const company = companyRef ? await resolveRef(this.db, actor.workspaceId, "company", companyRef) : undefined;
    const taken = await this.db.inboxChannel.findUnique({ where: { platform_channelId: channel } });
    if (taken && taken.workspaceId !== actor.workspaceId) throw new UserInputError("That channel is another workspace's inbox.");
    return this.db.$transaction(async (tx) => {
      const row = await tx.inboxChannel.upsert({
        where: { platform_channelId: channel },
        create: { workspaceId: actor.workspaceId, ...channel, companyId: company?.id, createdById: actor.memberId },
        update: { companyId: company?.id ?? null },
      });
      await audit(tx, actor, "inbox.add", "inboxChannel", row.id, taken ? { companyId: taken.companyId } : null, {
        ...channel,
        companyId: row.companyId,
      });
      return { row, company: company && { key: formatKey("company", company.number), name: company.label } };
    });
  }

  async remove(actor: Actor, channel: { platform: ChatPlatform; channelId: string }) {
    requireRole(actor, "manager", "change inboxes");
    const row = await this.db.inboxChannel.findFirst({ where: { workspaceId: actor.workspaceId, ...channel } });
    if (!row) throw new UserInputError("That channel is not an inbox; /crm inbox list shows the inboxes.");
    await this.db.$transaction(async (tx) => {
      await tx.inboxChannel.delete({ where: { id: row.id } });
      await audit(tx, actor, "inbox.remove", "inboxChannel", row.id, { ...channel }, null);
    });
  }

  list(actor: Actor) {
    return this.db.inboxChannel.findMany({
      where: { workspaceId: actor.workspaceId },
      orderBy: { createdAt: "asc" },
      include: { company: { select: { number: true, name: true } } },
    });
  }

  /** The inbox a channel is, if it is one. */
  find(platform: ChatPlatform, channelId: string): Promise<InboxChannel | null> {
    return this.db.inboxChannel.findUnique({ where: { platform_channelId: { platform, channelId } } });
  }

  /** The ticket whose thread this is (its root message was the customer's first), if any. */
  async threadTicket(workspaceId: string, platform: ChatPlatform, channelId: string, rootId: string) {
    const root = await this.db.ticketMessage.findUnique({
      where: { workspaceId_channel_externalId: { workspaceId, channel: platform, externalId: chatKey(channelId, rootId) } },
      select: { ticketId: true },
    });
    return root ? this.db.ticket.findFirst({ where: { id: root.ticketId, workspaceId } }) : null;
  }

  /**
   * Discord: the customer's message a thread hangs from, when the thread (a channel of its own there) is the
   * one recorded on a ticket opened from an inbox channel (Ticket.threadChannelId). Null for any other thread.
   */
  async threadRoot(workspaceId: string, platform: ChatPlatform, threadChannelId: string) {
    const ticket = await this.db.ticket.findFirst({
      where: { workspaceId, threadPlatform: platform, threadChannelId },
      select: { id: true },
    });
    if (!ticket) return null;
    const first = await this.db.ticketMessage.findFirst({
      where: { workspaceId, ticketId: ticket.id, channel: platform, kind: "inbound", inReplyTo: null },
      orderBy: { createdAt: "asc" },
      select: { externalId: true },
    });
    const key = first?.externalId ?? "";
    const at = key.indexOf(":");
    return at > 0 ? { channelId: key.slice(0, at), rootId: key.slice(at + 1) } : null;
  }

  /** A customer's message in an inbox channel: a new ticket (top level), or an append to its thread's ticket. */
  async customerSaid(inbox: InboxChannel, m: ChatMessageIn, opts: OpenOptions = {}): Promise<ChatReceived> {
    const { workspaceId } = inbox;
    const root = m.threadId && m.threadId !== m.messageId ? m.threadId : undefined;
    if (!root && isPleasantry(m.text)) return { outcome: "ignored", reason: "a pleasantry" };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.receive(inbox, m, root, opts);
      } catch (e) {
        // the same message delivered twice at once, or a new customer's contact added by their other message
        if ((e as { code?: string }).code !== "P2002" || attempt >= 3) throw e;
        const seen = await this.db.ticketMessage.findUnique({
          where: { workspaceId_channel_externalId: { workspaceId, channel: m.platform, externalId: chatKey(m.channelId, m.messageId) } },
        });
        if (seen) return { outcome: "duplicate" };
      }
    }
  }

  private async receive(inbox: InboxChannel, m: ChatMessageIn, root: string | undefined, opts: OpenOptions): Promise<ChatReceived> {
    const { workspaceId } = inbox;
    const author: EventAuthor = { workspaceId, memberId: null, name: `${m.userName} (${m.platform})`, platform: m.platform };
    const done = await this.events.transaction(
      async (tx) => {
        const known = await tx.ticketMessage.findUnique({
          where: { workspaceId_channel_externalId: { workspaceId, channel: m.platform, externalId: chatKey(m.channelId, m.messageId) } },
        });
        if (known) return null;
        const thread = root ? await this.lockThread(tx, workspaceId, m, root) : null;
        if (root && !thread) return { ignored: "a thread that is not a ticket's" as const };
        const contact = await this.contactFor(tx, author, inbox, m);
        const now = new Date();
        let before: Ticket | null = null;
        let ticket: Ticket;
        let outcome: "opened" | "appended" | "reopened" | "rated";
        if (thread) {
          before = thread;
          // the requester answering the resolution notice with 1–5 rates it; anything else wakes it up
          const rated = await rateFromMessage(tx, thread, contact.id, m.text);
          ticket = rated ? thread : await wakeUp(tx, author, thread, now, m.platform);
          outcome = rated ? "rated" : thread.status === "resolved" ? "reopened" : "appended";
        } else {
          ticket = await this.open(tx, author, m, contact.id, now, opts);
          outcome = "opened";
        }
        await tx.ticketMessage.create({
          data: {
            workspaceId,
            ticketId: ticket.id,
            kind: "inbound",
            channel: m.platform,
            contactId: contact.id,
            text: clip(m.text, 20_000),
            externalId: chatKey(m.channelId, m.messageId),
            inReplyTo: root ? chatKey(m.channelId, root) : undefined,
            createdAt: now,
          },
        });
        const interaction = await tx.interaction.create({
          data: {
            workspaceId,
            kind: "chat",
            summary: clip(m.text.trim(), 500),
            contactId: contact.id,
            companyId: contact.companyId,
            ticketId: ticket.id,
            occurredAt: now,
            source: m.platform,
          },
        });
        await recordEvent(tx, author, {
          type: "interaction.logged",
          recordKind: "interaction",
          recordId: interaction.id,
          data: { kind: "chat", contactId: contact.id, companyId: contact.companyId, dealId: null, ticketId: ticket.id },
        });
        return { outcome, before, ticket };
      },
      { timeout: 15_000 },
    );
    if (!done) return { outcome: "duplicate" };
    if ("ignored" in done) return { outcome: "ignored", reason: String(done.ignored) };
    if (!done.before || done.before.status !== done.ticket.status) await this.hooks?.clockChanged(done.before, done.ticket);
    return { outcome: done.outcome, ticket: formatKey("ticket", done.ticket.number) };
  }

  /**
   * A member of the team writing in a ticket's thread answers the customer: an outbound message (already
   * there: it was written in the thread) and a chat interaction, which is the ticket's first response.
   * Null when the thread is no ticket's.
   */
  async teamSaid(actor: Actor, m: ChatMessageIn): Promise<{ ticket: string; firstResponse: boolean } | null> {
    if (!m.threadId || m.threadId === m.messageId) return null;
    const t = await this.threadTicket(actor.workspaceId, m.platform, m.channelId, m.threadId);
    if (!t || t.archivedAt || !m.text.trim()) return null;
    const key = formatKey("ticket", t.number);
    return this.events.transaction(async (tx) => {
      const known = await tx.ticketMessage.findUnique({
        where: {
          workspaceId_channel_externalId: {
            workspaceId: actor.workspaceId,
            channel: m.platform,
            externalId: chatKey(m.channelId, m.messageId),
          },
        },
      });
      if (known) return null;
      await tx.ticketMessage.create({
        data: {
          workspaceId: actor.workspaceId,
          ticketId: t.id,
          kind: "outbound",
          channel: m.platform,
          memberId: actor.memberId,
          text: clip(m.text, 20_000),
          externalId: chatKey(m.channelId, m.messageId),
          inReplyTo: chatKey(m.channelId, m.threadId!),
          delivery: "sent",
          sentAt: new Date(),
        },
      });
      const logged = await this.interactions.logIn(
        tx,
        actor,
        { kind: "ticket", id: t.id, key },
        { kind: "chat", summary: clip(m.text, 500) },
      );
      return { ticket: key, firstResponse: logged.firstResponse };
    });
  }

  private async lockThread(tx: Tx, workspaceId: string, m: ChatMessageIn, root: string): Promise<Ticket | null> {
    const first = await tx.ticketMessage.findUnique({
      where: { workspaceId_channel_externalId: { workspaceId, channel: m.platform, externalId: chatKey(m.channelId, root) } },
      select: { ticketId: true },
    });
    if (!first) return null;
    await tx.$queryRaw`SELECT "id" FROM "Ticket" WHERE "id" = ${first.ticketId} AND "workspaceId" = ${workspaceId} FOR UPDATE`;
    return tx.ticket.findFirst({ where: { id: first.ticketId, workspaceId, archivedAt: null } });
  }

  private async open(tx: Tx, author: EventAuthor, m: ChatMessageIn, contactId: string, now: Date, opts: OpenOptions): Promise<Ticket> {
    const { workspaceId } = author;
    // nobody on call: the ticket waits unassigned, as any customer's does
    const assignee = opts.onCall
      ? await pickOnCall(tx, workspaceId, now).catch((e: unknown) => {
          if (e instanceof UserInputError) return null;
          throw e;
        })
      : null;
    const policy = await tx.slaPolicy.findUnique({ where: { workspaceId_priority: { workspaceId, priority: "normal" } } });
    const number = await nextNumber(tx, workspaceId, "ticket");
    const line =
      m.text
        .split("\n")
        .map((l) => l.trim())
        .find(Boolean) ?? "Message from chat";
    const ticket = await tx.ticket.create({
      data: {
        workspaceId,
        number,
        subject: clip(line, Math.min(120, TEXT_LIMITS.subject)),
        description: clip(m.text, 2000),
        requesterId: contactId,
        assigneeId: assignee?.id,
        sourceMessageKey: `${m.platform}:${m.channelId}:${m.messageId}`,
        source: m.platform,
        ...(m.inboxThread ? { threadPlatform: m.platform, threadChannelId: m.messageId } : {}),
        createdAt: now,
        ...dueDates(policy, "normal", now),
      },
    });
    await tx.ticketEvent.create({
      data: {
        workspaceId,
        ticketId: ticket.id,
        kind: "created",
        data: { priority: "normal", via: m.platform, assigneeId: assignee?.id ?? null, auto: !!assignee },
      },
    });
    await audit(tx, { workspaceId }, "ticket.new", "ticket", ticket.id, null, { ...ticket, via: m.platform });
    await recordEvent(tx, author, {
      type: "ticket.opened",
      recordKind: "ticket",
      recordId: ticket.id,
      data: {
        assigneeId: assignee?.id ?? null,
        auto: !!assignee,
        requesterId: contactId,
        authorUserId: m.userId,
        ...(m.inboxThread ? { inboxThread: { channelId: m.channelId, messageId: m.messageId, post: m.inboxThread === "post" } } : {}),
      },
    });
    return ticket;
  }

  /** The customer as a contact: found by their platform user id, or added with the inbox's company. */
  private async contactFor(tx: Tx, author: EventAuthor, inbox: InboxChannel, m: ChatMessageIn) {
    const { workspaceId } = inbox;
    const field = m.platform === "slack" ? "slackUserId" : "discordUserId";
    const found = await tx.contact.findFirst({ where: { workspaceId, [field]: m.userId } });
    if (found) return found;
    const number = await nextNumber(tx, workspaceId, "contact");
    const c = await tx.contact.create({
      data: {
        workspaceId,
        number,
        name: clip(m.userName.trim() || m.userId, TEXT_LIMITS.name),
        [field]: m.userId,
        companyId: inbox.companyId,
        tags: [],
      },
    });
    await audit(tx, { workspaceId }, "contact.add", "contact", c.id, null, { ...c, via: m.platform });
    await recordEvent(tx, author, { type: "contact.created", recordKind: "contact", recordId: c.id, data: {} });
    return c;
  }
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
