// Every queue, by name, with its settings. Record<QueueName, …> makes a queue without a config a
// compile error. One platform per delivery queue, so a 429 pauses only that platform.
import type { JobsOptions } from "bullmq";
import { emailBatchSize } from "../src/domain/campaigns/jobs.ts";
import type { JobTuning } from "./tuning.ts";

export type QueueName =
  | "commands"
  | "deliver-slack"
  | "deliver-discord"
  | "rooms"
  | "sla"
  | "campaign-control"
  | "campaign-email"
  | "campaign-slack"
  | "campaign-discord"
  | "campaign-progress"
  | "discord-threads"
  | "reports"
  | "predict"
  | "domain-events"
  | "task-reminders"
  | "mailboxes";

export interface Limiter {
  max: number;
  duration: number;
}

export interface QueueConfig {
  /** jobs one worker process runs at once (a function: from the environment) */
  concurrency: number | ((t: JobTuning) => number);
  defaultJobOptions: JobsOptions;
  /** at most max jobs per duration ms across all workers (a function: from the environment) */
  limiter?: Limiter | ((t: JobTuning) => Limiter);
}

const retrying: JobsOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
};

export const QUEUES: Record<QueueName, QueueConfig> = {
  // commands a --role=server process received and handed on (src/commands/dispatch.ts): one attempt; the
  // answer goes to its address or back to the server; a stalled job is taken over once and finds its claim
  commands: {
    concurrency: (t) => t.SLACK_COMMAND_CONCURRENCY,
    defaultJobOptions: { attempts: 1, removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } },
  },
  // Slack: chat.postMessage ≈ 1/s per channel, tier-3/4 methods ≈ 50-100/min: stay well under
  "deliver-slack": { concurrency: 4, defaultJobOptions: retrying, limiter: { max: 20, duration: 1000 } },
  // Discord: 50 requests/s per bot globally
  "deliver-discord": { concurrency: 4, defaultJobOptions: retrying, limiter: { max: 40, duration: 1000 } },
  rooms: { concurrency: 2, defaultJobOptions: { ...retrying, attempts: 5 } },
  // a private thread per ticket created on Discord (jobs/ticketThreads.ts); one job id per ticket
  "discord-threads": { concurrency: 2, defaultJobOptions: { ...retrying, attempts: 5 } },
  // scheduled digests (jobs/reports.ts): one job per schedule tick, from a job scheduler per ReportSchedule
  reports: { concurrency: 2, defaultJobOptions: { ...retrying, attempts: 4 } },
  // lead scores and win probabilities (jobs/predict.ts): debounced rescoring per contact, refits, the nightly decay run
  predict: { concurrency: 2, defaultJobOptions: { ...retrying, attempts: 4, removeOnComplete: { count: 200 } } },
  // domain events (jobs/domainEvents.ts): one job per event (job id = event id). Done and failed jobs are removed
  // at once, so the workers' sweep can queue an event again while its row says it is not dispatched
  "domain-events": {
    concurrency: 4,
    defaultJobOptions: { attempts: 5, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: true, removeOnFail: true },
  },
  // SLA timers (delayed, one id per ticket+target+stage+due time) and the periodic sweep; completed ids are
  // kept a week so re-adding a timer that already fired is a no-op (the Notification claim backs this up)
  sla: { concurrency: 8, defaultJobOptions: { ...retrying, removeOnComplete: { age: 7 * 86400, count: 20_000 } } },
  // task reminders (jobs/tasks.ts): one delayed job per task and due time; completed ids are kept a week so
  // planning a reminder that already went out is a no-op (the Notification claim backs this up)
  "task-reminders": { concurrency: 4, defaultJobOptions: { ...retrying, removeOnComplete: { age: 7 * 86400, count: 20_000 } } },
  // IMAP polls (jobs/mailboxes.ts): one job per mailbox and sweep (job id = workspace), no retries (the next
  // sweep polls again); done and failed jobs are removed at once so the next sweep can queue the id again
  mailboxes: { concurrency: 4, defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: true } },
  // Campaigns (jobs/campaignWorkers.ts): fan-out/kick/test jobs, then one send queue per channel so a 429 pauses
  // only that channel. Send jobs carry a batch (email a second's worth of its rate, at most 256 ids; Discord 10;
  // Slack one company), so the limiter counts batches: the email rate is CAMPAIGN_EMAIL_PER_SECOND.
  "campaign-control": { concurrency: 2, defaultJobOptions: retrying },
  "campaign-email": {
    concurrency: 4,
    defaultJobOptions: { ...retrying, attempts: 12 },
    limiter: (t) => perSecond(t.CAMPAIGN_EMAIL_PER_SECOND, emailSendBatch(t)),
  },
  // one post per company channel; chat.postMessage allows about 1/s per channel
  "campaign-slack": { concurrency: 2, defaultJobOptions: { ...retrying, attempts: 12 }, limiter: { max: 5, duration: 1000 } },
  // a DM is two requests (open the DM channel, post): 10 jobs of 10 DMs per 10 s stays far under 50 req/s
  "campaign-discord": { concurrency: 2, defaultJobOptions: { ...retrying, attempts: 12 }, limiter: { max: 1, duration: 1000 } },
  // status-message edits: throttled per campaign by job id, Slack's chat.update is tier 3 (~50/min)
  "campaign-progress": { concurrency: 2, defaultJobOptions: { ...retrying, attempts: 3, removeOnComplete: true } },
};

/** Email recipients per send job at CAMPAIGN_EMAIL_PER_SECOND (the limiter counts these jobs). */
export const emailSendBatch = (t: JobTuning) => emailBatchSize(t.CAMPAIGN_EMAIL_PER_SECOND);

/** A limiter of `rate` messages a second for jobs carrying `batch` messages each. */
function perSecond(rate: number, batch: number): { max: number; duration: number } {
  // max jobs per window; a longer window keeps low rates (under one batch a second) exact
  return rate >= batch ? { max: Math.round(rate / batch), duration: 1000 } : { max: 1, duration: Math.round((1000 * batch) / rate) };
}

/** A queue's worker settings: its concurrency and limiter, and the same lock and stall settings for every worker. */
export function workerSettings(name: QueueName, t: JobTuning) {
  const q = QUEUES[name];
  return {
    concurrency: typeof q.concurrency === "function" ? q.concurrency(t) : q.concurrency,
    limiter: typeof q.limiter === "function" ? q.limiter(t) : q.limiter,
    lockDuration: t.JOBS_LOCK_MS,
    stalledInterval: t.JOBS_STALLED_MS,
    maxStalledCount: 2,
  };
}
