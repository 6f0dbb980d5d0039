// Mail arriving on several connections at once is committed together (the listener's group commit,
// src/domain/conversations/inboxBatch.ts), through the real path: nodemailer over SMTP into the server's
// listener, one connection per mail, all sent at the same moment. Each mail must get exactly what it gets
// one at a time: a new sender becomes one contact however many of their mails share a batch, replies join
// (and reopen, or rate) their ticket, a [T-n] tag from the requester threads, a Message-ID sent twice is
// stored once, an answer to a mail of the same burst lands on that mail's ticket — with the audit rows,
// domain events and SLA clocks of the one-at-a-time path.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import nodemailer, { type SendMailOptions } from "nodemailer";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";

const DOMAIN = "batch.test";
let t: TestApp;
let c: ConsoleSession;
let db: PrismaClient;
let support: string;

beforeAll(async () => {
  t = await startTestApp({ INBOUND_SMTP_PORT: "0", INBOUND_DOMAIN: DOMAIN });
  db = t.app.db.prisma;
  c = await consoleSession(t.url, "Batch Support");
  support = /📨 Support: (\S+@batch\.test)/.exec((await c.run("inbox email")).plain)![1];
});
afterAll(async () => {
  await t.stop();
});

/** A fresh connection per mail, so mails sent together are in flight together. */
const send = (m: SendMailOptions) =>
  nodemailer
    .createTransport({ host: "127.0.0.1", port: t.app.inboundSmtpPort!, secure: false, ignoreTLS: true, pool: false })
    .sendMail({ to: support, ...m });
const ws = () => c.workspaceId;
const ticketOf = async (messageId: string) =>
  (await db.ticketMessage.findFirstOrThrow({ where: { workspaceId: ws(), externalId: messageId }, include: { ticket: true } })).ticket;

