// Exactly once under failure: a worker process killed with SIGKILL in the middle of a 5,000-recipient
// campaign and started again; Redis (no persistence: every job lost) restarted mid-campaign. Every
// recipient is sent once, or — only the few in flight at the kill — accounted for as failed "unknown".
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { startSmtpSink, type SmtpSink } from "./campaign.sink.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const MAIL = {
  MAIL_FROM: "Acme <news@acme.test>",
  PUBLIC_URL: "https://crm.example.com",
  ENCRYPTION_KEY: "crash-test-encryption-key-0123456789abcdef",
};
/** at most this many recipients are in doubt at once per worker: 4 send jobs × 2 waves of 16 (one being sent, one whose
 * `sent` rides on the next claim, or that claim's wave) */
const IN_FLIGHT = 4 * 2 * 16;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

function startRedis(port: number): Promise<ChildProcess> {
  const p = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "pipe" });
  return new Promise((resolve, reject) => {
    p.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("Ready to accept")) resolve(p);
    });
    p.once("error", reject);
  });
}

async function until<T>(f: () => Promise<T | undefined | false> | T | undefined | false, what: string, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function seed(t: TestApp, c: ConsoleSession, n: number, tag: string) {
  await t.app.db.prisma.$executeRaw`
    INSERT INTO "Contact" ("id", "workspaceId", "number", "name", "email", "tags", "updatedAt")
    SELECT gen_random_uuid()::text, ${c.workspaceId}, g, 'Person ' || g, ${tag} || g || '@x.test', ARRAY[${tag}]::text[], now()
    FROM generate_series(1, ${n}) g`;
}

/** The ledger against the sink: nobody twice; sent ⇒ delivered once; the rest failed "unknown", few. */
async function checkExactlyOnce(t: TestApp, sink: SmtpSink, campaignId: string, n: number) {
  const rows = await t.app.db.prisma.campaignRecipient.findMany({
    where: { campaignId },
    include: { contact: { select: { email: true } } },
  });
  expect(rows).toHaveLength(n);
  const addresses = sink.messages.map((m) => m.to[0]);
  expect(new Set(addresses).size).toBe(addresses.length); // 0 duplicates
  const sent = rows.filter((r) => r.status === "sent");
  const failed = rows.filter((r) => r.status === "failed");
  expect(sent.length + failed.length).toBe(n);
  for (const r of sent) expect(sink.countTo(r.contact.email!)).toBe(1);
  for (const r of failed) expect(r.error).toMatch(/^unknown: /);
  const known = new Set(rows.map((r) => r.contact.email));
  for (const a of addresses) expect(known.has(a)).toBe(true);
  return { sent: sent.length, failed: failed.length, delivered: addresses.length };
}

describe("a worker killed with SIGKILL mid-campaign", () => {
  let sink: SmtpSink;
  let testDb: TestDb;
  let server: TestApp;
  let c: ConsoleSession;
  const workers: ChildProcess[] = [];
  const logs: string[] = [];

  /**
   * `tsx src/main.ts --role=worker` on the server's database and Redis prefix, as one process: node with
   * tsx's loader (the tsx CLI would run the worker in a grandchild that a SIGKILL to tsx leaves running).
   */
  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--role=worker"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH!,
        HOME: process.env.HOME!,
        DATABASE_URL: testDb.url,
        REDIS_URL: inject("redisUrl"),
        QUEUE_PREFIX: server.prefix,
        SMTP_URL: sink.url,
        ...MAIL,
        LOG_LEVEL: "warn",
        CONSOLE: "off",
        CAMPAIGN_EMAIL_PER_SECOND: "1000000",
        CAMPAIGN_WATCHDOG_MS: "500",
        CAMPAIGN_STALE_MS: "3000",
        CAMPAIGN_PROGRESS_MS: "500",
        JOBS_LOCK_MS: "3000",
        JOBS_STALLED_MS: "1000",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d) => logs.push(String(d)));
    child.stderr!.on("data", (d) => logs.push(String(d)));
    workers.push(child);
    return child;
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    testDb = await createTestDb();
    server = await startTestApp({ SMTP_URL: sink.url, ...MAIL }, { role: "server", testDb });
    c = await consoleSession(server.url);
  });
  afterAll(async () => {
    for (const w of workers) w.kill("SIGKILL");
    await server?.stop();
    await testDb?.drop();
    await sink?.close();
  });

  it("every one of 5,000 recipients is sent once or accounted for; nobody gets it twice", { timeout: 120_000 }, async () => {
    await seed(server, c, 5000, "crash");
    expect((await c.run('campaign new "Crash" segment:"tag:crash" channel:email message:"Hi {{first_name}}"')).plain).toContain(
      "5000 (5000 reachable by email)",
    );
    const first = startWorker();
    expect((await c.run("campaign send K-1")).plain).toContain("is sending");
    const sentAt = Date.now();
    await until(() => sink.messages.length >= 1000, `1,000 messages ${logs.join("").slice(-2000)}`, 60_000);
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    const atKill = sink.messages.length;
    const inDoubt = await server.app.db.prisma.campaignRecipient.count({ where: { status: "sending" } });
    console.info(`at kill: ${atKill} delivered, ${inDoubt} sending, t=${Date.now() - sentAt} ms`);
    expect(atKill).toBeLessThan(5000);
    startWorker();
    const k = await until(
      async () => {
        const x = await server.app.db.prisma.campaign.findFirst({ where: { number: 1 } });
        return x?.status === "done" ? x : undefined;
      },
      `campaign done (sink ${sink.messages.length}) ${logs.join("").slice(-2000)}`,
      90_000,
    );
    const r = await checkExactlyOnce(server, sink, k.id, 5000);
    expect(r.failed).toBeLessThanOrEqual(IN_FLIGHT);
    expect(r.delivered - r.sent).toBeLessThanOrEqual(r.failed);
    console.info(
      `SIGKILL after ${atKill} delivered: ${r.sent} sent, ${r.failed} failed "unknown" (${r.delivered - r.sent} of those did arrive), 0 duplicates`,
    );
  });
});

