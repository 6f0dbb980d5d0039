// Campaign workers: control (fan-out, kick, test email), one send queue per channel, progress redraws,
// and the watchdog — a timer in every worker process, not a BullMQ repeatable job, because it has to
// work after Redis lost every job (a restart without persistence). One process runs it per tick.
import { randomUUID } from "node:crypto";
import type { Job } from "bullmq";
import type { CampaignRef, SendJob, TestEmailJob } from "../src/domain/campaigns/jobs.ts";
import type { EmailSender, EmailSettings } from "../src/domain/campaigns/email.ts";
import type { LedgerDb } from "../src/domain/campaigns/recipients.ts";
import { RetryLaterError } from "../src/domain/campaigns/sender.ts";
import type { Ports } from "../src/delivery/port.ts";
import type { Services } from "../src/domain/services.ts";
import type { Logger } from "../src/log.ts";
import { bullCampaignJobs } from "./campaignQueue.ts";
import { emailSendBatch, type QueueName } from "./registry.ts";
import type { JobRuntime } from "./runtime.ts";

export interface CampaignWorkerDeps {
  services: Services;
  ports: Ports;
  logger: Logger;
  email?: EmailSender;
  emailSettings?: EmailSettings;
  /** raw SQL on the pg pool for the send ledger (OpenedDb.rawSql) */
  ledger?: LedgerDb;
}

/** one watchdog per tick across all worker processes: SET NX PX on a key under the queue prefix */
const LOCK = "crmCampaignWatchdogLock";
const SEND_QUEUES: QueueName[] = ["campaign-email", "campaign-slack", "campaign-discord"];

export function startCampaignWorkers(rt: JobRuntime, deps: CampaignWorkerDeps): void {
  const jobs = bullCampaignJobs(rt);
  const bg = deps.services.campaigns.background({
    jobs,
    ports: deps.ports,
    email: deps.email,
    emailSettings: deps.emailSettings,
    logger: deps.logger,
    ledger: deps.ledger,
    emailWave: rt.tuning.CAMPAIGN_EMAIL_WAVE,
    emailBatch: emailSendBatch(rt.tuning),
  });

  const control = rt.work<CampaignRef | TestEmailJob>("campaign-control", async (job: Job<CampaignRef | TestEmailJob>) => {
    if (job.name === "fanout") return bg.fanout(job.data);
    if (job.name === "kick") return bg.kick(job.data);
    if (job.name === "test-email") return bg.testEmail(job.data as TestEmailJob);
    throw new Error(`unknown campaign job ${job.name}`);
  });
  for (const name of SEND_QUEUES) {
    rt.work<SendJob>(name, async (job) => {
      try {
        return await bg.send(job.data);
      } catch (e) {
        // nothing was sent for what is left: BullMQ retries the job with backoff
        if (e instanceof RetryLaterError) throw new Error(e.message);
        throw e;
      }
    });
  }
  rt.work<CampaignRef>("campaign-progress", (job) => bg.progress(job.data));

  // CAMPAIGN_STALE_MS outlasts the SMTP socket timeout (60 s) by default: a slow send is not a dead one
  const { CAMPAIGN_WATCHDOG_MS: everyMs, CAMPAIGN_STALE_MS: staleMs } = rt.tuning;
  const me = randomUUID();
  const controlQueue = rt.queue("campaign-control");
  const queuesIdle = async () => {
    const c = await controlQueue.getJobCounts("waiting", "active", "prioritized");
    if (Object.values(c).some((n) => n > 0)) return false;
    for (const name of SEND_QUEUES) {
      const s = await rt.queue(name).getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children");
      if (Object.values(s).some((n) => n > 0)) return false;
    }
    return true;
  };
  let running = false;
  let defined = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const client = await controlQueue.getBackend().client;
      if (!defined) {
        client.defineCommand(LOCK, { numberOfKeys: 1, lua: "return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX')" });
        defined = true;
      }
      const got = await client.runCommand(LOCK, [controlQueue.toKey("watchdog"), me, Math.max(500, Math.floor(everyMs * 0.9))]);
      if (got !== "OK") return;
      const r = await bg.watchdog({ staleMs, queuesIdle });
      if (r.started || r.stale || r.kicked || r.finished) deps.logger.info(r, "campaign watchdog");
    } catch (e) {
      deps.logger.warn({ err: (e as Error).message }, "campaign watchdog failed; next tick retries");
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  // the runtime closes its workers on shutdown: stop the timer and the SMTP pool with them
  control.on("closed", () => {
    clearInterval(timer);
    bg.close();
    void deps.email?.close();
  });
}
