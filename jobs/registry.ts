// Every queue, by name, with its settings. Record<QueueName, …> makes a queue without a config a
// compile error. One platform per delivery queue, so a 429 pauses only that platform.
import type { JobsOptions } from "bullmq";

export type QueueName = "deliver-slack" | "deliver-discord" | "rooms";

export interface QueueConfig {
  /** jobs one worker process runs at once */
  concurrency: number;
  defaultJobOptions: JobsOptions;
  /** at most max jobs per duration ms across all workers */
  limiter?: { max: number; duration: number };
}

const retrying: JobsOptions = { attempts: 8, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } };

export const QUEUES: Record<QueueName, QueueConfig> = {
  // Slack: chat.postMessage ≈ 1/s per channel, tier-3/4 methods ≈ 50-100/min: stay well under
  "deliver-slack": { concurrency: 4, defaultJobOptions: retrying, limiter: { max: 20, duration: 1000 } },
  // Discord: 50 requests/s per bot globally
  "deliver-discord": { concurrency: 4, defaultJobOptions: retrying, limiter: { max: 40, duration: 1000 } },
  rooms: { concurrency: 2, defaultJobOptions: { ...retrying, attempts: 5 } },
};

/** Same lock and stall settings for every worker (tests shorten them through env). */
export function workerTiming() {
  return {
    lockDuration: Number(process.env.JOBS_LOCK_MS ?? 30_000),
    stalledInterval: Number(process.env.JOBS_STALLED_MS ?? 30_000),
    maxStalledCount: 2,
  };
}
