// Scaled deployment: the HTTP server runs without workers and `npm start -- --role=worker` runs as child
// processes against the same Postgres and Redis. A worker killed with SIGKILL mid-escalation loses nothing
// and sends nothing twice once another worker takes over; SIGTERM lets the active job finish first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer, RecordedRequest } from "./helpers/fakeHttp.ts";
import { apiArgs, slackEnv, slashText, startFakeSlack, type Who } from "./helpers/slack.ts";
import { until as untilDone } from "./helpers/until.ts";
import { startWorkerProcess, type WorkerProcess } from "./helpers/workerProcess.ts";

// the worker's own process group (tsx runs the app in a child node process): SIGKILL reaches both
const startWorker = (env: Record<string, string>): WorkerProcess => startWorkerProcess(env, "sla timers worker started");

let t: TestApp;
let fake: FakeServer;

/** /crm over Slack → the text of its answer (ack body or response_url) */
const crm = (text: string, who: Who = {}) => slashText(t.url, text, fake, who);
let workerEnv: Record<string, string>;
const running: WorkerProcess[] = [];
/** DMs to these users hang at conversations.open (a slow Slack) until released */
const hangFor = new Set<string>();
let slowPostMs = 0;
const held: (() => void)[] = [];

beforeAll(async () => {
  fake = await startFakeSlack();
  fake.on("POST", "/api/conversations.open", async (r) => {
    const user = String(apiArgs(r).users);
    if (hangFor.has(user))
      await new Promise<void>((res) => {
        held.push(res);
        setTimeout(res, 20_000);
      });
    return { body: { ok: true, channel: { id: `D${user}` } } };
  });
  fake.on("POST", "/api/chat.postMessage", async (r) => {
    if (slowPostMs && apiArgs(r).channel === "CSLOW") await new Promise((res) => setTimeout(res, slowPostMs));
    return { body: { ok: true, channel: apiArgs(r).channel, ts: `${Date.now() / 1000}` } };
  });
  // the HTTP server only: every job below runs in a child worker process
  t = await startTestApp(slackEnv(fake), { role: "server" });
  workerEnv = {
    ...slackEnv(fake),
    DATABASE_URL: t.testDb.url,
    REDIS_URL: inject("redisUrl"),
    QUEUE_PREFIX: t.prefix,
    JOBS_LOCK_MS: "1000",
    JOBS_STALLED_MS: "1000",
    LOG_LEVEL: "info",
  };
  for (const cmd of [
    "notify tickets <#CTICKETS|tickets>",
    "sla set urgent first:1s resolve:30s",
    ...["W200", "W201", "W202"].map((u) => `role <@${u}> agent`),
  ])
    await crm(cmd);
}, 60_000);
afterAll(async () => {
  for (const w of running) w.kill("SIGKILL");
  for (const release of held) release();
  await t.stop();
  await fake.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (r: RecordedRequest) => String(apiArgs(r).text ?? "");
const sent = (channel: string, match: RegExp) =>
  fake.calls("/api/chat.postMessage").filter((r) => apiArgs(r).channel === channel && match.test(text(r)));
const until = <T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 30_000) =>
  untilDone(what, fn, {
    ms,
    stepMs: 25,
    seen: () =>
      fake
        .calls("/api/chat.postMessage")
        .map((r) => `${apiArgs(r).channel}: ${text(r)}`)
        .join(" | "),
  });
const spawnWorker = async () => {
  const w = startWorker(workerEnv);
  running.push(w);
  await w.ready;
  return w;
};

describe("npm start -- --role=worker", () => {
  it("a worker-only process runs the SLA timers the server schedules", async () => {
    const w = await spawnWorker();
    expect(w.out()).not.toContain("http server listening");
    expect(await crm(`ticket new "Dashboard down" priority:urgent assign:<@W200>`)).toContain("Opened T-1");
    const opened = (await t.app.db.prisma.ticket.findFirstOrThrow({ where: { number: 1 } })).createdAt.getTime();
    await until("the assignment DM", () => sent("DW200", /T-1 is assigned to you/).length);
    const breach = await until("the breach", () => sent("CTICKETS", /SLA breached: T-1 first response/)[0]);
    expect(breach.at - opened).toBeGreaterThanOrEqual(1000);
    await until("the breach DM", () => sent("DW200", /SLA breached: T-1/).length);
    await crm("ticket resolve T-1");
  });

  it("a worker killed with SIGKILL mid-escalation: after another worker recovers it, each notice went out exactly once", async () => {
    const first = running[0];
    await crm(`ticket new "Payments failing" priority:urgent assign:<@W201>`);
    await until("the assignment DM", () => sent("DW201", /T-2 is assigned to you/).length);
    // from now on Slack hangs on opening the DM to W201: the breach DM delivery sits active in the first worker
    hangFor.add("W201");
    const opensBefore = fake.calls("/api/conversations.open").length;
    await until("the breach DM in flight", () =>
      fake
        .calls("/api/conversations.open")
        .slice(opensBefore)
        .some((r) => apiArgs(r).users === "W201"),
    );
    await until("the breach channel post", () => sent("CTICKETS", /SLA breached: T-2/).length);
    await sleep(300);
    expect((await t.app.jobs.queue("deliver-slack").getActive()).length).toBeGreaterThanOrEqual(1);
    first.kill("SIGKILL");
    expect(await first.exited).toBeNull(); // killed by the signal, no clean-up ran
    hangFor.delete("W201");

    await spawnWorker();
    // the stalled delivery goes back to the queue once its 1 s lock lapses, and the new worker sends it
    await until("the recovered breach DM", () => sent("DW201", /SLA breached: T-2 first response/).length, 20_000);
    // level 2 (no managers here, so the admin) also fires once, on whichever worker was alive
    await until("level 2", () => sent("DW111", /Escalated to level 2: T-2/).length, 20_000);
    await sleep(1500);
    expect(sent("DW201", /SLA breached: T-2 first response/)).toHaveLength(1);
    // every DM to W201 (assignment, maybe the warning, the breach) arrived once, though some were attempted
    // twice: by the killed worker (a request never answered) and again after the recovery
    const toAgent = sent("DW201", /./).map(text);
    expect(new Set(toAgent).size).toBe(toAgent.length);
    expect(
      fake
        .calls("/api/conversations.open")
        .slice(opensBefore)
        .filter((r) => apiArgs(r).users === "W201").length,
    ).toBeGreaterThanOrEqual(2);
    expect(sent("CTICKETS", /SLA breached: T-2 first response/)).toHaveLength(1);
    expect(sent("DW111", /Escalated to level 2: T-2/)).toHaveLength(1);
    const ticket = await t.app.db.prisma.ticket.findFirstOrThrow({ where: { number: 2 } });
    expect(ticket).toMatchObject({ escalationLevel: 2, breached: true });
    const claims = await t.app.db.prisma.notification.count({ where: { dedupeKey: { startsWith: `sla:${ticket.id}:first:breach` } } });
    expect(claims).toBe(1);
    expect(await t.app.jobs.queue("deliver-slack").getFailedCount()).toBe(0);
    await crm("ticket resolve T-2");
  });

  it("SIGTERM lets the active job finish (not handed back, not sent twice) and exits 0", async () => {
    const w = running[running.length - 1];
    await crm("notify escalations <#CSLOW|slow>");
    slowPostMs = 1500;
    await crm(`ticket new "Login loop" priority:low assign:<@W202>`);
    await crm("ticket escalate T-3 customer waiting");
    await crm("ticket escalate T-3 still waiting"); // level 2 → the escalations channel (slow)
    const arrived = await until("the slow post", () => fake.calls("/api/chat.postMessage").find((r) => apiArgs(r).channel === "CSLOW"));
    const stopping = Date.now();
    w.kill("SIGTERM");
    expect(await w.exited).toBe(0);
    expect(Date.now() - stopping).toBeGreaterThanOrEqual(1500 - (stopping - arrived.at) - 100);
    expect(w.out()).toContain("shutting down");
    const q = t.app.jobs.queue("deliver-slack");
    expect(await q.getActiveCount()).toBe(0);
    expect(await q.getWaitingCount()).toBe(0);
    expect(await q.getFailedCount()).toBe(0);
    expect(sent("CSLOW", /T-3 escalated to level 2/)).toHaveLength(1);
  });
});
