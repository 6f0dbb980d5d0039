// Domain events. A process that runs this worker (--role=worker, or all) dispatches the events its own
// commands record right after their commit, without a queue job (src/domain/events/local.ts). Any other
// process (the HTTP server) nudges one job per event on the domain-events queue (job id = event id, so a
// double nudge is one job), and a worker hands it to EventDispatcher; either way each handler runs once.
// An event whose dispatch was lost to a crash or a Redis outage costs only time: every worker process
// sweeps the table every few seconds (a timer of its own, so a Redis restart that empties the queues
// cannot stop it) and queues the events left undispatched; it also deletes old dispatched ones.
import type { Job } from "bullmq";
import type { EventNudge } from "../src/domain/events/record.ts";
import { LocalDispatcher } from "../src/domain/events/local.ts";
import type { EventRef } from "../src/domain/events/types.ts";
import type { Services } from "../src/domain/services.ts";
import type { Logger } from "../src/log.ts";
import type { JobRuntime } from "./runtime.ts";
import { eventHandlers } from "./events/index.ts";
import type { EmailSender } from "../src/domain/campaigns/email.ts";
import type { Ports } from "../src/delivery/port.ts";
import { ticketThreadQueue } from "./ticketThreads.ts";

export const EVENTS_QUEUE = "domain-events" as const;
/** how often each worker looks for undispatched events, and how old they must be (younger ones have a job on the way) */
export const EVENTS_SWEEP_EVERY_MS = 5000;
const SWEEP_MIN_AGE_MS = 5000;
/** dispatched events are kept this long (what happened, for anyone debugging), then deleted */
const KEEP_DISPATCHED_MS = 14 * 86_400_000;
const PRUNE_EVERY_MS = 3600_000;
/**
 * The process that recorded events dispatches them on this many lanes, each taking up to LOCAL_BATCH of
 * those waiting at a time (one transaction for the one-handler events among them); past LOCAL_MAX waiting
 * it nudges the queue instead.
 */
const LOCAL_LANES = 2;
const LOCAL_BATCH = 25;
const LOCAL_MAX = 2000;
/** a lane's wait for company: the claims of the events of a busy minute's commands go several to a statement */
const LOCAL_LINGER_MS = 20;

export function bullEventNudge(rt: JobRuntime): EventNudge {
  return {
    async dispatch(events) {
      if (!events.length) return;
      await rt
        .queue(EVENTS_QUEUE)
        .addBulk(events.map((e) => ({ name: "dispatch", data: { id: e.id, workspaceId: e.workspaceId }, opts: { jobId: e.id } })));
    },
  };
}

export function startEventWorker(
  rt: JobRuntime,
  deps: { services: Services; logger: Logger; email?: EmailSender; mailFrom?: string; ports?: Ports },
): void {
  const mail = deps.email ? { sender: deps.email, from: deps.mailFrom } : undefined;
  const handlers = eventHandlers(deps.services, ticketThreadQueue(rt), mail, deps.ports);
  const dispatcher = deps.services.events.dispatcher(handlers);
  const nudge = bullEventNudge(rt);
  const worker = rt.work(EVENTS_QUEUE, (job: Job<EventRef>) => dispatcher.dispatch(job.data.workspaceId, job.data.id));
  const local = new LocalDispatcher(dispatcher, {
    lanes: LOCAL_LANES,
    batch: LOCAL_BATCH,
    max: LOCAL_MAX,
    linger: LOCAL_LINGER_MS,
    logger: deps.logger,
  });
  deps.services.events.dispatchHere(local);

  let sweeping = false;
  let prunedAt = 0;
  const sweep = async () => {
    if (sweeping) return; // one at a time (a sweep waits while the database or Redis is away)
    sweeping = true;
    try {
      const left = await dispatcher.undispatched(new Date(Date.now() - SWEEP_MIN_AGE_MS));
      await nudge.dispatch(left.filter((e) => !local.has(e.id)));
      if (Date.now() - prunedAt > PRUNE_EVERY_MS) {
        prunedAt = Date.now();
        const pruned = await dispatcher.prune(new Date(Date.now() - KEEP_DISPATCHED_MS));
        if (pruned) deps.logger.info({ pruned }, "old dispatched domain events deleted");
      }
    } catch (e) {
      deps.logger.warn({ err: (e as Error).message }, "could not sweep domain events; the next sweep retries");
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), EVENTS_SWEEP_EVERY_MS);
  timer.unref();
  worker.on("closed", () => {
    clearInterval(timer);
    deps.services.events.dispatchHere(undefined);
    local.stop();
  });
  deps.logger.info({ queue: EVENTS_QUEUE, handlers: handlers.map((h) => h.name) }, "domain events worker started");
}
