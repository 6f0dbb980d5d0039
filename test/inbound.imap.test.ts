// Email from a mailbox at a mail provider: a private Dovecot (test/helpers/dovecot.ts) holds the support
// mailbox, messages are delivered to it by IMAP APPEND, and the poll (adapters/email/inbound/imapPoller.ts,
// what the mailboxes worker runs) hands each to the same parse + receive as the SMTP listener. Set up with
// /crm inbox imap (refused, and nothing saved, on a wrong password or an unreachable server); tickets opened
// and threaded; polling again or after a crash stores nothing twice; the password is never in clear.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import { startDovecot, type Dovecot } from "./helpers/dovecot.ts";
import { until } from "./helpers/until.ts";
import { createLogger } from "../src/log.ts";
import { decrypt, encrypt } from "../src/crypto.ts";
import { pollMailbox, type PollDeps } from "../adapters/email/inbound/imapPoller.ts";
import { MAILBOX_QUEUE, queueMailboxPolls } from "../jobs/mailboxes.ts";
import { rotateEncryptionKey } from "../src/domain/installations/rotate.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";

const KEY = randomBytes(24).toString("hex");
const logLines: string[] = [];
let dovecot: Dovecot;
let t: TestApp;
let db: PrismaClient;
let c: ConsoleSession;
let other: ConsoleSession;
let deps: PollDeps;

beforeAll(async () => {
  dovecot = await startDovecot();
  const logger = createLogger("debug", { write: (line: string) => void logLines.push(line) });
  t = await startTestApp({ ENCRYPTION_KEY: KEY, IMAP_POLL_SECONDS: "3600", INBOUND_MAX_BYTES: "4096" }, { logger });
  db = t.app.db.prisma;
  c = await consoleSession(t.url, "Acme Support");
  other = await consoleSession(t.url, "Other Co");
  // what the mailboxes worker runs (src/app.ts wires the same)
  deps = { services: t.app.services, logger: t.app.logger, maxBytes: t.app.config.INBOUND_MAX_BYTES };
});
afterAll(async () => {
  await t?.stop();
  await dovecot?.stop();
});

let n = 0;
function mail(m: { subject: string; text: string; id: string; from?: string; inReplyTo?: string; headers?: string[] }): string {
  n++;
  return [
    `From: ${m.from ?? '"Ana Lopez" <ana@customer.example>'}`,
    `To: ${dovecot.user}`,
    `Subject: ${m.subject}`,
    `Message-ID: <${m.id}>`,
    `Date: ${new Date(Date.UTC(2026, 11, 7, 9, n)).toUTCString()}`,
    ...(m.inReplyTo ? [`In-Reply-To: <${m.inReplyTo}>`, `References: <${m.inReplyTo}>`] : []),
    ...(m.headers ?? []),
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    m.text,
    "",
  ].join("\r\n");
}

const setup = (password = dovecot.password, port = dovecot.port, s = c) =>
  s.run(`inbox imap host:${dovecot.host} port:${port} user:${dovecot.user} password:${password}`);
const tickets = (workspaceId = c.workspaceId) => db.ticket.findMany({ where: { workspaceId }, orderBy: { number: "asc" } });
const messages = (ticketId: string) => db.ticketMessage.findMany({ where: { ticketId }, orderBy: { createdAt: "asc" } });
const row = (workspaceId = c.workspaceId) => db.mailbox.findUnique({ where: { workspaceId } });
const closedPort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

