// Email into the CRM through the real path: nodemailer speaks SMTP to the server's listener
// (INBOUND_SMTP_PORT), which answers 250 only once the message is committed. A new mail opens a ticket
// with its sender as requester; replies thread into it (headers, or a [T-n] tag from the requester) and
// reopen it; duplicates are stored once; machine mail opens nothing; unknown recipients get 550, mail
// over the limit 552; the +log address logs mail on contacts and their open deal.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import nodemailer, { type SendMailOptions } from "nodemailer";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";

const DOMAIN = "inbox.test";
let t: TestApp;
let c: ConsoleSession;
let other: ConsoleSession;
let db: PrismaClient;
let support: string;
let bcc: string;

beforeAll(async () => {
  t = await startTestApp({ INBOUND_SMTP_PORT: "0", INBOUND_DOMAIN: DOMAIN, INBOUND_MAX_BYTES: "4096" });
  db = t.app.db.prisma;
  c = await consoleSession(t.url, "Acme Support");
  other = await consoleSession(t.url, "Other Co");
  const shown = await c.run("inbox email");
  support = /📨 Support: (\S+@inbox\.test)/.exec(shown.plain)![1];
  bcc = /🗂 Sales: (\S+@inbox\.test)/.exec(shown.plain)![1];
});
afterAll(async () => {
  await t.stop();
});

const smtp = () =>
  nodemailer.createTransport({ host: "127.0.0.1", port: t.app.inboundSmtpPort!, secure: false, ignoreTLS: true, pool: false });
const send = (m: SendMailOptions) => smtp().sendMail({ from: '"Ana Lopez" <ana@customer.example>', ...m });
const tickets = (workspaceId = c.workspaceId) => db.ticket.findMany({ where: { workspaceId }, orderBy: { number: "asc" } });
const messages = (ticketId: string) => db.ticketMessage.findMany({ where: { ticketId }, orderBy: { createdAt: "asc" } });

