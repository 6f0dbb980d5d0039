// The team answers the customer from chat (#14 item 4) through the real path: a customer's mail goes by SMTP
// into the listener and opens T-1; /crm reply (console and a signed Slack command) is written with its
// interaction, and a worker sends it by SMTP to a real server (the sink) once, threaded under the customer's
// mail (In-Reply-To, References, "Re: … [T-1]") from the workspace's support address; the customer's answer
// to it joins T-1. /crm note never leaves the team. A refused send says so on the ticket.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import nodemailer, { type SendMailOptions } from "nodemailer";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import { until } from "./helpers/until.ts";
import { startSmtpSink, type SmtpSink } from "./campaign.sink.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";

const DOMAIN = "inbox.test";
let t: TestApp;
let c: ConsoleSession;
let db: PrismaClient;
let sink: SmtpSink;
let support: string;

beforeAll(async () => {
  sink = await startSmtpSink({
    reject: (to) => (to === "bounce@customer.example" ? { code: 550, message: "No such user here" } : null),
  });
  t = await startTestApp({
    INBOUND_SMTP_PORT: "0",
    INBOUND_DOMAIN: DOMAIN,
    SMTP_URL: sink.url,
    MAIL_FROM: "CRM <crm@mail.test>",
  });
  db = t.app.db.prisma;
  c = await consoleSession(t.url, "Acme Support");
  support = /📨 Support: (\S+@inbox\.test)/.exec((await c.run("inbox email")).plain)![1];
});
afterAll(async () => {
  await t?.stop();
  await sink?.close();
});

const customerSends = (m: SendMailOptions) =>
  nodemailer
    .createTransport({ host: "127.0.0.1", port: t.app.inboundSmtpPort!, secure: false, ignoreTLS: true })
    .sendMail({ from: '"Ana Lopez" <ana@customer.example>', to: support, ...m });
const ticket = (n: number) => db.ticket.findFirstOrThrow({ where: { workspaceId: c.workspaceId, number: n } });
const messages = async (n: number) =>
  db.ticketMessage.findMany({ where: { ticketId: (await ticket(n)).id }, orderBy: { createdAt: "asc" } });

