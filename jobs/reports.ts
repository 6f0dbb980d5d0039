// Scheduled reports on BullMQ: one job scheduler per ReportSchedule row (id "report:<row id>", a six-field
// cron in the schedule's time zone). The scheduler keeps a single next job per tick (job id
// "repeat:<scheduler>:<tick ms>"), so a tick runs once however many workers listen; the worker also claims
// the tick in the database (ReportService.runTick) before posting. Schedulers live in Redis; the rows are
// the truth: every worker re-creates them from the rows when it starts, and removes ones without a row.
import type { Job } from "bullmq";
import type { Services } from "../src/domain/services.ts";
import type { Logger } from "../src/log.ts";
import { toScheduled, type ReportScheduler, type ScheduledReport } from "../src/domain/analytics/reports.ts";
import type { JobRuntime } from "./runtime.ts";

export interface ReportJob { workspaceId: string; scheduleId: string }

const PREFIX = "report:";
const schedulerId = (scheduleId: string) => `${PREFIX}${scheduleId}`;

export function bullReportScheduler(rt: JobRuntime): ReportScheduler {
  const q = () => rt.queue("reports");
  return {
    async upsert(r: ScheduledReport) {
      await q().upsertJobScheduler(schedulerId(r.id), { pattern: r.cron, tz: r.timezone }, {
        name: "report",
        data: { workspaceId: r.workspaceId, scheduleId: r.id } satisfies ReportJob,
        opts: { attempts: 4, backoff: { type: "exponential", delay: 5000 }, removeOnComplete: { count: 500 }, removeOnFail: { count: 1000 } },
      });
    },
    async remove(scheduleId) {
      await q().removeJobScheduler(schedulerId(scheduleId));
    },
    async next(ids) {
      const out = new Map<string, Date>();
      await Promise.all(ids.map(async (id) => {
        const s = await q().getJobScheduler(schedulerId(id));
        if (s?.next) out.set(id, new Date(s.next));
      }));
      return out;
    },
  };
}

/** The tick a scheduler job stands for: its planned time, not when a worker got to it. */
export const tickOf = (job: Job<ReportJob>) => new Date(job.opts.prevMillis ?? job.timestamp);

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
    if (s.key.startsWith(PREFIX) && !keep.has(s.key)) { await rt.queue("reports").removeJobScheduler(s.key); removed++; }
  }
  return { upserted: rows.length, removed };
}

export function startReportWorker(rt: JobRuntime, deps: { services: Services; logger: Logger }): { synced: Promise<void> } {
  rt.work<ReportJob>("reports", async (job) => {
    const result = await runReportJob(deps.services, job);
    deps.logger.info({ schedule: job.data.scheduleId, tick: tickOf(job).toISOString(), result }, "scheduled report");
    return result;
  });
  const synced = syncReportSchedulers(rt, deps.services)
    .then((r) => deps.logger.info(r, "report schedulers synced from the database"))
    .catch((e: Error) => deps.logger.warn({ err: e.message }, "could not sync report schedulers; they are synced again on the next start"));
  return { synced };
}
