// Many inbound mails of one workspace in one transaction: the SMTP listener's group commit. The mails that
// arrived while the last commit ran are stored together — each a new ticket or an append, with the same
// rows, audit entries and domain events as one at a time (inbox.ts), but with one statement per kind of
// row instead of one per row per mail, and one commit. A mail whose case is rare or depends on another of
// the same batch (the BCC address, a second copy of a Message-ID, an answer to a mail of this batch) is
// left to the one-at-a-time path after the commit; so is the whole batch when its transaction fails (a
// unique key taken meanwhile by another process, say), where each mail is retried and answered on its own.
// The multi-row inserts are raw statements (src/db/insertRows.ts): Prisma compiles every createMany anew; after
// the contacts and tickets (whose rows it needs back), everything else is one statement with the events.
import type { Contact, Prisma, PrismaClient, Ticket } from "../../generated/prisma/client.ts";
import { newId } from "../../db/ids.ts";
import { insertRows, type InsertPart } from "../../db/insertRows.ts";
import { formatKey, nextNumbers } from "../../db/keys.ts";
import { TEXT_LIMITS } from "../../parse/limits.ts";
import { auditRow } from "../audit.ts";
import { recordEvents, type EventAuthor, type EventLog } from "../events/record.ts";
import type { DomainEventInput } from "../events/types.ts";
import type { TicketHooks } from "../tickets/service.ts";
import { dueDates } from "../tickets/slaClock.ts";
import type { InboxTarget } from "./address.ts";
import { automaticReason, ticketTag, type InboundMail } from "./mail.ts";
import { rateFromMessage } from "./rating.ts";
import { clip, inboundInteractionRow, inboundMessageRow, threadIds, ticketSubject, type Received } from "./received.ts";
import { wakeUp } from "./wake.ts";

type Tx = Prisma.TransactionClient;

/** the columns the batch writes, with their PostgreSQL types (insertRows) */
const COLUMNS = {
  Contact: {
    id: "text",
    workspaceId: "text",
    number: "int4",
    name: "text",
    email: "text",
    createdAt: "timestamp(3)",
    updatedAt: "timestamp(3)",
  },
  Ticket: {
    id: "text",
    workspaceId: "text",
    number: "int4",
    subject: "text",
    description: "text",
    requesterId: "text",
    firstResponseDueAt: "timestamp(3)",
    resolutionDueAt: "timestamp(3)",
    createdAt: "timestamp(3)",
    updatedAt: "timestamp(3)",
  },
  TicketEvent: { id: "text", workspaceId: "text", ticketId: "text", kind: "text", data: "jsonb", at: "timestamp(3)" },
  TicketMessage: {
    id: "text",
    workspaceId: "text",
    ticketId: "text",
    kind: '"ConversationKind"',
    channel: '"ConversationChannel"',
    contactId: "text",
    text: "text",
    subject: "text",
    externalId: "text",
    inReplyTo: "text",
    attachments: "jsonb",
    createdAt: "timestamp(3)",
  },
  Interaction: {
    id: "text",
    workspaceId: "text",
    kind: '"InteractionKind"',
    summary: "text",
    contactId: "text",
    ticketId: "text",
    occurredAt: "timestamp(3)",
    createdAt: "timestamp(3)",
  },
  AuditLog: {
    id: "text",
    workspaceId: "text",
    actorId: "text",
    action: "text",
    entity: "text",
    entityId: "text",
    before: "jsonb",
    after: "jsonb",
    at: "timestamp(3)",
  },
};

export interface MailIn {
  workspaceId: string;
  target: InboxTarget;
  mail: InboundMail;
}

/** Each mail's answer, or the error that kept it from being stored (its sender is told to try again). */
export type BatchOutcome = Received | { error: Error };