describe("setting up the mailbox", () => {
  it("a wrong password, a server that does not answer, a missing folder, a URL for a host or an agent: refused, and nothing is saved", async () => {
    const wrong = await setup("not-the-password");
    expect(wrong.kind).toBe("error");
    expect(wrong.plain).toMatch(/refused the user name or password.*Nothing was saved/s);
    const down = await setup(dovecot.password, await closedPort());
    expect(down.kind).toBe("error");
    expect(down.plain).toContain("nothing answers on 127.0.0.1 port");
    const folder = await c.run(
      `inbox imap host:${dovecot.host} port:${dovecot.port} user:${dovecot.user} password:${dovecot.password} folder:Nope`,
    );
    expect(folder.kind).toBe("error");
    expect(folder.plain).toContain('there is no folder "Nope"');
    expect(JSON.stringify(folder)).not.toContain(dovecot.password);
    const url = await c.run(`inbox imap host:imaps://${dovecot.host} user:${dovecot.user} password:${dovecot.password}`);
    expect(url.kind).toBe("error");
    expect(url.plain).toContain("not a URL");
    expect(url.plain).toContain("/crm inbox imap host:<imap server>");
    const agent = await c.addMember("Sam Agent", "agent");
    const refused = await c.run(
      `inbox imap host:${dovecot.host} port:${dovecot.port} user:${dovecot.user} password:${dovecot.password}`,
      agent,
    );
    expect(refused.kind).toBe("error");
    expect(refused.plain).toContain("Only admins");
    expect(await db.mailbox.count()).toBe(0);
    expect(await db.auditLog.count({ where: { action: { startsWith: "mailbox." } } })).toBe(0);
  });

  it("the right password logs in and saves the mailbox; the password is stored encrypted, never in a reply or an audit row", async () => {
    const ok = await setup();
    expect(ok.kind).toBe("ok");
    expect(ok.plain).toContain(`${dovecot.user} at 127.0.0.1:${dovecot.port}, folder INBOX`);
    expect(JSON.stringify(ok)).not.toContain(dovecot.password);
    const saved = (await row())!;
    expect(saved).toMatchObject({ host: "127.0.0.1", port: dovecot.port, secure: false, user: dovecot.user, folder: "INBOX", lastUid: 0n });
    expect(saved.passwordEnc).not.toContain(dovecot.password);
    expect(decrypt(saved.passwordEnc, KEY)).toBe(dovecot.password);
    const audits = await db.auditLog.findMany({ where: { workspaceId: c.workspaceId, action: "mailbox.set" } });
    expect(audits).toHaveLength(1);
    expect(JSON.stringify(audits)).not.toContain(dovecot.password);
    const shown = await c.run("inbox email");
    expect(shown.plain).toContain(`📥 Mailbox: ${dovecot.user} at 127.0.0.1:${dovecot.port}, folder INBOX — not polled yet`);
    expect(JSON.stringify(shown)).not.toContain(dovecot.password);
    expect((await other.run("inbox email")).plain).toContain("📥 Mailbox: none");
  });
});