describe("the support address", () => {
  it("inbox email shows the workspace's two addresses on INBOUND_DOMAIN, the same each time", async () => {
    expect(support).toMatch(/^acme-support-[a-z0-9]{8}@inbox\.test$/);
    expect(bcc).toBe(support.replace("@", "+log@"));
    expect((await c.run("inbox email")).plain).toContain(support);
    expect((await other.run("inbox email")).plain).not.toContain(support);
  });

  it("a new mail opens a ticket once it is committed: the sender becomes the requester, the mail its first message", async () => {
    const info = await send({
      to: support,
      subject: "Cannot log in",
      text: "Hi, the login page loops since this morning.",
      messageId: "<m1@customer.example>",
    });
    expect(info.response).toMatch(/^250/);
    // 250 came after the commit: everything is there the moment the client hears it
    const [t1] = await tickets();
    expect(t1).toMatchObject({ number: 1, subject: "Cannot log in", status: "open" });
    const ana = await db.contact.findFirstOrThrow({ where: { workspaceId: c.workspaceId, email: "ana@customer.example" } });
    expect(ana.name).toBe("Ana Lopez");
    expect(t1.requesterId).toBe(ana.id);
    const [m1] = await messages(t1.id);
    expect(m1).toMatchObject({ kind: "inbound", channel: "email", externalId: "m1@customer.example", contactId: ana.id });
    expect(m1.text).toContain("login page loops");
    expect(await db.interaction.count({ where: { ticketId: t1.id, kind: "email", contactId: ana.id } })).toBe(1);
    expect(t1.firstResponseDueAt).not.toBeNull();
    expect(await tickets(other.workspaceId)).toHaveLength(0);
  });

  it("a reply (In-Reply-To) joins its ticket; after the ticket is resolved, a reply reopens it", async () => {
    await send({
      to: support,
      subject: "Re: Cannot log in",
      text: "Still looping.",
      messageId: "<m2@customer.example>",
      inReplyTo: "<m1@customer.example>",
    });
    expect(await tickets()).toHaveLength(1);
    const [t1] = await tickets();
    expect((await messages(t1.id)).map((m) => m.externalId)).toEqual(["m1@customer.example", "m2@customer.example"]);
    expect((await c.run("ticket resolve T-1 fixed")).kind).toBe("ok");
    await send({
      to: support,
      subject: "Re: Cannot log in",
      text: "It is back.",
      messageId: "<m3@customer.example>",
      references: ["<m1@customer.example>", "<m2@customer.example>"],
    });
    const [again] = await tickets();
    expect(again.status).toBe("open");
    expect(again.resolvedAt).toBeNull();
    expect(await db.ticketEvent.count({ where: { ticketId: again.id, kind: "reopened" } })).toBe(1);
  });

  it("a [T-1] tag threads mail from the requester; from anyone else it opens a new ticket", async () => {
    await send({ to: support, subject: "About [T-1]", text: "Any news?", messageId: "<m4@customer.example>" });
    expect(await tickets()).toHaveLength(1);
    await send({
      from: "mallory@elsewhere.example",
      to: support,
      subject: "[T-1] add me",
      text: "hello",
      messageId: "<x1@elsewhere.example>",
    });
    const all = await tickets();
    expect(all).toHaveLength(2);
    expect(all[1].subject).toBe("[T-1] add me");
    expect((await messages(all[0].id)).some((m) => m.externalId === "x1@elsewhere.example")).toBe(false);
  });

  it("the same Message-ID delivered twice is stored once", async () => {
    const before = await db.ticketMessage.count({ where: { workspaceId: c.workspaceId } });
    for (let i = 0; i < 2; i++)
      expect(
        (await send({ to: support, subject: "Invoice question", text: "Where is it?", messageId: "<dup@customer.example>" })).response,
      ).toMatch(/^250/);
    expect(await db.ticketMessage.count({ where: { workspaceId: c.workspaceId } })).toBe(before + 1);
    expect((await tickets()).filter((x) => x.subject === "Invoice question")).toHaveLength(1);
  });

  it("six mails from a new sender at once (and the same Message-ID twice among them) are all kept: one contact, six tickets", async () => {
    const from = '"Newt New" <newt@customer.example>';
    const mails = [0, 1, 2, 3, 4, 5, 5].map((i) => ({
      from,
      to: support,
      subject: `Burst ${i}`,
      text: `Burst ${i}`,
      messageId: `<burst-${i}@customer.example>`,
    }));
    for (const info of await Promise.all(mails.map((m) => send(m)))) expect(info.response).toMatch(/^250/);
    expect(await db.contact.count({ where: { workspaceId: c.workspaceId, email: "newt@customer.example" } })).toBe(1);
    expect(
      (await tickets())
        .filter((x) => x.subject.startsWith("Burst "))
        .map((x) => x.subject)
        .sort(),
    ).toEqual(["Burst 0", "Burst 1", "Burst 2", "Burst 3", "Burst 4", "Burst 5"]);
  });

  it("auto-replies, bulk mail and bounces are accepted and open nothing", async () => {
    const before = (await tickets()).length;
    await send({ to: support, subject: "Out of office", text: "I am away", headers: { "Auto-Submitted": "auto-replied" } });
    await send({ to: support, subject: "Newsletter", text: "Deals!", headers: { Precedence: "bulk" } });
    await send({ from: "MAILER-DAEMON@mx.example", to: support, subject: "Undelivered Mail Returned to Sender", text: "bounce" });
    expect(await tickets()).toHaveLength(before);
  });

  it("an address that is not a workspace's gets 550 and a message over INBOUND_MAX_BYTES 552; nothing is written", async () => {
    const before = await db.ticket.count();
    const unknown = await send({ to: `nobody-12345678@${DOMAIN}`, subject: "x", text: "x" }).catch((e) => e);
    expect(unknown.responseCode).toBe(550);
    const foreign = await send({ to: support.replace(DOMAIN, "other.example"), subject: "x", text: "x" }).catch((e) => e);
    expect(foreign.responseCode).toBe(550);
    const big = await send({ to: support, subject: "Huge", text: "x".repeat(10_000) }).catch((e) => e);
    expect(big.responseCode).toBe(552);
    expect(await db.ticket.count()).toBe(before);
  });

  it("the +log address logs the mail on the known contacts it went to or came from, and their open deal; no ticket", async () => {
    expect((await c.run("contact add Bo Buyer email:bo@buyer.example")).kind).toBe("ok");
    expect((await c.run('deal new "Bo renewal" 5k contact:bo@buyer.example')).kind).toBe("ok");
    const before = (await tickets()).length;
    await send({
      from: '"Sam Sales" <sam@acme.example>',
      to: "bo@buyer.example",
      bcc,
      subject: "Your quote",
      text: "Attached is the quote.",
      messageId: "<q1@acme.example>",
    });
    expect(await tickets()).toHaveLength(before);
    const bo = await db.contact.findFirstOrThrow({ where: { workspaceId: c.workspaceId, email: "bo@buyer.example" } });
    const logged = await db.interaction.findMany({ where: { contactId: bo.id, kind: "email" } });
    expect(logged).toHaveLength(1);
    expect(logged[0].summary).toContain("Your quote: Attached is the quote.");
    expect(logged[0].dealId).not.toBeNull();
    // delivered again (a retry): logged once
    await send({
      from: "sam@acme.example",
      to: "bo@buyer.example",
      bcc,
      subject: "Your quote",
      text: "Attached is the quote.",
      messageId: "<q1@acme.example>",
    });
    expect(await db.interaction.count({ where: { contactId: bo.id, kind: "email" } })).toBe(1);
  });
});
