// Domain events on BullMQ: after a commit the service nudges one job per event (job id = event id, so a
// double nudge is one job); a worker hands it to EventDispatcher, which runs each handler once. A nudge
// lost to a crash or a Redis outage costs only time: the sweep (a job scheduler every few seconds, shared by
// every replica) queues events left undispatched, and prunes old dispatched ones.
import type { Job } from "bullmq";
import type { EventNudge } from "../src/domain/events/record.ts";
import type { EventRef } from "../src/domain/events/types.ts";
import type { Services } from "../src/domain/services.ts";
import type { Logger } from "../src/log.ts";
import type { JobRuntime } from "./runtime.ts";
import { eventHandlers } from "./events/index.ts";
import { ticketThreadQueue } from "./ticketThreads.ts";

export const EVENTS_QUEUE = "domain-events" as const;
/** how often the sweep looks for undispatched events, and how old they must be (younger ones have a job on the way) */
export const EVENTS_SWEEP_EVERY_MS = 5000;
const SWEEP_MIN_AGE_MS = 5000;
/** dispatched events are kept this long (what happened, for anyone debugging), then deleted */
const KEEP_DISPATCHED_MS = 14 * 86_400_000;
const PRUNE_EVERY_MS = 3600_000;

type EventJob = Job<EventRef | Record<string, never>>;

export function bullEventNudge(rt: JobRuntime): EventNudge {
  return {
    async dispatch(events) {
      if (!events.length) return;
      await rt.queue(EVENTS_QUEUE).addBulk(events.map((e) => ({ name: "dispatch", data: { id: e.id, workspaceId: e.workspaceId }, opts: { jobId: e.id } })));
    },
  };
}

export function startEventWorker(rt: JobRuntime, deps: { services: Services; logger: Logger }): void {
  const handlers = eventHandlers(deps.services, ticketThreadQueue(rt));
  const dispatcher = deps.services.events.dispatcher(handlers);
  const nudge = bullEventNudge(rt);
  let prunedAt = 0;
  rt.work(EVENTS_QUEUE, async (job: EventJob) => {
    if (job.name === "sweep") {
      const due = await dispatcher.undispatched(new Date(Date.now() - SWEEP_MIN_AGE_MS));
      await nudge.dispatch(due);
      if (Date.now() - prunedAt > PRUNE_EVERY_MS) {
        prunedAt = Date.now();
        const pruned = await dispatcher.prune(new Date(Date.now() - KEEP_DISPATCHED_MS));
        if (pruned) deps.logger.info({ pruned }, "old dispatched domain events deleted");
      }
      return { queued: due.length };
    }
    const { id, workspaceId } = job.data as EventRef;
    return dispatcher.dispatch(workspaceId, id);
  });
  rt.queue(EVENTS_QUEUE).upsertJobScheduler("domain-events-sweep", { every: EVENTS_SWEEP_EVERY_MS }, { name: "sweep", data: {} })
    .catch((e: Error) => deps.logger.warn({ err: e.message }, "could not schedule the domain event sweep"));
  deps.logger.info({ queue: EVENTS_QUEUE, handlers: handlers.map((h) => h.name) }, "domain events worker started");
}
