// Scheduled reports on BullMQ: one job scheduler per ReportSchedule row (id "report:<row id>", a six-field
// cron in the schedule's time zone). The scheduler keeps a single next job per tick (job id
// "repeat:<scheduler>:<tick ms>"), so a tick runs once however many workers listen; the worker also claims
// the tick in the database (ReportService.runTick) before posting. Schedulers live in Redis; the rows are
// the truth: every worker re-creates them from the rows when it starts, and removes ones without a row; and
// every REPORT_SYNC_MS it re-creates any that Redis lost meanwhile (a restart without persistence, a flush),
// running the tick that fell due while it was gone.
import { getNextMillis, type Job } from "bullmq";
import type { Services } from "../src/domain/services.ts";
import type { Logger } from "../src/log.ts";
import { toScheduled, type ReportScheduler, type ScheduledReport } from "../src/domain/analytics/reports.ts";
import type { JobRuntime } from "./runtime.ts";

/** tick: set on a catch-up job for a tick whose scheduler job was lost (ms since the epoch) */
export interface ReportJob {
  workspaceId: string;
  scheduleId: string;
  tick?: number;
}

const PREFIX = "report:";
const schedulerId = (scheduleId: string) => `${PREFIX}${scheduleId}`;
const JOB_OPTS = {
  attempts: 4,
  backoff: { type: "exponential", delay: 5000 },
  removeOnComplete: { count: 500 },
  removeOnFail: { count: 1000 },
};
/** a tick missed while its scheduler was gone is still posted when it fell due this recently */
export const CATCH_UP_MS = 60 * 60_000;

export function bullReportScheduler(rt: JobRuntime): ReportScheduler {
  const q = () => rt.queue("reports");
  return {
    async upsert(r: ScheduledReport) {
      await q().upsertJobScheduler(
        schedulerId(r.id),
        { pattern: r.cron, tz: r.timezone },
        {
          name: "report",
          data: { workspaceId: r.workspaceId, scheduleId: r.id } satisfies ReportJob,
          opts: JOB_OPTS,
        },
      );
    },
    async remove(scheduleId) {
      await q().removeJobScheduler(schedulerId(scheduleId));
    },
    async next(ids) {
      const out = new Map<string, Date>();
      await Promise.all(
        ids.map(async (id) => {
          const s = await q().getJobScheduler(schedulerId(id));
          if (s?.next) out.set(id, new Date(s.next));
        }),
      );
      return out;
    },
  };
}

/** The tick a scheduler job stands for: its planned time, not when a worker got to it. */
export const tickOf = (job: Job<ReportJob>) => new Date(job.data.tick ?? job.opts.prevMillis ?? job.timestamp);

export async function runReportJob(services: Services, job: Job<ReportJob>) {
  return services.reports.runTick(job.data.workspaceId, job.data.scheduleId, tickOf(job));
}

/** Upserts a scheduler for every active row and removes report schedulers whose row is gone or inactive. */
export async function syncReportSchedulers(rt: JobRuntime, services: Services): Promise<{ upserted: number; removed: number }> {
  const scheduler = bullReportScheduler(rt);
  const rows = await services.reports.activeSchedules();
  for (const row of rows) await scheduler.upsert(toScheduled(row));
  const keep = new Set(rows.map((r) => schedulerId(r.id)));
  let removed = 0;
  for (const s of await rt.queue("reports").getJobSchedulers(0, -1)) {
    if (s.key.startsWith(PREFIX) && !keep.has(s.key)) {
      await rt.queue("reports").removeJobScheduler(s.key);
      removed++;
    }
  }
  return { upserted: rows.length, removed };
}

/**
 * Re-creates the scheduler of every active row that has none (Redis lost it) and queues the tick that fell
 * due meanwhile, if within CATCH_UP_MS and not before the schedule existed. The catch-up job's id is per tick,
 * and runTick's claim makes a tick that did post (or runs twice) post once. Removes nothing: a row being
 * created is not visible yet while its scheduler already is.
 */
export async function restoreReportSchedulers(rt: JobRuntime, services: Services): Promise<{ restored: number; caughtUp: number }> {
  const out = { restored: 0, caughtUp: 0 };
  const rows = await services.reports.activeSchedules();
  if (!rows.length) return out;
  const have = new Set((await rt.queue("reports").getJobSchedulers(0, -1)).map((s) => s.key));
  const now = Date.now(); // after Redis answered: the call may have waited out the outage
  const scheduler = bullReportScheduler(rt);
  for (const row of rows.filter((r) => !have.has(schedulerId(r.id)))) {
    const s = toScheduled(row);
    await scheduler.upsert(s);
    out.restored++;
    const tick = getNextMillis(Math.max(now - CATCH_UP_MS, row.createdAt.getTime()), { pattern: s.cron, tz: s.timezone });
    if (tick !== undefined && tick <= now) {
      await rt.add("reports", "report", { workspaceId: row.workspaceId, scheduleId: row.id, tick } satisfies ReportJob, {
        ...JOB_OPTS,
        jobId: `catchup-${row.id}-${tick}`,
      });
      out.caughtUp++;
    }
  }
  return out;
}

export function startReportWorker(rt: JobRuntime, deps: { services: Services; logger: Logger }): { synced: Promise<void> } {
  const worker = rt.work<ReportJob>("reports", async (job) => {
    const result = await runReportJob(deps.services, job);
    deps.logger.info({ schedule: job.data.scheduleId, tick: tickOf(job).toISOString(), result }, "scheduled report");
    return result;
  });
  let restoring = false;
  const restore = async () => {
    if (restoring) return; // waits while Redis is away; one at a time
    restoring = true;
    try {
      const r = await restoreReportSchedulers(rt, deps.services);
      if (r.restored) deps.logger.warn(r, "report schedulers lost from Redis re-created");
    } catch (e) {
      deps.logger.warn({ err: (e as Error).message }, "could not check report schedulers; the next check retries");
    } finally {
      restoring = false;
    }
  };
  // catch up first (a full sync re-creates every scheduler, after which nothing looks lost)
  const synced = restore()
    .then(() => syncReportSchedulers(rt, deps.services))
    .then((r) => deps.logger.info(r, "report schedulers synced from the database"))
    .catch((e: Error) => deps.logger.warn({ err: e.message }, "could not sync report schedulers; they are synced again on the next start"));
  // REPORT_SYNC_MS: how often each worker checks that every active schedule has its scheduler
  const timer = setInterval(() => void restore(), rt.tuning.REPORT_SYNC_MS);
  timer.unref();
  worker.on("closed", () => clearInterval(timer));
  return { synced };
}