export interface BatchDeps {
  db: PrismaClient;
  events: EventLog;
  hooks?: Pick<TicketHooks, "clockChanged">;
  domain: string;
  /** the one-at-a-time path (InboxService.receive) */
  one(m: MailIn): Promise<Received>;
  /** a batch's transaction failed and its mails go one at a time (told, to be logged) */
  fellBack?(e: Error, mails: number): void;
}

const LATER = Symbol("one at a time");

export const mailAuthor = (workspaceId: string, mail: InboundMail): EventAuthor => ({
  workspaceId,
  memberId: null,
  name: `${mail.from.name ?? mail.from.address} (email)`,
  platform: "email",
});

export async function receiveBatch(deps: BatchDeps, items: MailIn[]): Promise<BatchOutcome[]> {
  const out: BatchOutcome[] = new Array<BatchOutcome>(items.length);
  const later: number[] = [];
  const byWorkspace = new Map<string, number[]>();
  items.forEach((it, i) => {
    const why = automaticReason(it.mail, deps.domain);
    if (why) out[i] = { outcome: "ignored", reason: why };
    else if (it.target.log) later.push(i);
    else byWorkspace.set(it.workspaceId, [...(byWorkspace.get(it.workspaceId) ?? []), i]);
  });
  for (const [workspaceId, idx] of byWorkspace) {
    const got = await toTickets(
      deps,
      workspaceId,
      idx.map((i) => items[i].mail),
    ).catch((e: unknown): (Received | typeof LATER)[] => {
      deps.fellBack?.(e instanceof Error ? e : new Error(String(e)), idx.length);
      return idx.map(() => LATER);
    });
    got.forEach((r, j) => (r === LATER ? later.push(idx[j]) : (out[idx[j]] = r)));
  }
  for (const i of later.sort((a, b) => a - b)) {
    out[i] = await deps.one(items[i]).catch((e: unknown) => ({ error: e instanceof Error ? e : new Error(String(e)) }));
  }
  return out;
}

async function toTickets(deps: BatchDeps, workspaceId: string, mails: InboundMail[]): Promise<(Received | typeof LATER)[]> {
  const res: (Received | typeof LATER)[] = new Array<Received | typeof LATER>(mails.length);
  const ids = mails.map((m) => m.messageId);
  const [stored, logged] = await Promise.all([
    deps.db.ticketMessage.findMany({ where: { workspaceId, channel: "email", externalId: { in: ids } }, select: { externalId: true } }),
    deps.db.interaction.findMany({
      where: { workspaceId, kind: "email", permalink: { in: ids.map((id) => `mid:${id}`) } },
      select: { permalink: true },
    }),
  ]);
  const seen = new Set([...stored.map((s) => s.externalId), ...logged.map((l) => l.permalink?.slice(4))]);
  const take: number[] = [];
  const inBatch = new Set<string>();
  mails.forEach((m, i) => {
    if (seen.has(m.messageId)) res[i] = { outcome: "duplicate" };
    else if (inBatch.has(m.messageId) || threadIds(m).some((id) => inBatch.has(id))) res[i] = LATER;
    else {
      inBatch.add(m.messageId);
      take.push(i);
    }
  });
  if (!take.length) return res;
  const batch = take.map((i) => mails[i]);
  const done = await deps.events.transaction((tx) => store(tx, workspaceId, batch), { timeout: 15_000 });
  // the SLA timers are best effort (a sweep re-adds missing ones): off the path of the senders' 250s, all at once
  for (const [before, after] of done.clocks) void deps.hooks?.clockChanged(before, after);
  take.forEach((i, j) => (res[i] = done.results[j]));
  return res;
}

