// kill -9 a worker in the middle of an SLA escalation, with 2 servers and 2 workers on one database and
// one Redis prefix: the other worker takes the stalled delivery over and every notice goes out exactly
// once. Each worker talks to its own fake Slack, so we know which one holds the delivery and kill that one.
// (test/sla.worker.test.ts covers the same with an in-process server and a replacement worker.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { deleteKeys, testPrefix } from "../helpers/redis.ts";
import type { FakeServer, RecordedRequest } from "../helpers/fakeHttp.ts";
import { SLACK_SECRET, SLACK_TOKEN, apiArgs, slashText, startFakeSlack } from "../helpers/slack.ts";
import { startProcess, stopAll, until, type Proc } from "./cluster.ts";

let db: TestDb;
let prefix: string;
let fakeServers: FakeServer;
const fakes: FakeServer[] = [];
const procs: Proc[] = [];
let servers: Proc[] = [];
let workers: Proc[] = [];
const hangFor = new Set<string>();
const held: (() => void)[] = [];
let deliveries: Queue;
let redis: Redis;

async function fakeSlack(): Promise<FakeServer> {
  const f = await startFakeSlack();
  f.on("POST", "/api/conversations.open", async (r) => {
    const user = String(apiArgs(r).users);
    if (hangFor.has(user)) await new Promise<void>((res) => { held.push(res); setTimeout(res, 20_000); });
    return { body: { ok: true, channel: { id: `D${user}` } } };
  });
  return f;
}

beforeAll(async () => {
  db = await createTestDb();
  prefix = testPrefix();
  fakeServers = await fakeSlack();
  fakes.push(fakeServers, await fakeSlack(), await fakeSlack());
  const env = (fake: FakeServer) => ({ DATABASE_URL: db.url, REDIS_URL: inject("redisUrl"), QUEUE_PREFIX: prefix,
    SLACK_SIGNING_SECRET: SLACK_SECRET, SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_API_URL: `${fake.url}/api/`, JOBS_LOCK_MS: "1000", JOBS_STALLED_MS: "1000" });
  [servers, workers] = await Promise.all([
    Promise.all([startProcess("server", env(fakeServers)), startProcess("server", env(fakeServers))]),
    Promise.all([startProcess("worker", env(fakes[1])), startProcess("worker", env(fakes[2]))]),
  ]);
  procs.push(...servers, ...workers);
  redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
  deliveries = new Queue("deliver-slack", { connection: redis, prefix });
});
afterAll(async () => {
  for (const release of held) release();
  await stopAll(procs);
  await deliveries?.close();
  redis?.disconnect();
  for (const f of fakes) await f.close();
  await db?.drop();
  await deleteKeys(prefix);
});

const crm = (text: string, i = 0) => slashText(servers[i % 2].url!, text, fakeServers);
const all = (path: string): RecordedRequest[] => fakes.flatMap((f) => f.requests.filter((r) => r.path === path));
const text = (r: RecordedRequest) => String(apiArgs(r).text ?? "");
const sent = (channel: string, match: RegExp) => all("/api/chat.postMessage").filter((r) => apiArgs(r).channel === channel && match.test(text(r)));

describe("kill -9 a worker during an SLA escalation (2 servers, 2 workers)", () => {
  it("each notice goes out exactly once", async () => {
    await crm("notify tickets <#CTICKETS|tickets>");
    await crm("sla set urgent first:1s resolve:30s", 1);
    expect(await crm(`ticket new "Payments failing" priority:urgent assign:<@W201>`)).toContain("T-1");
    await until("the assignment DM", async () => sent("DW201", /T-1 is assigned to you/).length > 0, 20_000, 25);
    // Slack now hangs on opening a DM to W201: the warning (at 80 % of the target) and the breach DM both go to
    // W201, so whichever came first sits active in one worker (the other may sit in either); each must go out once
    hangFor.add("W201");
    const opensBefore = fakes.map((f) => f.requests.filter((r) => r.path === "/api/conversations.open").length);
    const holder = await until("the breach DM in flight", async () => {
      const i = fakes.findIndex((f, k) => k > 0 && f.requests.filter((r) => r.path === "/api/conversations.open").slice(opensBefore[k]).some((r) => apiArgs(r).users === "W201"));
      return i > 0 ? workers[i - 1] : undefined;
    }, 20_000, 25);
    await until("the breach channel post", async () => sent("CTICKETS", /SLA breached: T-1/).length > 0, 20_000, 25);
    // kill once the channel post's job is done too, so only DMs are in flight: a worker killed between Slack's
    // answer and BullMQ marking the job done posts again (the window escalation.ts documents)
    await until("the channel post's job done", async () => !(await deliveries.getActive()).some((j) => j.data.target?.channelId === "CTICKETS"), 10_000, 25);
    holder.kill("SIGKILL");
    expect(await holder.exited).toBeNull(); // killed by the signal
    hangFor.delete("W201");

    await until("the recovered breach DM", async () => sent("DW201", /SLA breached: T-1 first response/).length > 0, 30_000, 50);
    await until("level 2", async () => sent("DW111", /Escalated to level 2: T-1/).length > 0, 30_000, 50);
    await new Promise((r) => setTimeout(r, 1500));
    expect(sent("DW201", /SLA breached: T-1 first response/)).toHaveLength(1);
    expect(sent("CTICKETS", /SLA breached: T-1 first response/)).toHaveLength(1);
    expect(sent("DW111", /Escalated to level 2: T-1/)).toHaveLength(1);
    const toAgent = sent("DW201", /./).map(text);
    expect(new Set(toAgent).size).toBe(toAgent.length);
    const ticket = await db.db.prisma.ticket.findFirstOrThrow({ where: { number: 1 } });
    expect(ticket).toMatchObject({ escalationLevel: 2, breached: true });
    // the servers and the surviving worker kept running
    for (const p of procs.filter((p) => p !== holder)) expect(await Promise.race([p.exited, Promise.resolve("running")])).toBe("running");
  });
});