describe("polling", () => {
  let uids: number[] = [];

  it("two messages in the mailbox → two tickets after one poll; each is then marked \\Seen and its UID stored", async () => {
    uids = [
      await dovecot.append(mail({ subject: "Cannot log in", text: "The login page loops.", id: "i1@customer.example" })),
      await dovecot.append(
        mail({ subject: "Invoice question", text: "Where is my invoice?", id: "i2@customer.example", from: "bo@buyer.example" }),
      ),
    ];
    const r = await pollMailbox(deps, c.workspaceId);
    expect(r).toEqual({ received: 2, tooBig: 0 });
    const all = await tickets();
    expect(all.map((x) => x.subject)).toEqual(["Cannot log in", "Invoice question"]);
    const ana = await db.contact.findFirstOrThrow({ where: { workspaceId: c.workspaceId, email: "ana@customer.example" } });
    expect(all[0].requesterId).toBe(ana.id);
    expect((await messages(all[0].id)).map((m) => [m.channel, m.kind, m.externalId])).toEqual([
      ["email", "inbound", "i1@customer.example"],
    ]);
    const flags = await dovecot.flags();
    for (const uid of uids) expect(flags.get(uid)?.has("\\Seen")).toBe(true);
    expect((await row())!).toMatchObject({ lastUid: BigInt(uids[1]), lastError: null });
    expect((await row())!.lastPolledAt).not.toBeNull();
    expect(await tickets(other.workspaceId)).toHaveLength(0);
    expect((await c.run("inbox email")).plain).toMatch(/last polled \d+s ago, no error/);
  });

  it("a reply appended to the mailbox joins its ticket", async () => {
    await dovecot.append(
      mail({ subject: "Re: Cannot log in", text: "Still looping.", id: "i3@customer.example", inReplyTo: "i1@customer.example" }),
    );
    expect(await pollMailbox(deps, c.workspaceId)).toEqual({ received: 1, tooBig: 0 });
    const all = await tickets();
    expect(all).toHaveLength(2);
    expect((await messages(all[0].id)).map((m) => m.externalId)).toEqual(["i1@customer.example", "i3@customer.example"]);
  });

  it("polling again creates nothing new", async () => {
    const before = await db.ticketMessage.count({ where: { workspaceId: c.workspaceId } });
    expect(await pollMailbox(deps, c.workspaceId)).toEqual({ received: 0, tooBig: 0 });
    expect(await pollMailbox(deps, c.workspaceId)).toEqual({ received: 0, tooBig: 0 });
    expect(await db.ticketMessage.count({ where: { workspaceId: c.workspaceId } })).toBe(before);
    expect(await tickets()).toHaveLength(2);
  });

  it("a crash after the message is stored but before its UID is: the next poll fetches it again and stores it once", async () => {
    const uid = await dovecot.append(mail({ subject: "Refund", text: "Please refund order 7.", id: "i4@customer.example" }));
    const lastUid = (await row())!.lastUid;
    // the process dies right after receive() committed: the UID is not stored, the message not marked \Seen
    const crashing: PollDeps = {
      ...deps,
      services: {
        inbox: t.app.services.inbox,
        mailboxes: Object.assign(Object.create(t.app.services.mailboxes), {
          advance: async () => {
            throw new Error("killed before the UID was stored");
          },
        }),
      },
    };
    const crashed = await pollMailbox(crashing, c.workspaceId);
    expect(crashed.error).toContain("killed before the UID was stored");
    expect((await row())!.lastUid).toBe(lastUid);
    expect((await dovecot.flags()).get(uid)?.has("\\Seen")).toBe(false);
    expect((await tickets()).map((x) => x.subject)).toContain("Refund");
    expect((await row())!.lastError).toContain("killed before the UID was stored");
    // the next poll reads it again: its Message-ID is known, nothing is added
    expect(await pollMailbox(deps, c.workspaceId)).toEqual({ received: 1, tooBig: 0 });
    expect(await db.ticketMessage.count({ where: { workspaceId: c.workspaceId, externalId: "i4@customer.example" } })).toBe(1);
    expect((await tickets()).filter((x) => x.subject === "Refund")).toHaveLength(1);
    expect((await row())!).toMatchObject({ lastUid: BigInt(uid), lastError: null });
    expect((await dovecot.flags()).get(uid)?.has("\\Seen")).toBe(true);
  });

  it("auto-replies in the mailbox open nothing, and are marked read like the rest", async () => {
    const before = (await tickets()).length;
    const uid = await dovecot.append(
      mail({ subject: "Out of office", text: "Away until Monday", id: "ooo@customer.example", headers: ["Auto-Submitted: auto-replied"] }),
    );
    expect(await pollMailbox(deps, c.workspaceId)).toEqual({ received: 1, tooBig: 0 });
    expect(await tickets()).toHaveLength(before);
    expect((await dovecot.flags()).get(uid)?.has("\\Seen")).toBe(true);
  });

  it("a UIDVALIDITY change (the folder's UIDs renumbered) reads the folder's unseen messages, not the ones already read", async () => {
    await db.mailbox.update({ where: { workspaceId: c.workspaceId }, data: { uidValidity: 1n, lastUid: 999_999n } });
    const uid = await dovecot.append(mail({ subject: "New printer", text: "Which toner?", id: "i5@customer.example" }));
    expect(await pollMailbox(deps, c.workspaceId)).toEqual({ received: 1, tooBig: 0 });
    expect((await tickets()).filter((x) => x.subject === "New printer")).toHaveLength(1);
    const saved = (await row())!;
    expect(saved.uidValidity).not.toBe(1n);
    expect(saved.lastUid).toBe(BigInt(uid));
  });
});

describe("a message over INBOUND_MAX_BYTES", () => {
  it("is left unread in the mailbox for a person, opens nothing, and is not fetched again", async () => {
    const before = (await tickets()).length;
    const uid = await dovecot.append(mail({ subject: "Huge", text: "x".repeat(10_000), id: "big@customer.example" }));
    expect(await pollMailbox(deps, c.workspaceId)).toEqual({ received: 0, tooBig: 1 });
    expect(await tickets()).toHaveLength(before);
    expect((await dovecot.flags()).get(uid)?.has("\\Seen")).toBe(false);
    expect((await row())!.lastUid).toBe(BigInt(uid));
    expect(await pollMailbox(deps, c.workspaceId)).toEqual({ received: 0, tooBig: 0 });
  });
});