/** Everything the batch changes, in the caller's transaction; the SLA clocks to restart after commit. */
async function store(tx: Tx, workspaceId: string, mails: InboundMail[]) {
  const now = new Date();
  const authors = mails.map((m) => mailAuthor(workspaceId, m));
  const audits: Prisma.AuditLogCreateManyInput[] = [];
  const events: { actor: EventAuthor; event: DomainEventInput }[] = [];
  const contacts = await contactsOf(tx, workspaceId, mails, authors, audits, events);
  const requester = (j: number) => contacts.get(mails[j].from.address.toLowerCase())!;

  // the tickets they answer, locked in one order (a concurrent transaction locking the same ones waits)
  const thread = await threadsOf(tx, workspaceId, mails, requester);
  const lockIds = [...new Set(thread.filter((t): t is string => t !== null))].sort();
  const tickets = new Map<string, Ticket>();
  if (lockIds.length) {
    await tx.$queryRaw`SELECT "id" FROM "Ticket" WHERE "workspaceId" = ${workspaceId} AND "id" = ANY(${lockIds}::text[]) ORDER BY "id" FOR UPDATE`;
    for (const t of await tx.ticket.findMany({ where: { workspaceId, id: { in: lockIds } } })) tickets.set(t.id, t);
  }

  const results: Received[] = new Array<Received>(mails.length);
  const ticketOf: Ticket[] = new Array<Ticket>(mails.length);
  const clocks: [Ticket | null, Ticket][] = [];
  for (let j = 0; j < mails.length; j++) {
    const id = thread[j];
    if (id === null) continue;
    const t = tickets.get(id)!;
    // the requester answering the resolution notice with 1–5 rates it; anything else wakes it up
    const rated = await rateFromMessage(tx, t, requester(j).id, mails[j].text);
    const after = rated ? t : await wakeUp(tx, authors[j], t, now);
    if (after.status !== t.status) clocks.push([t, after]);
    tickets.set(id, after);
    ticketOf[j] = after;
    results[j] = { outcome: rated ? "rated" : t.status === "resolved" ? "reopened" : "appended", ticket: formatKey("ticket", t.number) };
  }

  const writes: InsertPart[] = [];
  const fresh = thread.flatMap((t, j) => (t === null ? [j] : []));
  if (fresh.length) {
    const policy = await tx.slaPolicy.findUnique({ where: { workspaceId_priority: { workspaceId, priority: "normal" } } });
    const first = await nextNumbers(tx, workspaceId, "ticket", fresh.length);
    const created = await insertRows<Ticket>(
      tx,
      "Ticket",
      COLUMNS.Ticket,
      fresh.map((j, k) => ({
        id: newId(),
        workspaceId,
        number: first + k,
        subject: ticketSubject(mails[j]),
        description: clip(mails[j].text, 2000),
        requesterId: requester(j).id,
        createdAt: now,
        updatedAt: now,
        ...dueDates(policy, "normal", now),
      })),
      "*",
    );
    const byNumber = new Map(created.map((t) => [t.number, t]));
    fresh.forEach((j, k) => {
      const t = byNumber.get(first + k)!;
      ticketOf[j] = t;
      results[j] = { outcome: "opened", ticket: formatKey("ticket", t.number) };
      clocks.push([null, t]);
      audits.push(auditRow({ workspaceId }, "ticket.new", "ticket", t.id, null, { ...t, via: "email" }));
      events.push({
        actor: authors[j],
        event: {
          type: "ticket.opened",
          recordKind: "ticket",
          recordId: t.id,
          data: { assigneeId: null, auto: false, requesterId: requester(j).id, authorUserId: null },
        },
      });
    });
    // the rest of the batch's rows go in one statement with its events (recordEvents' alongside)
    writes.push({
      table: "TicketEvent",
      columns: COLUMNS.TicketEvent,
      rows: created.map((t) => ({
        id: newId(),
        workspaceId,
        ticketId: t.id,
        kind: "created",
        data: { priority: "normal", via: "email" },
        at: now,
      })),
    });
  }

  const interactions = mails.map((m, j) => ({
    id: newId(),
    createdAt: now,
    ...inboundInteractionRow(workspaceId, ticketOf[j].id, requester(j).id, m, now),
  }));
  interactions.forEach((row, j) =>
    events.push({
      actor: authors[j],
      event: {
        type: "interaction.logged",
        recordKind: "interaction",
        recordId: row.id,
        data: { kind: "email", contactId: requester(j).id, companyId: null, dealId: null, ticketId: ticketOf[j].id },
      },
    }),
  );
  writes.push(
    {
      table: "TicketMessage",
      columns: COLUMNS.TicketMessage,
      rows: mails.map((m, j) => ({ id: newId(), ...inboundMessageRow(workspaceId, ticketOf[j].id, requester(j).id, m, now) })),
    },
    { table: "Interaction", columns: COLUMNS.Interaction, rows: interactions },
    { table: "AuditLog", columns: COLUMNS.AuditLog, rows: audits.map((a) => ({ id: newId(), at: now, ...a })) },
  );
  await recordEvents(tx, events, writes);
  return { results, clocks };
}

