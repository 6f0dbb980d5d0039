// PostgreSQL crashes and comes back, for real, under two servers and two workers: a private cluster
// (./postgres.ts, not the shared server) is stopped with `pg_ctl stop -m immediate` and started again on
// the same port. While it is down commands answer a short "try again" inside 3 s on the console API and
// on Slack, /readyz says database; an SLA timer that falls due during the outage is retried and its
// notice goes out once afterwards; once it is back writes work on both servers and workers run jobs that
// need the database again, all without restarting any process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { openDatabase, type OpenedDb } from "../../src/db/client.ts";
import { applyMigrations } from "../../src/db/migrate.ts";
import { deleteKeys, testPrefix } from "../helpers/redis.ts";
import type { FakeServer } from "../helpers/fakeHttp.ts";
import { SLACK_SECRET, SLACK_TOKEN, apiArgs, slashText, startFakeSlack } from "../helpers/slack.ts";
import { consoleRun, consoleWorkspace, expectDatabaseAway, running, startProcess, stopAll, until, type Proc } from "./cluster.ts";
import { startPgCluster, type PgCluster } from "./postgres.ts";

let pgc: PgCluster;
let db: OpenedDb;
let fake: FakeServer;
let prefix: string;
const procs: Proc[] = [];
let servers: Proc[] = [];

beforeAll(async () => {
  pgc = await startPgCluster();
  const url = pgc.url("crm_chaos");
  await applyMigrations({ kind: "postgres", url });
  db = await openDatabase({ databaseUrl: url, dataDir: "unused", migrate: false });
  prefix = testPrefix();
  fake = await startFakeSlack();
  const env = {
    DATABASE_URL: url,
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
  await fake?.close();
  await db?.close().catch(() => undefined);
  await pgc?.destroy();
  if (prefix) await deleteKeys(prefix);
});

const posts = (channel: string, match: RegExp) =>
  fake.requests.filter(
    (r) => r.path === "/api/chat.postMessage" && apiArgs(r).channel === channel && match.test(String(apiArgs(r).text ?? "")),
  );

describe("PostgreSQL crash and restart (private cluster) with 2 servers and 2 workers", () => {
  it("answers 'try again' within 3 s while it is down, loses no notice, and recovers without a restart", async () => {
    const { wsId, adminId } = await consoleWorkspace(servers[0].url!, "Chaos PG Co");
    expect((await consoleRun(servers[1].url!, wsId, adminId, "contact add Before Crash")).kind).toBe("ok");
    expect(await slashText(servers[0].url!, "contact add Slack Before", fake)).toContain("C-");
    expect(await slashText(servers[0].url!, "notify tickets <#CPGT|tickets>", fake)).toMatch(/CPGT|tickets/);
    expect(await slashText(servers[1].url!, "sla set urgent first:3s resolve:1h", fake)).toMatch(/urgent/i);
    // its first-response timer falls due while the database is down
    expect(await slashText(servers[0].url!, 'ticket new "Crash pending" priority:urgent', fake)).toContain("T-1");

    await pgc.stop("immediate"); // a crash: every backend is killed, no checkpoint
    const downAt = Date.now();
    await expectDatabaseAway(servers, { wsId, adminId }, fake, "Crash");
    // stay down until the SLA timer has fired (and failed) at least once
    await new Promise((r) => setTimeout(r, Math.max(0, downAt + 5000 - Date.now())));
    expect(posts("CPGT", /SLA breached: T-1/)).toHaveLength(0);
    expect(procs.filter((p) => p.role === "worker").some((w) => /"queue":"sla"[^\n]*"msg":"job failed"/.test(w.out()))).toBe(true); // it ran and failed

    await pgc.start(); // same port, crash recovery
    for (const s of servers) {
      await until(`${s.url} ready again`, async () => (await fetch(`${s.url}/readyz`)).status === 200, 20_000);
      await until(
        `a write on ${s.url}`,
        async () => (await consoleRun(s.url!, wsId, adminId, `contact add After ${s.url!.slice(-5)}`)).kind === "ok",
        20_000,
        250,
      );
      expect(await slashText(s.url!, "contact find Before", fake)).toContain("Slack Before"); // the Slack team is its own workspace
    }
    expect(await slashText(servers[1].url!, 'ticket new "After restart" priority:urgent', fake)).toContain("T-2");
    // workers: the timer that failed during the outage is retried, the new one fires; each notice once
    await until("the retried breach notice", async () => posts("CPGT", /SLA breached: T-1/).length > 0, 30_000, 100);
    await until("the new breach notice", async () => posts("CPGT", /SLA breached: T-2/).length > 0, 30_000, 100);
    await new Promise((r) => setTimeout(r, 1500));
    expect(posts("CPGT", /SLA breached: T-1/)).toHaveLength(1);
    expect(posts("CPGT", /SLA breached: T-2/)).toHaveLength(1);

    for (const p of procs) expect(await running(p)).toBe(true);
    const names = (await db.prisma.contact.findMany({ select: { name: true } })).map((c) => c.name);
    expect(names.filter((n) => n.includes("During"))).toEqual([]);
    expect(names.filter((n) => n.startsWith("After"))).toHaveLength(2);
  });
});
