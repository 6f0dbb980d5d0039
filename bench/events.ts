// What domain events cost the process that runs commands: `log note` (one interaction.logged event, one
// handler) run through InteractionService.log, N times at a fixed concurrency, in three modes measured in
// one process, alternately:
//   none  — events are written in the change's transaction but nobody dispatches them (the cost of the
//           change and its event row: the floor);
//   queue — after commit one job per event on the domain-events queue, a BullMQ worker in this process
//           dispatches it (EventDispatcher.dispatch: read the event, its earlier ones, claim, mark);
//   local — after commit the events go to this process's LocalDispatcher (no job), which dispatches them
//           as recorded (one claim statement per handler, the last one also marks the event dispatched),
//           one event per transaction, on 4 lanes;
//   batch — the same on 2 lanes, each taking up to 25 waiting events at a time: one-handler events are
//           claimed in one statement and handled in one transaction (what the worker runs).
// CPU per command is this process's user+system time over N, counted until every event is dispatched.
// The rescore handler runs with no predict queue (a no-op), so what differs is the event machinery alone.
//
//   npx tsx bench/events.ts [--commands 2000] [--concurrency 8] [--rounds 2] [--modes none,queue,local]
//
// Needs PostgreSQL and Redis on localhost; creates crm_bench_<random> and a Redis prefix, removes both.
import os from "node:os";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import pg from "pg";
import { createBenchDb } from "./lib/db.ts";
import { table } from "./lib/table.ts";
import { createServices } from "../src/domain/services.ts";
import type { Actor } from "../src/domain/actor.ts";
import { createLogger } from "../src/log.ts";
import { JobRuntime } from "../jobs/runtime.ts";
import type { JobTuning } from "../jobs/tuning.ts";
import { EVENTS_QUEUE, bullEventNudge } from "../jobs/domainEvents.ts";
import { eventHandlers } from "../jobs/events/index.ts";
import { ticketThreadQueue } from "../jobs/ticketThreads.ts";
import type { EventRef } from "../src/domain/events/types.ts";

const { values: opt } = parseArgs({
  options: {
    commands: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "8" },
    rounds: { type: "string", default: "2" },
    modes: { type: "string", default: "none,queue,local,batch" },
  },
});
const N = Number(opt.commands),
  C = Number(opt.concurrency),
  ROUNDS = Number(opt.rounds);
const MODES = opt.modes!.split(",") as ("none" | "queue" | "local" | "batch")[];