/** Each sender as a contact of the workspace (lower-cased address → contact): found, or added (owned by nobody yet). */
async function contactsOf(
  tx: Tx,
  workspaceId: string,
  mails: InboundMail[],
  authors: EventAuthor[],
  audits: Prisma.AuditLogCreateManyInput[],
  events: { actor: EventAuthor; event: DomainEventInput }[],
): Promise<Map<string, Contact>> {
  const emails = [...new Set(mails.map((m) => m.from.address.toLowerCase()))];
  const found = await tx.contact.findMany({ where: { workspaceId, email: { in: emails } } });
  const contacts = new Map(found.map((c) => [c.email!, c]));
  const missing = emails.filter((e) => !contacts.has(e));
  if (!missing.length) return contacts;
  const firstOf = (email: string) => mails.findIndex((m) => m.from.address.toLowerCase() === email);
  const first = await nextNumbers(tx, workspaceId, "contact", missing.length);
  const now = new Date();
  const created = await insertRows<Contact>(
    tx,
    "Contact",
    COLUMNS.Contact,
    missing.map((email, k) => ({
      id: newId(),
      workspaceId,
      number: first + k,
      name: (mails[firstOf(email)].from.name?.trim() || email.split("@")[0]).slice(0, TEXT_LIMITS.name),
      email,
      createdAt: now,
      updatedAt: now,
    })),
    "*",
  );
  for (const c of created) {
    contacts.set(c.email!, c);
    audits.push(auditRow({ workspaceId }, "contact.add", "contact", c.id, null, { ...c, via: "email" }));
    events.push({ actor: authors[firstOf(c.email!)], event: { type: "contact.created", recordKind: "contact", recordId: c.id, data: {} } });
  }
  return contacts;
}

/**
 * The ticket each mail answers (its id), or null for a new one: a message it names (In-Reply-To, then
 * References newest first), or a [T-42] tag when the requester wrote it — as inbox.ts's threadOf, for all at once.
 */
async function threadsOf(tx: Tx, workspaceId: string, mails: InboundMail[], requester: (j: number) => Contact): Promise<(string | null)[]> {
  const refs = mails.map(threadIds);
  const all = [...new Set(refs.flat())];
  const known = all.length
    ? await tx.ticketMessage.findMany({
        where: { workspaceId, channel: "email", externalId: { in: all } },
        select: { ticketId: true, externalId: true },
      })
    : [];
  const ticketOfMessage = new Map(known.map((k) => [k.externalId!, k.ticketId]));
  const thread = refs.map((ids) => {
    const hit = ids.find((id) => ticketOfMessage.has(id));
    return hit ? ticketOfMessage.get(hit)! : null;
  });
  const tags = mails.map((m, j) => (thread[j] === null ? ticketTag(m.subject) : null));
  const numbers = [...new Set(tags.filter((n): n is number => n !== null))];
  if (!numbers.length) return thread;
  const tagged = await tx.ticket.findMany({
    where: { workspaceId, number: { in: numbers } },
    select: { id: true, number: true, requesterId: true },
  });
  return thread.map((id, j) => id ?? tagged.find((t) => t.number === tags[j] && t.requesterId === requester(j).id)?.id ?? null);
}