describe("a mailbox read for the first time", () => {
  it("takes its unread messages only, and a first poll that fails part-way starts over from them, not from the read history", async () => {
    // as just set up: no UIDVALIDITY known yet; every earlier message in the folder is read (\Seen) but the big one
    await db.mailbox.update({ where: { workspaceId: c.workspaceId }, data: { uidValidity: null, lastUid: 0n } });
    const uid = await dovecot.append(mail({ subject: "Wifi down", text: "No network on floor 2.", id: "i7@customer.example" }));
    const before = await db.ticketMessage.count({ where: { workspaceId: c.workspaceId } });
    const failing: PollDeps = {
      ...deps,
      services: {
        mailboxes: t.app.services.mailboxes,
        inbox: Object.assign(Object.create(t.app.services.inbox), {
          receive: async () => {
            throw new Error("database went away");
          },
        }),
      },
    };
    expect((await pollMailbox(failing, c.workspaceId)).error).toContain("database went away");
    expect((await row())!).toMatchObject({ uidValidity: null, lastUid: 0n });
    expect(await pollMailbox(deps, c.workspaceId)).toEqual({ received: 1, tooBig: 1 });
    expect(await db.ticketMessage.count({ where: { workspaceId: c.workspaceId } })).toBe(before + 1);
    expect((await tickets()).filter((x) => x.subject === "Wifi down")).toHaveLength(1);
    expect((await row())!.lastUid).toBe(BigInt(uid));
    expect(await pollMailbox(deps, c.workspaceId)).toEqual({ received: 0, tooBig: 0 });
  });
});

describe("the mailboxes worker", () => {
  it("polls every mailbox on its schedule; a mailbox that fails records its error and the others are still polled", async () => {
    const schedulers = await t.app.jobs.queue(MAILBOX_QUEUE).getJobSchedulers();
    expect(schedulers.map((s) => [s.key, Number(s.every)])).toContainEqual(["mailbox-sweep", 3600 * 1000]);
    // Other Co's mailbox logs in once, then its password is changed at the provider
    expect((await setup(dovecot.password, dovecot.port, other)).kind).toBe("ok");
    await db.mailbox.update({ where: { workspaceId: other.workspaceId }, data: { passwordEnc: encrypt("changed-at-the-provider", KEY) } });
    await dovecot.append(mail({ subject: "Password reset", text: "I cannot reset it.", id: "i6@customer.example" }));
    expect(await queueMailboxPolls(t.app.jobs, t.app.services)).toBe(2);
    await until("the worker's poll to open the ticket", async () => (await tickets()).find((x) => x.subject === "Password reset"));
    const failed = await until("Other Co's failure to be recorded", async () => (await row(other.workspaceId))?.lastError);
    expect(failed).toContain("refused the user name or password");
    expect(await tickets(other.workspaceId)).toHaveLength(0);
    expect((await other.run("inbox email")).plain).toMatch(/last poll \d+s ago failed: the server refused the user name or password/);
  });
});

describe("turning it off", () => {
  it("inbox imap off stops polling and deletes the password; a second off says there is none", async () => {
    const off = await c.run("inbox imap off");
    expect(off.kind).toBe("ok");
    expect(off.plain).toContain(`Stopped polling ${dovecot.user} at 127.0.0.1:${dovecot.port}`);
    expect(await row()).toBeNull();
    expect((await c.run("inbox email")).plain).toContain("📥 Mailbox: none");
    expect(await t.app.services.mailboxes.polled()).toEqual([other.workspaceId]);
    expect((await c.run("inbox imap off")).plain).toContain("polls no mailbox");
    const audits = await db.auditLog.findMany({ where: { workspaceId: c.workspaceId, action: { startsWith: "mailbox." } } });
    expect(audits.map((a) => a.action)).toEqual(expect.arrayContaining(["mailbox.set", "mailbox.off"]));
  });

  it("rotating ENCRYPTION_KEY re-encrypts the mailbox passwords too", async () => {
    const NEW = randomBytes(24).toString("hex");
    const r = await rotateEncryptionKey(db, KEY, NEW);
    expect(r).toEqual({ rows: 1, reencrypted: 1, alreadyNew: 0 });
    expect(decrypt((await row(other.workspaceId))!.passwordEnc, NEW)).toBe("changed-at-the-provider");
    expect(await rotateEncryptionKey(db, NEW, KEY)).toEqual({ rows: 1, reencrypted: 1, alreadyNew: 0 });
    expect(decrypt((await row(other.workspaceId))!.passwordEnc, KEY)).toBe("changed-at-the-provider");
  });

  it("the password was never written to a log line", () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((l) => l.includes(dovecot.password))).toEqual([]);
    expect(logLines.some((l) => l.includes("inbound mail (imap)"))).toBe(true);
  });
});