describe("replying to the customer", () => {
  it("a reply goes out once by email, threaded under the customer's mail, from the support address, and is the first response", async () => {
    await customerSends({ subject: "Printer on fire", text: "Smoke everywhere.", messageId: "<p1@customer.example>" });
    expect((await ticket(1)).firstResponseAt).toBeNull();

    const r = await c.run("reply T-1 We replaced the fuser; can you try printing again?");
    expect(r.kind).toBe("ok");
    expect(r.plain).toContain("Reply on T-1 is on its way to ana@customer.example");
    const [mail] = await sink.waitFor(1);
    expect(mail.to).toEqual(["ana@customer.example"]);
    expect(mail.headers.get("from")).toBe(`Acme Support <${support}>`);
    expect(mail.headers.get("subject")).toBe("Re: Printer on fire [T-1]");
    expect(mail.headers.get("in-reply-to")).toBe("<p1@customer.example>");
    expect(mail.headers.get("references")).toBe("<p1@customer.example>");
    expect(mail.headers.get("message-id")).toMatch(/^<[0-9a-f-]{36}@inbox\.test>$/);
    expect(mail.body).toContain("We replaced the fuser");

    const out = (await messages(1)).find((m) => m.kind === "outbound")!;
    await until(
      "the reply marked sent",
      async () => (await db.ticketMessage.findUniqueOrThrow({ where: { id: out.id } })).delivery === "sent",
    );
    const t1 = await ticket(1);
    expect(t1.firstResponseAt).not.toBeNull();
    const show = await c.run("ticket show T-1");
    expect(show.plain).toContain("← Ana Lopez (email): Smoke everywhere.");
    expect(show.plain).toContain("opened by email from Ana Lopez (normal)");
    expect(show.plain).toContain("email from Ana Lopez: Printer on fire: Smoke everywhere.");
    expect(show.plain).toMatch(/→ \S+ \S+ \(email, sent\): We replaced the fuser/);

    // the job that sends it running again sends nothing
    const again = await t.app.services.conversations.deliver(c.workspaceId, out.id, {
      mail: {
        from: async () => "x@y.test",
        send: async () => {
          throw new Error("must not be called");
        },
      },
    });
    expect(again).toBe("already");
    await new Promise((res) => setTimeout(res, 300));
    expect(sink.countTo("ana@customer.example")).toBe(1);
  });

  it("the customer's answer to our reply joins the same ticket", async () => {
    const ours = sink.messages[0].headers.get("message-id")!;
    await customerSends({
      subject: "Re: Printer on fire [T-1]",
      text: "Works now, thanks!",
      messageId: "<p2@customer.example>",
      inReplyTo: ours,
    });
    expect(await db.ticket.count({ where: { workspaceId: c.workspaceId } })).toBe(1);
    expect((await messages(1)).map((m) => m.kind)).toEqual(["inbound", "outbound", "inbound"]);
  });

  it("a note stays with the team: stored as a note, shown as internal, never mailed", async () => {
    const before = sink.messages.length;
    const r = await c.run("note T-1 Customer is on the enterprise plan; be generous");
    expect(r.plain).toContain("Internal note added to T-1");
    const note = (await messages(1)).at(-1)!;
    expect(note).toMatchObject({ kind: "note", channel: "console", delivery: null, toAddress: null });
    expect((await c.run("ticket show T-1")).plain).toMatch(/🔒 note by \S+ \S+: Customer is on the enterprise plan/);
    await new Promise((res) => setTimeout(res, 500));
    expect(sink.messages.length).toBe(before);
  });

  it("a refused send says so on the ticket, with the server's reason", async () => {
    await nodemailer
      .createTransport({ host: "127.0.0.1", port: t.app.inboundSmtpPort!, secure: false, ignoreTLS: true })
      .sendMail({ from: "bounce@customer.example", to: support, subject: "Help", text: "Please help", messageId: "<b1@customer.example>" });
    expect((await c.run("reply T-2 On it!")).kind).toBe("ok");
    await until("the reply marked failed", async () => (await messages(2)).find((m) => m.kind === "outbound")?.delivery === "failed");
    expect((await c.run("ticket show T-2")).plain).toMatch(/not sent: smtp 550: .*No such user here/);
  });

  it("bad input writes nothing: no text, an unknown ticket, a ticket whose requester has no email; the card offers Reply and Note", async () => {
    const count = () => db.ticketMessage.count({ where: { workspaceId: c.workspaceId } });
    const before = await count();
    const empty = await c.run("reply T-1");
    expect(empty.kind).toBe("error");
    expect(empty.plain).toContain("/crm reply <T-ref> <text>");
    expect((await c.run("reply T-99 hello")).plain).toContain("No ticket T-99");
    await c.run('ticket new "Internal only"');
    expect((await c.run("reply T-3 hello")).plain).toContain("T-3 has no customer to write to");
    expect(await count()).toBe(before);
    const card = await c.run("ticket show T-1");
    expect(card.plain).toContain("[Reply](reply T-1)");
    expect(card.plain).toContain("[Note](note T-1)");
    expect((await c.run("ticket show T-3")).plain).not.toContain("[Reply]");
  });

  it("resolving tells the customer by email and asks for 1–5; their '5' rates it and keeps it resolved, anything else reopens it", async () => {
    await customerSends({ subject: "Wifi down", text: "No wifi on floor 3.", messageId: "<w1@customer.example>" });
    const n = (await db.ticket.findFirstOrThrow({ where: { workspaceId: c.workspaceId, subject: "Wifi down" } })).number;
    expect((await c.run(`ticket resolve T-${n} Router rebooted`)).kind).toBe("ok");
    const notice = await until("the resolution mail", () =>
      sink.messages.find((m) => m.headers.get("subject") === `Re: Wifi down [T-${n}]`),
    );
    expect(notice.to).toEqual(["ana@customer.example"]);
    expect(notice.headers.get("in-reply-to")).toBe("<w1@customer.example>");
    expect(notice.body).toContain(`Your request T-${n} "Wifi down" is resolved: Router rebooted`);
    expect(notice.body).toContain("Reply with a number from 1 (poor) to 5 (great)");

    await customerSends({
      subject: `Re: Wifi down [T-${n}]`,
      text: "5 - thanks, quick fix!",
      messageId: "<w2@customer.example>",
      inReplyTo: notice.headers.get("message-id")!,
    });
    const t = await ticket(n);
    expect(t.status).toBe("resolved");
    expect(await db.csatResponse.findUniqueOrThrow({ where: { ticketId: t.id } })).toMatchObject({ rating: 5 });

    await customerSends({
      subject: `Re: Wifi down [T-${n}]`,
      text: "It is down again.",
      messageId: "<w3@customer.example>",
      inReplyTo: "<w2@customer.example>",
    });
    expect((await ticket(n)).status).toBe("open");
  });
});
