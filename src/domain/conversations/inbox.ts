// Email into the CRM: a message to a workspace's support address opens a ticket with its sender as the
// requester (a contact, created when unknown), or joins its ticket when it replies to one (In-Reply-To /
// References, or a [T-42] tag from the requester), reopening it when it was resolved. A message to the
// +log address (the sales BCC) is logged as an email interaction on the contacts it was sent to or from.
// Each message is stored once (its Message-ID); machine mail opens nothing. Everything a message changes is
// one transaction, so the SMTP listener answers 250 only for mail that is committed.
import type { Prisma, PrismaClient, Ticket } from "../../generated/prisma/client.ts";
import { formatKey, nextNumber } from "../../db/keys.ts";
import { TEXT_LIMITS } from "../../parse/limits.ts";
import { audit } from "../audit.ts";
import { recordEvent, type EventAuthor, type EventLog } from "../events/record.ts";
import type { TicketHooks } from "../tickets/service.ts";
import { dueDates } from "../tickets/slaClock.ts";
import { wakeUp } from "./wake.ts";
import { rateFromMessage } from "./rating.ts";
import { automaticReason, ticketTag, type InboundMail } from "./mail.ts";
import { inboxTarget, logAddress, newInboxKey, supportAddress, type InboxTarget } from "./address.ts";
import { receiveBatch, mailAuthor, type BatchOutcome, type MailIn } from "./inboxBatch.ts";
import { clip, inboundInteractionRow, inboundMessageRow, threadIds, ticketSubject, type Received } from "./received.ts";

type Tx = Prisma.TransactionClient;

export type { Received } from "./received.ts";
export { MAX_MESSAGE_TEXT } from "./received.ts";

/**
 * How long an address's workspace is remembered: a key never changes once made, so this only delays a
 * deleted workspace's mail being refused (meanwhile storing it fails, and the sender is told to retry).
 */
const KEY_CACHE_MS = 30_000;

export class InboxService {
  /** inbox key → its workspace, for the RCPT of every mail */
  private keys = new Map<string, { workspaceId: string; until: number }>();
  constructor(
    private db: PrismaClient,
    private events: EventLog,
    private hooks: Pick<TicketHooks, "clockChanged"> | undefined,
    /** INBOUND_DOMAIN, else PUBLIC_URL's host: unset means no addresses */
    readonly domain: string | undefined,
  ) {}

  /** The workspace's two addresses, creating its key the first time. */
  async addresses(workspaceId: string): Promise<{ support: string; log: string } | null> {
    if (!this.domain) return null;
    const key = await this.keyOf(workspaceId);
    return { support: supportAddress(key, this.domain), log: logAddress(key, this.domain) };
  }

