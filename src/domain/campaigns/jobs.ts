// What campaign code asks of background work. jobs/campaignQueue.ts implements it on BullMQ; the
// domain never sees a queue. Every job is safe to run twice: the recipient ledger decides.
import type { CampaignChannel } from "../../generated/prisma/enums.ts";

export interface CampaignRef {
  workspaceId: string;
  campaignId: string;
}

export interface SendJob extends CampaignRef {
  channel: CampaignChannel;
  recipientIds: string[];
}
export interface TestEmailJob extends CampaignRef {
  to: string;
  sampleContactId?: string;
}

export interface CampaignJobs {
  /** write the recipients, then queue their sends (now, or at `at` for a scheduled campaign) */
  fanout(ref: CampaignRef, at?: Date): Promise<void>;
  /** queue sends for every pending recipient (resume, retry-failed, the watchdog) */
  kick(ref: CampaignRef): Promise<void>;
  send(jobs: SendJob[]): Promise<void>;
  testEmail(job: TestEmailJob): Promise<void>;
  /** redraw the progress message: throttled to one per few seconds, or `now` (first post, final state) */
  progress(ref: CampaignRef, now?: boolean): Promise<void>;
}

/** Recipients per send job: email and Discord batches of ids (email: see emailBatchSize); Slack one job per company. */
export const BATCH_SIZE: Record<CampaignChannel, number> = { email: 100, discord: 10, slack: 0 };

export const EMAIL_BATCH_MAX = 256;

/**
 * Email recipients per send job at a rate limit of `perSecond` messages: a second's worth split into equal
 * jobs of at most 256 (300/s → 2 jobs of 150, so the limiter's jobs-per-second stays exact). A job sends its
 * batch as fast as the relay takes it, so the batch is the burst a relay sees; at high rates a bigger batch
 * spreads a job's fixed costs (taking the job, reading the campaign, its first claim and last record, which
 * are not overlapped with sends) over more messages.
 */
export function emailBatchSize(perSecond: number): number {
  if (!Number.isFinite(perSecond) || perSecond < 1) return 1;
  const r = Math.floor(perSecond);
  return Math.ceil(r / Math.ceil(r / EMAIL_BATCH_MAX));
}