describe("Redis restarted mid-campaign (every job lost)", () => {
  let sink: SmtpSink;
  let redis: ChildProcess;
  let t: TestApp;
  let c: ConsoleSession;
  let port: number;
  beforeAll(async () => {
    sink = await startSmtpSink();
    port = await freePort();
    redis = await startRedis(port);
    t = await startTestApp({
      SMTP_URL: sink.url,
      ...MAIL,
      REDIS_URL: `redis://127.0.0.1:${port}`,
      CAMPAIGN_WATCHDOG_MS: "300",
      CAMPAIGN_EMAIL_PER_SECOND: "1000",
      JOBS_LOCK_MS: "3000",
      JOBS_STALLED_MS: "1000",
    });
    c = await consoleSession(t.url);
  });
  afterAll(async () => {
    await t?.stop();
    redis?.kill("SIGKILL");
    await sink?.close();
  });

  it("the watchdog queues the pending recipients again and the campaign completes, each once", { timeout: 120_000 }, async () => {
    await seed(t, c, 2000, "rr");
    await c.run('campaign new "Restart" segment:"tag:rr" channel:email message:"Hi {{first_name}}"');
    await c.run("campaign send K-1");
    await until(() => sink.messages.length >= 300, "300 messages", 60_000);
    redis.kill("SIGKILL");
    await new Promise((r) => redis.once("exit", r));
    const during = sink.messages.length;
    await new Promise((r) => setTimeout(r, 700));
    redis = await startRedis(port);
    const k = await until(
      async () => {
        const x = await t.app.db.prisma.campaign.findFirst({ where: { number: 1 } });
        return x?.status === "done" ? x : undefined;
      },
      `campaign done (sink ${sink.messages.length})`,
      90_000,
    );
    const r = await checkExactlyOnce(t, sink, k.id, 2000);
    expect(during).toBeLessThan(2000);
    expect(r.failed).toBe(0); // no worker died: nothing is in doubt
    expect(r.sent).toBe(2000);
  });
});
