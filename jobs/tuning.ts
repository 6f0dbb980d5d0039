// What the environment tunes in the workers. src/config/env.ts parses it once; src/app.ts hands the Config
// to JobRuntime, and every queue and worker reads its numbers from there (rt.tuning), never from process.env.
import type { Config } from "../src/config/env.ts";

export type JobTuning = Pick<
  Config,
  | "JOBS_LOCK_MS"
  | "JOBS_STALLED_MS"
  | "SLACK_COMMAND_CONCURRENCY"
  | "REPORT_SYNC_MS"
  | "PREDICT_DEBOUNCE_MS"
  | "CAMPAIGN_EMAIL_PER_SECOND"
  | "CAMPAIGN_EMAIL_WAVE"
  | "CAMPAIGN_WATCHDOG_MS"
  | "CAMPAIGN_STALE_MS"
  | "CAMPAIGN_PROGRESS_MS"
  | "IMAP_POLL_SECONDS"
>;