  /** The From of replies to customers: "<workspace> Support" <its support address>; null without a domain. */
  async replyFrom(workspaceId: string): Promise<string | null> {
    const addresses = await this.addresses(workspaceId);
    if (!addresses) return null;
    const ws = await this.db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { name: true } });
    const clean = ws.name.replace(/["\\\r\n]/g, "").trim();
    const name = /\bsupport$/i.test(clean) ? clean : `${clean} Support`;
    return `"${name}" <${addresses.support}>`;
  }

  private async keyOf(workspaceId: string): Promise<string> {
    const ws = await this.db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { inboxKey: true, name: true } });
    if (ws.inboxKey) return ws.inboxKey;
    // two first calls at once: one update wins, both read its key
    await this.db.workspace.updateMany({ where: { id: workspaceId, inboxKey: null }, data: { inboxKey: newInboxKey(ws.name) } });
    return (await this.db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { inboxKey: true } })).inboxKey!;
  }

  /** The workspace an address of ours belongs to (and whether it is the BCC address); null for any other. */
  async recipient(address: string): Promise<(InboxTarget & { workspaceId: string }) | null> {
    if (!this.domain) return null;
    const target = inboxTarget(address, this.domain);
    if (!target) return null;
    const cached = this.keys.get(target.key);
    if (cached && cached.until > Date.now()) return { ...target, workspaceId: cached.workspaceId };
    const ws = await this.db.workspace.findUnique({ where: { inboxKey: target.key }, select: { id: true } });
    if (!ws) return null;
    if (this.keys.size >= 10_000) this.keys.clear();
    this.keys.set(target.key, { workspaceId: ws.id, until: Date.now() + KEY_CACHE_MS });
    return { ...target, workspaceId: ws.id };
  }

  async receive(workspaceId: string, target: InboxTarget, mail: InboundMail): Promise<Received> {
    const why = automaticReason(mail, this.domain ?? "");
    if (why) return { outcome: "ignored", reason: why };
    for (let attempt = 1; ; attempt++) {
      if (await this.seen(workspaceId, mail.messageId)) return { outcome: "duplicate" };
      try {
        return target.log ? await this.log(workspaceId, mail) : await this.toTicket(workspaceId, mail);
      } catch (e) {
        // a unique key won by a transaction at the same moment: the same message delivered twice (seen() says so
        // next time round), or a new sender's contact added by their other mail (this time it is found)
        if ((e as { code?: string }).code !== "P2002" || attempt >= 3) throw e;
      }
    }
  }

  /**
   * Many mails at once (the SMTP listener's group commit): those of one workspace that open or join tickets
   * in one transaction, the rest one at a time; each mail's answer, or the error that kept it out.
   */
  async receiveMany(items: MailIn[], fellBack?: (e: Error, mails: number) => void): Promise<BatchOutcome[]> {
    const one = (m: MailIn) => this.receive(m.workspaceId, m.target, m.mail);
    return receiveBatch({ db: this.db, events: this.events, hooks: this.hooks, domain: this.domain ?? "", one, fellBack }, items);
  }

  private async seen(workspaceId: string, messageId: string): Promise<boolean> {
    const [message, logged] = await Promise.all([
      this.db.ticketMessage.findUnique({
        where: { workspaceId_channel_externalId: { workspaceId, channel: "email", externalId: messageId } },
        select: { id: true },
      }),
      this.db.interaction.findFirst({ where: { workspaceId, kind: "email", permalink: `mid:${messageId}` }, select: { id: true } }),
    ]);
    return Boolean(message || logged);
  }

  private async toTicket(workspaceId: string, mail: InboundMail): Promise<Received> {
    const author = mailAuthor(workspaceId, mail);
    const done = await this.events.transaction(
      async (tx) => {
        const contact = await this.contactFor(tx, author, mail.from);
        const thread = await this.threadOf(tx, workspaceId, mail, contact.id);
        const now = new Date();
        let before: Ticket | null = null;
        let ticket: Ticket;
        let outcome: "opened" | "appended" | "reopened" | "rated";
        if (!thread) {
          const policy = await tx.slaPolicy.findUnique({ where: { workspaceId_priority: { workspaceId, priority: "normal" } } });
          const number = await nextNumber(tx, workspaceId, "ticket");
          ticket = await tx.ticket.create({
            data: {
              workspaceId,
              number,
              subject: ticketSubject(mail),
              description: clip(mail.text, 2000),
              requesterId: contact.id,
              createdAt: now,
              ...dueDates(policy, "normal", now),
            },
          });
          await tx.ticketEvent.create({
            data: { workspaceId, ticketId: ticket.id, kind: "created", data: { priority: "normal", via: "email" } },
          });
          await audit(tx, { workspaceId }, "ticket.new", "ticket", ticket.id, null, { ...ticket, via: "email" });
          await recordEvent(tx, author, {
            type: "ticket.opened",
            recordKind: "ticket",
            recordId: ticket.id,
            data: { assigneeId: null, auto: false, requesterId: contact.id, authorUserId: null },
          });
          outcome = "opened";
        } else {
          before = thread;
          // the requester answering the resolution notice with 1–5 rates it; anything else wakes it up
          const rated = await rateFromMessage(tx, thread, contact.id, mail.text);
          ticket = rated ? thread : await wakeUp(tx, author, thread, now);
          outcome = rated ? "rated" : thread.status === "resolved" ? "reopened" : "appended";
        }
        await tx.ticketMessage.create({ data: inboundMessageRow(workspaceId, ticket.id, contact.id, mail, now) });
        const interaction = await tx.interaction.create({ data: inboundInteractionRow(workspaceId, ticket.id, contact.id, mail, now) });
        await recordEvent(tx, author, {
          type: "interaction.logged",
          recordKind: "interaction",
          recordId: interaction.id,
          data: { kind: "email", contactId: contact.id, companyId: null, dealId: null, ticketId: ticket.id },
        });
        return { outcome, before, ticket };
      },
      { timeout: 15_000 },
    );
    if (done.before?.status !== done.ticket.status || !done.before) await this.hooks?.clockChanged(done.before, done.ticket);
    return { outcome: done.outcome, ticket: formatKey("ticket", done.ticket.number) };
  }

  /**
   * The ticket a reply belongs to: a message it answers (In-Reply-To, then References, newest first), or a
   * [T-42] tag when the requester wrote it (a tag alone from someone else opens a new ticket: a key is no password).
   */
  private async threadOf(tx: Tx, workspaceId: string, mail: InboundMail, contactId: string): Promise<Ticket | null> {
    const ids = threadIds(mail);
    if (ids.length) {
      const known = await tx.ticketMessage.findMany({
        where: { workspaceId, channel: "email", externalId: { in: ids } },
        select: { ticketId: true, externalId: true },
      });
      const first = ids.map((id) => known.find((k) => k.externalId === id)).find(Boolean);
      if (first) return lock(tx, workspaceId, first.ticketId);
    }
    const tag = ticketTag(mail.subject);
    if (tag === null) return null;
    const tagged = await tx.ticket.findFirst({ where: { workspaceId, number: tag, requesterId: contactId }, select: { id: true } });
    return tagged ? lock(tx, workspaceId, tagged.id) : null;
  }

  /** The sender as a contact of the workspace: found by address, or added (owned by nobody yet). */
  private async contactFor(tx: Tx, author: EventAuthor, from: InboundMail["from"]) {
    const email = from.address.toLowerCase();
    const { workspaceId } = author;
    const found = await tx.contact.findUnique({ where: { workspaceId_email: { workspaceId, email } } });
    if (found) return found;
    const number = await nextNumber(tx, workspaceId, "contact");
    const name = (from.name?.trim() || email.split("@")[0]).slice(0, TEXT_LIMITS.name);
    const c = await tx.contact.create({ data: { workspaceId, number, name, email, tags: [] } });
    await audit(tx, { workspaceId }, "contact.add", "contact", c.id, null, { ...c, via: "email" });
    await recordEvent(tx, author, { type: "contact.created", recordKind: "contact", recordId: c.id, data: {} });
    return c;
  }

  /** The sales BCC: an email interaction on every known contact among sender and recipients, and on their open deal. */
  private async log(workspaceId: string, mail: InboundMail): Promise<Received> {
    const ours = (a: string) => !!this.domain && a.toLowerCase().endsWith(`@${this.domain.toLowerCase()}`);
    const addresses = [...new Set([mail.from.address, ...mail.to, ...mail.cc].map((a) => a.toLowerCase()).filter((a) => !ours(a)))];
    const author = mailAuthor(workspaceId, mail);
    const keys = await this.events.transaction(async (tx) => {
      const contacts = await tx.contact.findMany({ where: { workspaceId, email: { in: addresses } } });
      const logged: string[] = [];
      for (const c of contacts) {
        const deal = await tx.deal.findFirst({ where: { workspaceId, contactId: c.id, closedAt: null }, orderBy: { createdAt: "desc" } });
        const interaction = await tx.interaction.create({
          data: {
            workspaceId,
            kind: "email",
            summary: clip(`${mail.subject.trim() || "(no subject)"}: ${mail.text.trim()}`, 500),
            contactId: c.id,
            companyId: c.companyId,
            dealId: deal?.id,
            // one logged copy per contact and message: a second delivery finds it (seen())
            permalink: `mid:${mail.messageId}`,
            occurredAt: mail.date ?? new Date(),
          },
        });
        await recordEvent(tx, author, {
          type: "interaction.logged",
          recordKind: "interaction",
          recordId: interaction.id,
          data: { kind: "email", contactId: c.id, companyId: c.companyId, dealId: deal?.id ?? null, ticketId: null },
        });
        logged.push(formatKey("contact", c.number));
      }
      return logged;
    });
    return keys.length
      ? { outcome: "logged", contacts: keys }
      : { outcome: "ignored", reason: "no contact of this workspace among its addresses" };
  }
}

async function lock(tx: Tx, workspaceId: string, ticketId: string): Promise<Ticket | null> {
  await tx.$queryRaw`SELECT "id" FROM "Ticket" WHERE "id" = ${ticketId} AND "workspaceId" = ${workspaceId} FOR UPDATE`;
  return tx.ticket.findFirst({ where: { id: ticketId, workspaceId } });
}
