// BullMQ queues and workers with one connection setup, typed queue names, failure types mapped once
// (rate limit → pause the queue without burning an attempt; permanent → no retry), graceful close.
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job, type JobsOptions } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "../src/log.ts";
import { JobLockLostError, PermanentDeliveryError, RateLimitedError } from "../src/delivery/port.ts";
import { QUEUES, workerSettings, type QueueName } from "./registry.ts";
import type { JobTuning } from "./tuning.ts";

/** Whether this run still holds the job's lock (and, if so, extends it): false once another worker took the job over. */
export interface JobLease {
  held(): Promise<boolean>;
}

export type Processor<T = unknown> = (job: Job<T>, lease: JobLease) => Promise<unknown>;

export class JobRuntime {
  private queues = new Map<QueueName, Queue>();
  private workers: Worker[] = [];
  private events = new Map<QueueName, QueueEvents>();
  private connections: Redis[] = [];

  constructor(private opts: { redisUrl: string; prefix: string; logger: Logger; tuning: JobTuning }) {}

  /** the environment's numbers for queues and workers (src/config/env.ts) */
  get tuning(): JobTuning {
    return this.opts.tuning;
  }

  private connection(): Redis {
    const c = new Redis(this.opts.redisUrl, { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(200 * n, 2000) });
    c.on("error", () => {
      /* reported by the health probe; reconnects by itself */
    });
    this.connections.push(c);
    return c;
  }

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection(), prefix: this.opts.prefix, defaultJobOptions: QUEUES[name].defaultJobOptions });
      q.on("error", (e) => this.opts.logger.warn({ queue: name, err: e.message }, "queue error"));
      this.queues.set(name, q);
    }
    return q;
  }

  async add<T>(name: QueueName, jobName: string, data: T, opts: JobsOptions = {}): Promise<void> {
    await this.addJob(name, jobName, data, opts);
  }

  addJob<T>(name: QueueName, jobName: string, data: T, opts: JobsOptions = {}): Promise<Job<T>> {
    return this.queue(name).add(jobName, data, opts) as Promise<Job<T>>;
  }

  /** The queue's completed/failed notifications (one blocking connection per queue, opened on first use). */
  queueEvents(name: QueueName): QueueEvents {
    let e = this.events.get(name);
    if (!e) {
      e = new QueueEvents(name, { connection: this.connection(), prefix: this.opts.prefix });
      e.on("error", (err) => this.opts.logger.warn({ queue: name, err: err.message }, "queue events error"));
      this.events.set(name, e);
    }
    return e;
  }

  work<T>(name: QueueName, processor: Processor<T>): Worker {
    const settings = workerSettings(name, this.opts.tuning);
    const w = new Worker<T>(
      name,
      async (job, token) => {
        const lease: JobLease = { held: async () => !!token && (await job.extendLock(token, settings.lockDuration)) === 1 };
        try {
          return await processor(job, lease);
        } catch (e) {
          if (e instanceof JobLockLostError) {
            // BullMQ cannot finish a job whose lock is gone: the worker that holds it now reports the outcome
            this.opts.logger.warn(
              { queue: name, job: job.id },
              "job lock lost while it ran: another worker took it over, this run stops before posting",
            );
            throw e;
          }
          if (e instanceof RateLimitedError) {
            this.opts.logger.warn({ queue: name, retryAfterMs: e.retryAfterMs }, "platform rate limit: pausing queue");
            await this.queue(name).rateLimit(e.retryAfterMs);
            throw Worker.RateLimitError();
          }
          if (e instanceof PermanentDeliveryError) throw new UnrecoverableError(e.message);
          throw e;
        }
      },
      {
        connection: this.connection(),
        prefix: this.opts.prefix,
        ...settings,
      },
    );
    w.on("failed", (job, err) =>
      this.opts.logger.warn({ queue: name, job: job?.id, attempts: job?.attemptsMade, err: err.message }, "job failed"),
    );
    w.on("error", (e) => this.opts.logger.warn({ queue: name, err: e.message }, "worker error"));
    this.workers.push(w);
    return w;
  }

  /** Workers finish their active jobs (within graceMs), then every connection closes. */
  async close(graceMs = 6000): Promise<void> {
    const settled = (ps: Promise<unknown>[]) => Promise.race([Promise.allSettled(ps), new Promise((r) => setTimeout(r, graceMs).unref())]);
    await settled(this.workers.map((w) => w.close()));
    await settled([...this.queues.values(), ...this.events.values()].map((q) => q.close()));
    // past the grace period (a job that will not finish, a connection that never answers): cut the
    // connections; BullMQ hands unfinished jobs to another worker when their lock expires
    for (const c of this.connections) c.disconnect();
  }
}
