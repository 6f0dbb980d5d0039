// Redis restarts (killed, started again empty on the same port) under two servers and two workers:
// /readyz reports it while it is down, every process reconnects by itself, and queued work (channel
// notifications through the deliver-slack queue, run by the workers) flows again. No process restarts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import type { FakeServer } from "../helpers/fakeHttp.ts";
import { SLACK_SECRET, SLACK_TOKEN, apiArgs, slashText, startFakeSlack } from "../helpers/slack.ts";
import { freePort, startProcess, startRedis, stopAll, stopRedis, until, type Proc } from "./cluster.ts";

let db: TestDb;
let fake: FakeServer;
let redisPort: number;
let redis: ChildProcess;
const procs: Proc[] = [];
let servers: Proc[] = [];

beforeAll(async () => {
  db = await createTestDb();
  fake = await startFakeSlack();
  redisPort = await freePort();
  redis = await startRedis(redisPort);
  const env = { DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${redisPort}`, QUEUE_PREFIX: "crmchaos",
    SLACK_SIGNING_SECRET: SLACK_SECRET, SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_API_URL: `${fake.url}/api/`, DATABASE_POOL_SIZE: "4" };
  const started = await Promise.all([startProcess("server", env), startProcess("server", env), startProcess("worker", env), startProcess("worker", env)]);
  procs.push(...started);
  servers = started.filter((p) => p.role === "server");
});
afterAll(async () => {
  await stopAll(procs);
  if (redis) await stopRedis(redis);
  await fake?.close();
  await db?.drop();
});

const postsTo = (channel: string) => fake.requests.filter((r) => r.path === "/api/chat.postMessage" && apiArgs(r).channel === channel);

describe("Redis restart with 2 servers and 2 workers", () => {
  it("reports it, reconnects by itself, and queued notifications flow again", async () => {
    expect(await slashText(servers[0].url!, "notify tickets <#C777|support>", fake)).toMatch(/C777|support/);
    expect(await slashText(servers[1].url!, "ticket new Before restart", fake)).toContain("T-1");
    await until("the first notification", async () => postsTo("C777").length >= 1, 20_000);

    await stopRedis(redis);
    for (const s of servers) {
      await until(`${s.url} reports redis down`, async () => {
        const r = await fetch(`${s.url}/readyz`);
        return r.status === 503 && ((await r.json()).down as string[]).includes("redis");
      }, 10_000);
    }
    redis = await startRedis(redisPort); // empty: no persistence
    for (const s of servers) await until(`${s.url} ready again`, async () => (await fetch(`${s.url}/readyz`)).status === 200, 30_000, 250);

    const before = postsTo("C777").length;
    expect(await slashText(servers[0].url!, "ticket new After restart", fake)).toContain("T-2");
    await until("a notification after the restart", async () => postsTo("C777").length > before, 30_000, 200);
    expect(JSON.stringify(postsTo("C777").slice(before).map((r) => apiArgs(r)))).toContain("T-2");
    for (const p of procs) expect(await Promise.race([p.exited, Promise.resolve("running")])).toBe("running");
  });
});
