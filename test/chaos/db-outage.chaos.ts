// The network to the database is cut under two servers and two workers (the processes reach the shared
// PostgreSQL through a TCP proxy that refuses new connections and drops open ones; a real crash and restart
// of PostgreSQL is postgres-restart.chaos.ts): commands answer a short "try again" inside 3 s on the console
// API and on Slack (ack or response_url), /readyz says database, and once the proxy is back everything works
// again without restarting any process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { deleteKeys, testPrefix } from "../helpers/redis.ts";
import type { FakeServer } from "../helpers/fakeHttp.ts";
import { SLACK_SECRET, SLACK_TOKEN, slash, startFakeSlack } from "../helpers/slack.ts";
import {
  consoleRun,
  consoleWorkspace,
  expectDatabaseAway,
  running,
  startProcess,
  startProxy,
  stopAll,
  until,
  type Proc,
  type Proxy,
} from "./cluster.ts";

let db: TestDb;
let proxy: Proxy;
let fake: FakeServer;
let prefix: string;
const procs: Proc[] = [];
let servers: Proc[] = [];

beforeAll(async () => {
  db = await createTestDb();
  prefix = testPrefix();
  fake = await startFakeSlack();
  proxy = await startProxy(Number(new URL(db.url).port || 5432), new URL(db.url).hostname);
  const viaProxy = new URL(db.url);
  viaProxy.port = String(proxy.port);
  const env = {
    DATABASE_URL: viaProxy.toString(),
    REDIS_URL: inject("redisUrl"),
    QUEUE_PREFIX: prefix,
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_API_URL: `${fake.url}/api/`,
    DATABASE_POOL_SIZE: "4",
  };
  const started = await Promise.all([
    startProcess("server", env),
    startProcess("server", env),
    startProcess("worker", env),
    startProcess("worker", env),
  ]);
  procs.push(...started);
  servers = started.filter((p) => p.role === "server");
});
afterAll(async () => {
  await stopAll(procs);
  await proxy?.close();
  await fake?.close();
  await db?.drop();
  await deleteKeys(prefix);
});

describe("network to the database cut (TCP proxy) with 2 servers and 2 workers", () => {
  it("answers 'try again' within 3 s while it is down and recovers without a restart", async () => {
    const { wsId, adminId } = await consoleWorkspace(servers[0].url!, "Chaos Co");
    expect((await consoleRun(servers[1].url!, wsId, adminId, "contact add Before Cut")).kind).toBe("ok");
    expect(await (await slash(servers[0].url!, "contact add Slack Before", fake)).text()).toContain("C-");

    await proxy.cut();
    await expectDatabaseAway(servers, { wsId, adminId }, fake, "Cut");

    await proxy.restore();
    for (const s of servers) {
      await until(`${s.url} ready again`, async () => (await fetch(`${s.url}/readyz`)).status === 200, 20_000);
      await until(
        "a command that works",
        async () => (await consoleRun(s.url!, wsId, adminId, `contact add After ${s.url!.slice(-5)}`)).kind === "ok",
        20_000,
        250,
      );
      expect(await (await slash(s.url!, "contact find Before", fake)).text()).toContain("Slack Before"); // the Slack team is its own workspace
    }
    // no process died or was restarted
    for (const p of procs) expect(await running(p)).toBe(true);
    // nothing written while it was down
    const names = (await db.db.prisma.contact.findMany({ select: { name: true } })).map((c) => c.name);
    expect(names.filter((n) => n.includes("During"))).toEqual([]);
  });
});
