// The group commit (src/domain/conversations/inboxBatch.ts) writes its rows with raw multi-row inserts
// (src/db/insertRows.ts) where the one-at-a-time path writes them through Prisma. Two mails alike but for
// their sender and Message-ID, one each way, must leave the same rows in every table they touch — contact,
// ticket, its event, the message, the interaction, the audit entries and the domain events — once their ids,
// numbers and times are set aside.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";
import type { InboundMail } from "../src/domain/conversations/mail.ts";

const DOMAIN = "rows.test";
let t: TestApp;
let c: ConsoleSession;
let db: PrismaClient;
let support: string;

beforeAll(async () => {
  t = await startTestApp({ INBOUND_SMTP_PORT: "0", INBOUND_DOMAIN: DOMAIN });
  db = t.app.db.prisma;
  c = await consoleSession(t.url, "Rows Support");
  support = /📨 Support: (\S+@rows\.test)/.exec((await c.run("inbox email")).plain)![1];
});
afterAll(async () => {
  await t.stop();
});

const mail = (who: string): InboundMail => ({
  messageId: `${who}-1@client.example`,
  references: [],
  from: { address: `${who}@client.example`, name: "Pat Client" },
  to: [support],
  cc: [],
  subject: 'Invoice "May", {copy} \\ please',
  text: "Could you send it again?\nNULL is not my name.",
  headers: {},
  envelopeFrom: `${who}@client.example`,
  attachments: [{ name: "scan, page 1.pdf", size: 2048, type: "application/pdf" }],
});

/** What one mail wrote, keyed by table; the values that must differ between two mails are replaced by names. */
async function rowsOf(who: string) {
  const ws = c.workspaceId;
  const contact = await db.contact.findFirstOrThrow({ where: { workspaceId: ws, email: `${who}@client.example` } });
  const message = await db.ticketMessage.findFirstOrThrow({ where: { workspaceId: ws, externalId: `${who}-1@client.example` } });
  const ticket = await db.ticket.findUniqueOrThrow({ where: { id: message.ticketId } });
  const interactions = await db.interaction.findMany({ where: { workspaceId: ws, ticketId: ticket.id } });
  const ids = new Map<string, string>([
    [contact.id, "CONTACT"],
    [ticket.id, "TICKET"],
    [message.id, "MESSAGE"],
    ...interactions.map((i, n) => [i.id, `INTERACTION${n}`] as [string, string]),
    [`${who}@client.example`, "ADDRESS"],
    [`${who}-1@client.example`, "MESSAGE-ID"],
  ]);
  const recordIds = [...ids.keys()];
  const rows = {
    contact,
    ticket,
    ticketEvents: await db.ticketEvent.findMany({ where: { workspaceId: ws, ticketId: ticket.id }, orderBy: { kind: "asc" } }),
    messages: await db.ticketMessage.findMany({ where: { workspaceId: ws, ticketId: ticket.id } }),
    interactions,
    audit: await db.auditLog.findMany({ where: { workspaceId: ws, entityId: { in: recordIds } }, orderBy: { action: "asc" } }),
    events: (await db.domainEvent.findMany({ where: { workspaceId: ws, recordId: { in: recordIds } }, orderBy: { type: "asc" } })).map(
      // what the dispatcher changes afterwards, at its own pace
      ({ dispatchedAt: _d, attempts: _a, lastError: _l, ...e }) => e,
    ),
  };
  const VARY = new Set(["id", "number", "seq", "createdAt", "updatedAt", "at", "occurredAt", "firstResponseDueAt", "resolutionDueAt"]);
  // the rescore job may have scored one contact and not yet the other
  const LATER = new Set(["score", "scoreReasons"]);
  return JSON.parse(
    JSON.stringify(rows, (k, v: unknown) => (typeof v === "bigint" ? "BIGINT" : v)),
    (k, v: unknown) => (VARY.has(k) ? typeof v : LATER.has(k) ? "later" : typeof v === "string" ? (ids.get(v) ?? v) : v),
  ) as unknown;
}

describe("the batch's raw inserts", () => {
  it("a mail stored by the group commit leaves the same rows as one stored one at a time through Prisma", async () => {
    const inbox = t.app.services.inbox;
    const target = (await inbox.recipient(support))!;
    const one = await inbox.receive(target.workspaceId, target, mail("single"));
    const fellBack: Error[] = [];
    const [batched] = await inbox.receiveMany([{ workspaceId: target.workspaceId, target, mail: mail("batched") }], (e) =>
      fellBack.push(e),
    );
    // the batch's own statements stored it: a failed batch is stored one at a time, which would prove nothing
    expect(fellBack).toEqual([]);
    expect(one).toMatchObject({ outcome: "opened" });
    expect(batched).toMatchObject({ outcome: "opened" });

    // times are written as Prisma writes them (UTC), whatever the database's time zone
    const near = (d: Date) => expect(Math.abs(d.getTime() - Date.now())).toBeLessThan(60_000);
    const m = await t.app.db.prisma.ticketMessage.findFirstOrThrow({
      where: { externalId: "batched-1@client.example" },
      include: { ticket: true },
    });
    near(m.createdAt);
    near(m.ticket.createdAt);
    near(m.ticket.updatedAt);
    near((await db.domainEvent.findFirstOrThrow({ where: { recordId: m.ticketId, type: "ticket.opened" } })).createdAt);

    const a = await rowsOf("single");
    const b = await rowsOf("batched");
    expect(b).toEqual(a);
    // and what was compared is there: the message's text and attachment survived quoting, the audit has both records
    expect(a).toMatchObject({
      messages: [{ text: "Could you send it again?\nNULL is not my name.", attachments: [{ name: "scan, page 1.pdf" }] }],
      audit: [{ action: "contact.add" }, { action: "ticket.new" }],
      events: [{ type: "contact.created" }, { type: "interaction.logged" }, { type: "ticket.opened" }],
    });
  });
});
