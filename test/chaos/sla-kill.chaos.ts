// kill -9 a worker in the middle of an SLA escalation, with 2 servers and 2 workers on one database and
// one Redis prefix: the other worker takes the stalled delivery over and every notice goes out exactly
// once. Each worker has its own bot token, so the fake Slack (one for all: a response_url is only followed
// on SLACK_API_URL's host) tells which worker holds the delivery, and we kill that one.
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
const WORKER_TOKENS = ["xoxb-chaos-worker-1", "xoxb-chaos-worker-2"];
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
    if (hangFor.has(user))
      await new Promise<void>((res) => {
        held.push(res);
        setTimeout(res, 20_000);
      });
    return { body: { ok: true, channel: { id: `D${user}` } } };
  });
  return f;
}

beforeAll(async () => {
  db = await createTestDb();
  prefix = testPrefix();
  fakeServers = await fakeSlack();
  const env = (token: string) => ({
    DATABASE_URL: db.url,
    REDIS_URL: inject("redisUrl"),
    QUEUE_PREFIX: prefix,
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    SLACK_BOT_TOKEN: token,
    SLACK_API_URL: `${fakeServers.url}/api/`,
    JOBS_LOCK_MS: "1000",
    JOBS_STALLED_MS: "1000",
  });
  [servers, workers] = await Promise.all([
    Promise.all([startProcess("server", env(SLACK_TOKEN)), startProcess("server", env(SLACK_TOKEN))]),
    Promise.all(WORKER_TOKENS.map((token) => startProcess("worker", env(token)))),
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
  await fakeServers?.close();
  await db?.drop();
  await deleteKeys(prefix);
});

const crm = (text: string, i = 0) => slashText(servers[i % 2].url!, text, fakeServers);
const all = (path: string): RecordedRequest[] => fakeServers.requests.filter((r) => r.path === path);
const text = (r: RecordedRequest) => String(apiArgs(r).text ?? "");
const sent = (channel: string, match: RegExp) =>
  all("/api/chat.postMessage").filter((r) => apiArgs(r).channel === channel && match.test(text(r)));

describe("kill -9 a worker during an SLA escalation (2 servers, 2 workers)", () => {
  it("each notice goes out exactly once", async () => {
    await crm("notify tickets <#CTICKETS|tickets>");
    await crm("sla set urgent first:1s resolve:30s", 1);
    await crm("role <@W201> agent"); // a mention does not make a member: the admin adds the assignee
    expect(await crm(`ticket new "Payments failing" priority:urgent assign:<@W201>`)).toContain("T-1");
    await until("the assignment DM", async () => sent("DW201", /T-1 is assigned to you/).length > 0, 20_000, 25);
    // Slack now hangs on opening a DM to W201: the warning (at 80 % of the target) and the breach DM both go to
    // W201, so whichever came first sits active in one worker (the other may sit in either); each must go out once
    hangFor.add("W201");
    const opensBefore = all("/api/conversations.open").length;
    const holder = await until(
      "the breach DM in flight",
      async () => {
        const open = all("/api/conversations.open")
          .slice(opensBefore)
          .find((r) => apiArgs(r).users === "W201");
        const i = open ? WORKER_TOKENS.findIndex((token) => open.headers.authorization === `Bearer ${token}`) : -1;
        return i >= 0 ? workers[i] : undefined;
      },
      20_000,
      25,
    );
    await until("the breach channel post", async () => sent("CTICKETS", /SLA breached: T-1/).length > 0, 20_000, 25);
    // kill once the channel post's job is done too, so only DMs are in flight: a worker killed between Slack's
    // answer and BullMQ marking the job done posts again (the window escalation.ts documents)
    await until(
      "the channel post's job done",
      async () => !(await deliveries.getActive()).some((j) => j.data.target?.channelId === "CTICKETS"),
      10_000,
      25,
    );
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