const tuning = {
  JOBS_LOCK_MS: 30_000,
  JOBS_STALLED_MS: 30_000,
  SLACK_COMMAND_CONCURRENCY: 16,
  REPORT_SYNC_MS: 0,
  PREDICT_DEBOUNCE_MS: 2000,
  CAMPAIGN_EMAIL_PER_SECOND: 0,
  CAMPAIGN_EMAIL_WAVE: 16,
  CAMPAIGN_WATCHDOG_MS: 60_000,
  CAMPAIGN_STALE_MS: 600_000,
  CAMPAIGN_PROGRESS_MS: 5000,
} as JobTuning;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main() {
  const bench = await createBenchDb();
  const db = bench.db.prisma;
  const prefix = `crmbench_ev_${Date.now()}`;
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const logger = createLogger("warn");
  const rt = new JobRuntime({ redisUrl, prefix, logger, tuning });
  try {
    const setup = createServices(db);
    const { workspace, admin } = await setup.workspaces.create("Bench Co", "Bench Admin");
    const actor: Actor = { workspaceId: workspace.id, memberId: admin.id, name: admin.name, role: "admin", platform: "console" };
    await setup.contacts.add(actor, { name: "Bench Contact", email: "bench@example.com" });
    // polled on a plain pg client every 100 ms: Prisma's count would add its own CPU to what is measured
    const poll = new pg.Client({ connectionString: bench.url });
    await poll.connect();
    const undispatched = async () =>
      Number((await poll.query(`SELECT count(*) AS n FROM "DomainEvent" WHERE "dispatchedAt" IS NULL`)).rows[0].n);
    await db.domainEvent.updateMany({ where: { dispatchedAt: null }, data: { dispatchedAt: new Date() } });

    // one set of services per mode, as each kind of process would build them
    const none = createServices(db);
    const queued = createServices(db, { eventNudge: bullEventNudge(rt) });
    const queueDispatcher = queued.events.dispatcher(eventHandlers(queued, ticketThreadQueue(rt)));
    if (MODES.includes("queue"))
      rt.work(EVENTS_QUEUE, (job: { data: EventRef }) => queueDispatcher.dispatch(job.data.workspaceId, job.data.id));
    const local = createServices(db);
    const batch = createServices(db);
    if (MODES.includes("local") || MODES.includes("batch")) {
      // absent before this mode existed: the bench also runs on older trees with --modes none,queue
      const { LocalDispatcher } = await import("../src/domain/events/local.ts");
      for (const [s, opts] of [
        [local, { lanes: 4, batch: 1 }],
        [batch, { lanes: 2, batch: 25 }],
      ] as const) {
        const d = s.events.dispatcher(eventHandlers(s, ticketThreadQueue(rt)));
        s.events.dispatchHere(new LocalDispatcher(d, { ...opts, max: 100_000, logger }));
      }
    }
    const services = { none, queue: queued, local, batch };

    const run = async (mode: (typeof MODES)[number], n: number) => {
      const s = services[mode];
      let next = 0;
      const t0 = performance.now(),
        c0 = cpuMs();
      await Promise.all(
        Array.from({ length: C }, async () => {
          while (next < n) {
            const i = next++;
            await s.interactions.log(actor, { kind: "note", ref: "C-1", summary: `bench note ${i}` });
          }
        }),
      );
      const commandsDone = performance.now();
      if (mode !== "none") while ((await undispatched()) > 0) await new Promise((r) => setTimeout(r, 100));
      const cpu = cpuMs() - c0,
        wall = performance.now() - t0;
      if (mode === "none") await db.domainEvent.updateMany({ where: { dispatchedAt: null }, data: { dispatchedAt: new Date() } });
      return { cpu: cpu / n, commandsMs: commandsDone - t0, wall };
    };

    // warm-up: every path compiled and connected
    for (const m of MODES) await run(m, 200);
    const results = new Map<string, { cpu: number[]; wall: number[] }>();
    const load0 = os.loadavg()[0];
    for (let r = 0; r < ROUNDS; r++) {
      for (const m of MODES) {
        const x = await run(m, N);
        const acc = results.get(m) ?? { cpu: [], wall: [] };
        acc.cpu.push(x.cpu);
        acc.wall.push(x.wall);
        results.set(m, acc);
        process.stderr.write(`… round ${r + 1} ${m}: ${x.cpu.toFixed(3)} ms CPU per command, ${(x.wall / 1000).toFixed(1)} s\n`);
      }
    }
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const floor = avg(results.get("none")?.cpu ?? [NaN]);
    console.log(
      `\nbench/events.ts — ${new Date().toISOString()} — ${N} log notes × ${ROUNDS} rounds per mode, concurrency ${C}; load average ${load0.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}`,
    );
    console.log(
      table(
        ["mode", "CPU per command (each round)", "mean", "events' share (mean − none)", "commands/s (incl. dispatch)"],
        [...results].map(([m, r]) => [
          m,
          r.cpu.map((x) => x.toFixed(3)).join(" / ") + " ms",
          `${avg(r.cpu).toFixed(3)} ms`,
          m === "none" ? "—" : `${(avg(r.cpu) - floor).toFixed(3)} ms`,
          (N / (avg(r.wall) / 1000)).toFixed(0),
        ]),
      ),
    );
    await poll.end();
  } finally {
    await rt.close().catch(() => {});
    await bench.drop();
    const r = new Redis(redisUrl);
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  }
}

await main();
