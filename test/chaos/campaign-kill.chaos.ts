// kill -9 a worker in the middle of an email campaign, with 2 servers and 2 workers on one database and one
// Redis prefix. Each worker sends through its own SMTP sink, so we see that the one we kill is sending when
// it dies; the other worker takes its stalled send jobs over (no replacement is started). Counted
// per address across all sinks: nobody gets the email twice; every recipient recorded `sent` got it exactly
// once; the only ones not sent are those the killed worker had in flight (at most its concurrency × 2 waves),
// recorded as failed "unknown" rather than sent again; the campaign completes. (test/campaign.crash.test.ts
// does the same with one worker restarted.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { deleteKeys, testPrefix } from "../helpers/redis.ts";
import { startSmtpSink, type SmtpSink } from "../campaign.sink.ts";
import { consoleRun, consoleWorkspace, running, startProcess, stopAll, until, type Proc } from "./cluster.ts";

const N = 3000;
/** recipients one worker has in doubt at most: 4 email send jobs (concurrency) × 2 waves of 16 (one being sent, one
 * whose `sent` rides on the next claim, or that claim's wave) */
const IN_FLIGHT = 4 * 2 * 16;
const MAIL = {
  MAIL_FROM: "Acme <news@acme.test>",
  PUBLIC_URL: "https://crm.example.com",
  ENCRYPTION_KEY: "chaos-test-encryption-key-0123456789abcdef",
};

let db: TestDb;
let prefix: string;
const sinks: SmtpSink[] = [];
const procs: Proc[] = [];
let servers: Proc[] = [];
let workers: Proc[] = [];

beforeAll(async () => {
  db = await createTestDb();
  prefix = testPrefix();
  for (let i = 0; i < 2; i++) sinks.push(await startSmtpSink());
  const env = (sink: SmtpSink) => ({
    DATABASE_URL: db.url,
    REDIS_URL: inject("redisUrl"),
    QUEUE_PREFIX: prefix,
    SMTP_URL: sink.url,
    ...MAIL,
    CAMPAIGN_EMAIL_PER_SECOND: "1000",
    CAMPAIGN_WATCHDOG_MS: "500",
    CAMPAIGN_STALE_MS: "3000",
    CAMPAIGN_PROGRESS_MS: "500",
    JOBS_LOCK_MS: "3000",
    JOBS_STALLED_MS: "1000",
  });
  [servers, workers] = await Promise.all([
    Promise.all([startProcess("server", env(sinks[0])), startProcess("server", env(sinks[0]))]),
    Promise.all([startProcess("worker", env(sinks[0])), startProcess("worker", env(sinks[1]))]),
  ]);
  procs.push(...servers, ...workers);
});
afterAll(async () => {
  await stopAll(procs);
  for (const s of sinks) await s.close();
  await db?.drop();
  if (prefix) await deleteKeys(prefix);
});

const delivered = () => sinks.reduce((n, s) => n + s.messages.length, 0);

describe("kill -9 a worker during a campaign (2 servers, 2 workers)", () => {
  it("every recipient is sent once or accounted for, nobody twice, and the campaign completes", async () => {
    const t0 = Date.now();
    const { wsId, adminId } = await consoleWorkspace(servers[0].url!, "Chaos Mail Co");
    await db.db.prisma.$executeRaw`
      INSERT INTO "Contact" ("id", "workspaceId", "number", "name", "email", "tags", "updatedAt")
      SELECT gen_random_uuid()::text, ${wsId}, g, 'Person ' || g, 'chaos' || g || '@x.test', ARRAY['chaos']::text[], now()
      FROM generate_series(1, ${N}) g`;
    const made = await consoleRun(
      servers[0].url!,
      wsId,
      adminId,
      'campaign new "Chaos" segment:"tag:chaos" channel:email message:"Hi {{first_name}}"',
    );
    expect(made.plain).toContain(`${N} (${N} reachable by email)`);
    expect((await consoleRun(servers[1].url!, wsId, adminId, "campaign send K-1")).plain).toContain("is sending");

    // both workers are sending; kill the first while its sink is still receiving (its send jobs are active)
    const [victim, victimSink] = [workers[0], sinks[0]];
    await until("both workers sending", async () => sinks[0].messages.length >= 200 && sinks[1].messages.length >= 200, 60_000, 20);
    const before = victimSink.messages.length;
    await until("the victim still sending", async () => victimSink.messages.length > before, 5_000, 10);
    victim.kill("SIGKILL");
    expect(await victim.exited).toBeNull(); // killed by the signal
    const atKill = delivered();
    const killedAt = Date.now() - t0;
    const otherAtKill = sinks[1].messages.length;
    expect(atKill).toBeLessThan(N);

    const k = await until(
      "the campaign done",
      async () => {
        const c = await db.db.prisma.campaign.findFirst({ where: { workspaceId: wsId, number: 1 } });
        return c?.status === "done" ? c : undefined;
      },
      90_000,
      200,
    );
    const doneAt = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 1000)); // nothing arrives late

    const rows = await db.db.prisma.campaignRecipient.findMany({
      where: { campaignId: k.id },
      include: { contact: { select: { email: true } } },
    });
    expect(rows).toHaveLength(N);
    const count = new Map<string, number>();
    for (const s of sinks) for (const m of s.messages) for (const to of m.to) count.set(to, (count.get(to) ?? 0) + 1);
    expect([...count.values()].filter((n) => n > 1)).toEqual([]); // 0 duplicates, across all sinks
    const known = new Set(rows.map((r) => r.contact.email));
    expect([...count.keys()].filter((a) => !known.has(a))).toEqual([]);
    const sent = rows.filter((r) => r.status === "sent");
    const failed = rows.filter((r) => r.status === "failed");
    expect(sent.length + failed.length).toBe(N);
    expect(sent.filter((r) => count.get(r.contact.email!) !== 1)).toEqual([]); // sent ⇒ delivered exactly once
    for (const r of failed) expect(r.error).toMatch(/^unknown: /);
    expect(failed.length).toBeLessThanOrEqual(IN_FLIGHT); // only what the killed worker had in flight
    // the rest went out through the survivor
    expect(sinks[1].messages.length - otherAtKill).toBeGreaterThanOrEqual(N - atKill - IN_FLIGHT);
    const status = await consoleRun(servers[0].url!, wsId, adminId, "campaign status K-1");
    expect(status.kind).toBe("ok");
    for (const p of procs.filter((p) => p !== victim)) expect(await running(p)).toBe(true);
    console.info(
      `campaign kill: killed at ${killedAt} ms with ${atKill} delivered, done at ${doneAt} ms; ${sent.length} sent, ${failed.length} failed "unknown" (${failed.filter((r) => count.has(r.contact.email!)).length} of those did arrive); 0 duplicates; sinks ${sinks.map((s) => s.messages.length).join("/")}`,
    );
  });
});