describe("mail arriving together", () => {
  it("eight mails at once: one contact per new sender, replies reopen and rate, a tag threads, a duplicate is stored once", async () => {
    // the tickets the burst answers, one at a time first
    await send({
      from: '"Old Client" <old@client.example>',
      subject: "Printer on fire",
      text: "Help",
      messageId: "<old-1@client.example>",
    });
    await send({ from: '"Rater" <rate@client.example>', subject: "Invoice copy", text: "Please", messageId: "<rate-1@client.example>" });
    await send({ from: '"Tagger" <tag@client.example>', subject: "VPN down", text: "Since noon", messageId: "<tag-1@client.example>" });
    const old = await ticketOf("old-1@client.example");
    const rated = await ticketOf("rate-1@client.example");
    const tagged = await ticketOf("tag-1@client.example");
    expect((await c.run(`ticket resolve T-${old.number} replaced the printer`)).kind).toBe("ok");
    expect((await c.run(`ticket resolve T-${rated.number} sent it`)).kind).toBe("ok");
    const ticketsBefore = await db.ticket.count({ where: { workspaceId: ws() } });
    const contactsBefore = await db.contact.count({ where: { workspaceId: ws() } });

    const burst: SendMailOptions[] = [
      { from: '"Nia New" <nia@new.example>', subject: "First question", text: "How do I export?", messageId: "<nia-1@new.example>" },
      { from: '"Nia New" <nia@new.example>', subject: "Second question", text: "And import?", messageId: "<nia-2@new.example>" },
      { from: '"Omar" <omar@new.example>', subject: "Hello", text: "Pricing?", messageId: "<omar-1@new.example>" },
      { from: '"Omar" <omar@new.example>', subject: "Hello", text: "Pricing?", messageId: "<omar-1@new.example>" },
      {
        from: "old@client.example",
        subject: "Re: Printer on fire",
        text: "On fire again",
        messageId: "<old-2@client.example>",
        inReplyTo: "<old-1@client.example>",
      },
      {
        from: "rate@client.example",
        subject: "Re: Invoice copy",
        text: "5 - thanks!",
        messageId: "<rate-2@client.example>",
        inReplyTo: "<rate-1@client.example>",
      },
      { from: "tag@client.example", subject: `Still down [T-${tagged.number}]`, text: "Any news?", messageId: "<tag-2@client.example>" },
      {
        from: '"Nia New" <nia@new.example>',
        subject: "Re: First question",
        text: "Found it",
        messageId: "<nia-3@new.example>",
        inReplyTo: "<nia-1@new.example>",
      },
    ];
    const answers = await Promise.all(burst.map(send));
    for (const a of answers) expect(a.response).toMatch(/^250/);

    // one contact per new sender, however many of their mails came together
    expect(await db.contact.count({ where: { workspaceId: ws(), email: "nia@new.example" } })).toBe(1);
    expect(await db.contact.count({ where: { workspaceId: ws() } })).toBe(contactsBefore + 2);
    // the same Message-ID twice: one copy
    expect(await db.ticketMessage.count({ where: { workspaceId: ws(), externalId: "omar-1@new.example" } })).toBe(1);
    // new threads: nia-1, nia-2, omar-1
    expect(await db.ticket.count({ where: { workspaceId: ws() } })).toBe(ticketsBefore + 3);
    const nia1 = await ticketOf("nia-1@new.example");
    expect((await ticketOf("nia-3@new.example")).id).toBe(nia1.id);
    expect((await ticketOf("nia-2@new.example")).id).not.toBe(nia1.id);
    expect(nia1).toMatchObject({ subject: "First question", status: "open" });
    expect(nia1.firstResponseDueAt).not.toBeNull();
    // the resolved ticket reopens; the rating keeps the other resolved and records the CSAT
    expect((await db.ticket.findUniqueOrThrow({ where: { id: old.id } })).status).toBe("open");
    expect((await ticketOf("old-2@client.example")).id).toBe(old.id);
    expect((await db.ticket.findUniqueOrThrow({ where: { id: rated.id } })).status).toBe("resolved");
    expect((await db.csatResponse.findUniqueOrThrow({ where: { ticketId: rated.id } })).rating).toBe(5);
    // the tag from the requester threads
    expect((await ticketOf("tag-2@client.example")).id).toBe(tagged.id);

    // every stored mail is an interaction on its contact, with its domain event; each new ticket its own
    const stored = await db.ticketMessage.count({ where: { workspaceId: ws(), kind: "inbound" } });
    expect(await db.interaction.count({ where: { workspaceId: ws(), kind: "email" } })).toBe(stored);
    const events = await db.domainEvent.groupBy({ by: ["type"], where: { workspaceId: ws() }, _count: true });
    const count = (type: string) => events.find((e) => e.type === type)?._count ?? 0;
    expect(count("interaction.logged")).toBe(stored);
    expect(count("ticket.opened")).toBe(ticketsBefore + 3);
    expect(count("contact.created")).toBe(contactsBefore + 2);
    expect(count("ticket.reopened")).toBe(1);
    expect(await db.auditLog.count({ where: { workspaceId: ws(), action: "ticket.new" } })).toBe(ticketsBefore + 3);

    // the burst really was committed in fewer transactions than mails: tickets of one batch share their time
    const burstTickets = await db.ticket.findMany({
      where: { workspaceId: ws(), number: { gt: ticketsBefore } },
      select: { createdAt: true },
    });
    const messagesOfBurst = await db.ticketMessage.findMany({
      where: { workspaceId: ws(), externalId: { in: burst.map((m) => String(m.messageId).slice(1, -1)) } },
      select: { createdAt: true },
    });
    expect(burstTickets).toHaveLength(3);
    expect(new Set(messagesOfBurst.map((m) => m.createdAt.getTime())).size).toBeLessThan(messagesOfBurst.length);

    // the history and the conversation read as for mail stored one at a time
    const shown = await c.run(`ticket show T-${nia1.number}`);
    expect(shown.plain).toContain("How do I export?");
    expect(shown.plain).toContain("Found it");
    expect((await c.run(`history T-${nia1.number}`)).plain).toMatch(/created|new/i);
  });
});
