// A task's reminder goes out once whatever the workers do: killed between the due time and the DM, down at
// the due time, or with the delayed job lost from Redis (the sweep). The HTTP server runs without workers;
// `npm start -- --role=worker` runs as child processes, started and SIGKILLed here, on one PostgreSQL and Redis.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { apiArgs, slackEnv, startFakeSlack } from "./helpers/slack.ts";
import { until } from "./helpers/until.ts";
import { startWorkerProcess, type WorkerProcess } from "./helpers/workerProcess.ts";
import type { Actor } from "../src/domain/actor.ts";
import { reminderClaimKey, reminderJobId } from "../src/domain/tasks/reminders.ts";

let t: TestApp;
let fake: FakeServer;
let actor: Actor;
let workerEnv: Record<string, string>;
const running: WorkerProcess[] = [];
/** while set, Slack's conversations.open (the DM's first request) does not answer until it is released */
let hold: { seen: boolean; release: () => void; done: Promise<void> } | null = null;

const prisma = () => t.app.db.prisma;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dms = (match: RegExp) =>
  fake.calls("/api/chat.postMessage").filter((r) => apiArgs(r).channel === "DW111" && match.test(String(apiArgs(r).text)));
const spawnWorker = async () => {
  const w = startWorkerProcess(workerEnv, "task reminders worker started");
  running.push(w);
  await w.ready;
  return w;
};
async function killAll() {
  for (const w of running.splice(0)) {
    w.kill("SIGKILL");
    await w.exited;
  }
}
const addTask = async (what: string, due: string) => {
  const { task } = await t.app.services.tasks.add(actor, { what, due });
  return task;
};

beforeAll(async () => {
  fake = await startFakeSlack();
  fake.on("POST", "/api/conversations.open", async (r) => {
    if (hold) {
      hold.seen = true;
      await hold.done;
    }
    return { body: { ok: true, channel: { id: `D${apiArgs(r).users}` } } };
  });
  t = await startTestApp(slackEnv(fake), { role: "server" });
  workerEnv = {
    ...slackEnv(fake),
    DATABASE_URL: t.testDb.url,
    REDIS_URL: inject("redisUrl"),
    QUEUE_PREFIX: t.prefix,
    JOBS_LOCK_MS: "1000",
    JOBS_STALLED_MS: "1000",
  };
  // the first person of a Slack team (users.info on the fake says a full member)
  actor = await t.app.services.identity.fromPlatform({ platform: "slack", externalId: "T111", userId: "W111", userName: "ana" });
}, 60_000);
afterAll(async () => {
  hold?.release();
  await killAll();
  await t?.stop();
  await fake?.close();
});

describe("task reminders across worker crashes", () => {
  it("a worker SIGKILLed after the reminder was claimed and before its DM was sent: the next worker sends it, once", async () => {
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    hold = { seen: false, release, done };
    await spawnWorker();
    const task = await addTask("Call Ana", "in 2 seconds");
    const mine = new RegExp(`^⏰ F-${task.number} Call Ana`);
    // the worker fired the reminder and is opening the DM channel: the claim is committed, nothing is posted
    await until("the DM under way", () => hold!.seen, { ms: 20_000 });
    expect(
      await prisma().notification.count({ where: { dedupeKey: reminderClaimKey({ taskId: task.id, dueAt: task.dueAt.getTime() }) } }),
    ).toBe(1);
    expect((await prisma().task.findUniqueOrThrow({ where: { id: task.id } })).reminderPending).toBe(false);
    await killAll();
    hold = null;
    release();
    expect(dms(mine)).toHaveLength(0);

    await spawnWorker();
    await until("the DM from the next worker", () => dms(mine).length, { ms: 60_000 });
    await sleep(3000);
    expect(dms(mine)).toHaveLength(1);
  }, 180_000);

  it("a worker SIGKILLed while it fired the reminder, before its transaction committed: the next worker sends it, once", async () => {
    await killAll();
    await spawnWorker();
    const task = await addTask("Book the demo", "in 3 seconds");
    const mine = new RegExp(`^⏰ F-${task.number} Book the demo`);
    // hold the task's row: the worker's fire() waits on it inside its transaction, before the claim
    const lock = new pg.Client({ connectionString: t.testDb.url });
    await lock.connect();
    try {
      await lock.query("BEGIN");
      await lock.query('SELECT "id" FROM "Task" WHERE "id" = $1 FOR UPDATE', [task.id]);
      const job = reminderJobId({ taskId: task.id, dueAt: task.dueAt.getTime() });
      await until(
        "the reminder job running",
        async () => (await (await t.app.jobs.queue("task-reminders").getJob(job))?.getState()) === "active",
        {
          ms: 20_000,
        },
      );
      await until(
        "fire() waiting on the row",
        async () =>
          (await lock.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rowCount,
        { ms: 10_000 },
      );
      await killAll();
    } finally {
      await lock.query("ROLLBACK");
      await lock.end();
    }
    expect(
      await prisma().notification.count({ where: { dedupeKey: reminderClaimKey({ taskId: task.id, dueAt: task.dueAt.getTime() }) } }),
    ).toBe(0);
    expect(dms(mine)).toHaveLength(0);

    await spawnWorker();
    await until("the DM after the retry", () => dms(mine).length, { ms: 45_000 });
    await sleep(3000);
    expect(dms(mine)).toHaveLength(1);
  }, 180_000);

  it("no worker at the due time: the delayed reminder goes out when one starts, once", async () => {
    await killAll();
    const task = await addTask("Send the quote", "in 1 second");
    const mine = new RegExp(`^⏰ F-${task.number} Send the quote`);
    await sleep(3000);
    expect(dms(mine)).toHaveLength(0);
    await spawnWorker();
    await until("the late DM", () => dms(mine).length, { ms: 30_000 });
    await sleep(3000);
    expect(dms(mine)).toHaveLength(1);
  }, 180_000);

  it("a reminder whose delayed job Redis lost is sent by the sweep, once, with two workers sweeping", async () => {
    await killAll();
    const task = await addTask("Chase the PO", "in 1 second");
    const mine = new RegExp(`^⏰ F-${task.number} Chase the PO`);
    const removed = await t.app.jobs.queue("task-reminders").remove(reminderJobId({ taskId: task.id, dueAt: task.dueAt.getTime() }));
    expect(removed).toBe(1);
    await Promise.all([spawnWorker(), spawnWorker()]);
    // 15 s past due, within one 15 s sweep
    await until("the swept DM", () => dms(mine).length, { ms: 45_000 });
    await sleep(3000);
    expect(dms(mine)).toHaveLength(1);
    expect(running.some((w) => w.out().includes("task reminders sent by the sweep"))).toBe(true);
  }, 180_000);
});
