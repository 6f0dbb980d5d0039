// Redis restarts (killed, started again empty on the same port) under two servers and two workers; no
// process restarts.
// 1. /readyz reports it while it is down, every process reconnects by itself, and queued work (channel
//    notifications through the deliver-slack queue, run by the workers) flows again.
// 2. A scheduled report whose tick falls while Redis is down: the tick's job and the job scheduler are gone
//    with it. On top of that, the worker that runs the caught-up tick is killed with -9 while it builds the
//    digest (a test transaction holds a lock on "Deal" so the digest waits; each worker has its own
//    application_name, so pg_stat_activity tells which one is waiting). The scheduler comes back, the missed
//    tick is posted exactly once (one post, one chart, one claim), and the next tick is planned for tomorrow.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import pg from "pg";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import type { FakeServer } from "../helpers/fakeHttp.ts";
import { SLACK_SECRET, SLACK_TOKEN, apiArgs, slashText, startFakeSlack } from "../helpers/slack.ts";
import { freePort, running, startProcess, startRedis, stopAll, stopRedis, until, type Proc } from "./cluster.ts";

let db: TestDb;
let fake: FakeServer;
let redisPort: number;
let redis: ChildProcess;
let locker: pg.Client | undefined;
const procs: Proc[] = [];
let servers: Proc[] = [];
let workers: Proc[] = [];
/** each worker's PostgreSQL application_name */
const APP = ["crm-chaos-w0", "crm-chaos-w1"];

beforeAll(async () => {
  db = await createTestDb();
  fake = await startFakeSlack();
  let file = 0;
  fake.on("POST", "/api/files.getUploadURLExternal", () => ({
    body: { ok: true, upload_url: `${fake.url}/upload/${++file}`, file_id: `F${file}` },
  }));
  fake.on("POST", /^\/upload\//, () => ({ body: "OK" }));
  fake.on("POST", "/api/files.completeUploadExternal", (r) => ({ body: { ok: true, files: JSON.parse((r.body as any).files) } }));
  redisPort = await freePort();
  redis = await startRedis(redisPort);
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    QUEUE_PREFIX: "crmchaos",
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_API_URL: `${fake.url}/api/`,
    DATABASE_POOL_SIZE: "4",
    JOBS_LOCK_MS: "1500",
    JOBS_STALLED_MS: "1000",
    REPORT_SYNC_MS: "1000",
  };
  [servers, workers] = await Promise.all([
    Promise.all([startProcess("server", env), startProcess("server", env)]),
    Promise.all(APP.map((name) => startProcess("worker", { ...env, PGAPPNAME: name }))),
  ]);
  procs.push(...servers, ...workers);
});
afterAll(async () => {
  await locker?.end().catch(() => undefined);
  await stopAll(procs);
  if (redis) await stopRedis(redis);
  await fake?.close();
  await db?.drop();
});

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));
const postsTo = (channel: string) => fake.requests.filter((r) => r.path === "/api/chat.postMessage" && apiArgs(r).channel === channel);
const uploadsTo = (channel: string) =>
  fake.requests.filter((r) => r.path === "/api/files.completeUploadExternal" && apiArgs(r).channel_id === channel);

describe("Redis restart with 2 servers and 2 workers", () => {
  it("reports it, reconnects by itself, and queued notifications flow again", async () => {
    expect(await slashText(servers[0].url!, "notify tickets <#C777|support>", fake)).toMatch(/C777|support/);
    expect(await slashText(servers[1].url!, "ticket new Before restart", fake)).toContain("T-1");
    await until("the first notification", async () => postsTo("C777").length >= 1, 20_000);

    await stopRedis(redis);
    for (const s of servers) {
      await until(
        `${s.url} reports redis down`,
        async () => {
          const r = await fetch(`${s.url}/readyz`);
          return r.status === 503 && ((await r.json()).down as string[]).includes("redis");
        },
        10_000,
      );
    }
    redis = await startRedis(redisPort); // empty: no persistence
    for (const s of servers) await until(`${s.url} ready again`, async () => (await fetch(`${s.url}/readyz`)).status === 200, 30_000, 250);

    const before = postsTo("C777").length;
    expect(await slashText(servers[0].url!, "ticket new After restart", fake)).toContain("T-2");
    await until("a notification after the restart", async () => postsTo("C777").length > before, 30_000, 200);
    expect(
      JSON.stringify(
        postsTo("C777")
          .slice(before)
          .map((r) => apiArgs(r)),
      ),
    ).toContain("T-2");
    for (const p of procs) expect(await running(p)).toBe(true);
  });
});

