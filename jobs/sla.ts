// SLA timers on BullMQ: each timer is a delayed job whose id is deterministic (ticket + target + stage +
// the due time it was planned for), so adding it twice adds it once and rescheduling removes old ids.
// The worker hands each timer to EscalationService.fire, which ignores stale timers and duplicates.
import type { Job } from "bullmq";
import type { Services } from "../src/domain/services.ts";
import type { Logger } from "../src/log.ts";
import type { SlaTimer, SlaTimerData, SlaTimerQueue } from "../src/domain/tickets/slaTimers.ts";
import type { JobRuntime } from "./runtime.ts";

export const SLA_SWEEP_EVERY_MS = 5 * 60_000;

type SlaJob = Job<SlaTimerData | Record<string, never>>;

export function bullSlaTimers(rt: JobRuntime): SlaTimerQueue {
  return {
    async replace(remove, add) {
      const q = rt.queue("sla");
      // an active (locked) job cannot be removed: it runs, finds its due time gone, and does nothing
      await Promise.all(remove.map((id) => q.remove(id)));
      if (!add.length) return;
      const now = Date.now();
      await q.addBulk(
        add.map((t: SlaTimer) => ({
          name: `${t.data.target}-${t.data.stage}`,
          data: t.data,
          opts: { jobId: t.id, delay: Math.max(0, t.fireAt - now) },
        })),
      );
    },
  };
}

export function startSlaWorker(rt: JobRuntime, deps: { services: Services; logger: Logger }): void {
  rt.work("sla", async (job: SlaJob) => {
    if (job.name === "sweep") return { added: await deps.services.sla.sweep() };
    const result = await deps.services.escalations.fire(job.data as SlaTimerData);
    deps.logger.debug({ job: job.id, result }, "sla timer");
    return result;
  });
  // one scheduler for every replica (upsert is idempotent): catches timers lost between a commit and Redis
  rt.queue("sla")
    .upsertJobScheduler("sla-sweep", { every: SLA_SWEEP_EVERY_MS }, { name: "sweep", data: {} })
    .catch((e: Error) => deps.logger.warn({ err: e.message }, "could not schedule the SLA sweep"));
  deps.logger.info({ queue: "sla" }, "sla timers worker started");
}