describe("a scheduled report firing while Redis restarts and its worker is killed (2 servers, 2 workers)", () => {
  it("is posted exactly once after recovery, without restarting any process", { timeout: 150_000 }, async () => {
    // the next whole minute (UTC) at least 6 s away
    let fire = Math.ceil((Date.now() + 1) / 60_000) * 60_000;
    if (fire - Date.now() < 6000) fire += 60_000;
    const hhmm = new Date(fire).toISOString().slice(11, 16);
    expect(await slashText(servers[0].url!, `report schedule daily ${hhmm}`, fake, { channel: "C0REP" })).toContain("Scheduled R-1");
    const row = await db.db.prisma.reportSchedule.findFirstOrThrow({ where: { channelId: "C0REP" } });

    // just before the tick: the digest will wait on "Deal", and Redis goes away (taking the tick's job with it)
    await sleepUntil(fire - 3000);
    locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query('LOCK TABLE "Deal" IN ACCESS EXCLUSIVE MODE');
    await stopRedis(redis);
    await sleepUntil(fire + 2000);
    expect(postsTo("C0REP")).toHaveLength(0);
    redis = await startRedis(redisPort); // empty

    // the schedulers come back from the rows and the missed tick runs: find the worker waiting in its digest
    const waiting = await until(
      "a worker building the missed report",
      async () => {
        const { rows } = await locker!.query<{ app: string }>(
          "SELECT application_name AS app FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = ANY($1)",
          [APP],
        );
        return rows[0]?.app;
      },
      30_000,
      50,
    ).catch((e) => {
      for (const w of workers) console.error(w.out().slice(-6000));
      throw e;
    });
    const victim = workers[APP.indexOf(waiting)];
    victim.kill("SIGKILL");
    expect(await victim.exited).toBeNull();
    await locker.query("COMMIT");
    await locker.end();
    locker = undefined;

    // the other worker takes the stalled tick over and posts it, once
    await until("the report", async () => postsTo("C0REP").length > 0, 30_000, 100);
    await until("its chart", async () => uploadsTo("C0REP").length > 0, 20_000, 100);
    await new Promise((r) => setTimeout(r, 3000));
    expect(postsTo("C0REP")).toHaveLength(1);
    expect(uploadsTo("C0REP")).toHaveLength(1);
    expect(JSON.stringify(apiArgs(postsTo("C0REP")[0]).blocks)).toContain("Scheduled report R-1");
    const tickKey = `report:${row.id}:${new Date(fire).toISOString()}`;
    expect(await db.db.prisma.notification.count({ where: { dedupeKey: { startsWith: `report:${row.id}:` } } })).toBe(1);
    expect(await db.db.prisma.notification.count({ where: { dedupeKey: tickKey } })).toBe(1);
    const survivor = workers.find((w) => w !== victim)!;
    expect(survivor.out()).toMatch(/"result":"posted"[^\n]*"msg":"scheduled report"/);

    // and the next tick is planned: tomorrow at the same time
    const next = new Date(fire + 86_400_000).toISOString().slice(0, 16).replace("T", " ");
    expect(await slashText(servers[1].url!, "report list", fake, { channel: "C0REP" })).toContain(`next ${next} UTC`);
    for (const p of procs.filter((p) => p !== victim)) expect(await running(p)).toBe(true);
  });
});
