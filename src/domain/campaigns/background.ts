// What the campaign workers run, bound to the database: the jobs layer (jobs/campaignWorkers.ts) calls
// these and never touches Prisma itself.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { ChatDelivery, ChatPlatform } from "../../delivery/port.ts";
import type { Logger } from "../../log.ts";
import { buildEmail, testToken, type EmailSender, type EmailSettings } from "./email.ts";
import type { CampaignJobs, CampaignRef, SendJob, TestEmailJob } from "./jobs.ts";
import { drawProgress } from "./progress.ts";
import { fanout, finish, kick, startIfDue, watchdog, type WatchdogOptions } from "./runner.ts";
import { sendBatch, type BatchResult } from "./sender.ts";
import type { LedgerDb } from "./recipients.ts";
import { contactValues } from "./template.ts";

export interface BackgroundDeps {
  jobs: CampaignJobs;
  ports: Partial<Record<ChatPlatform, ChatDelivery>>;
  email?: EmailSender;
  emailSettings?: EmailSettings;
  emailWave?: number;
  /** email recipients per send job (emailBatchSize of CAMPAIGN_EMAIL_PER_SECOND) */
  emailBatch?: number;
  /** the ledger's raw SQL on the pg pool (OpenedDb.rawSql); Prisma when not given */
  ledger?: LedgerDb;
  logger?: Logger;
}

/**
 * After a send job, how long to wait for the next one of the same campaign before checking whether the
 * campaign is finished. The check reads the campaign's recipients, so it runs once after the last job
 * rather than after each of them (a job ends every few ms on a fast relay).
 */
export const FINISH_CHECK_DELAY_MS = 200;

export class CampaignBackground {
  private finishChecks = new Map<string, ReturnType<typeof setTimeout>>();
  constructor(
    private db: PrismaClient,
    private deps: BackgroundDeps,
  ) {}

  private get runner() {
    return { db: this.db, jobs: this.deps.jobs, logger: this.deps.logger, emailBatch: this.deps.emailBatch };
  }

  /** A scheduled campaign whose time has come starts here; then the recipients are written and queued. */
  async fanout(ref: CampaignRef) {
    await startIfDue(this.db, ref);
    return fanout(this.runner, ref);
  }

  kick(ref: CampaignRef) {
    return kick(this.runner, ref);
  }

  /**
   * One batch; afterwards the progress message is due for a redraw and, once no other batch of the
   * campaign follows within FINISH_CHECK_DELAY_MS, the campaign may be finished. (If this process stops
   * first, the watchdog of any worker finishes it.)
   */
  async send(job: SendJob): Promise<BatchResult> {
    const result = await sendBatch(
      {
        db: this.db,
        email: this.deps.email,
        emailSettings: this.deps.emailSettings,
        ports: this.deps.ports,
        logger: this.deps.logger,
        emailWave: this.deps.emailWave,
        ledger: this.deps.ledger,
      },
      job,
    );
    if (result.claimed) {
      await this.deps.jobs.progress(job, false);
      this.finishSoon({ workspaceId: job.workspaceId, campaignId: job.campaignId });
    }
    return result;
  }

  private finishSoon(ref: CampaignRef) {
    clearTimeout(this.finishChecks.get(ref.campaignId));
    const t = setTimeout(() => {
      this.finishChecks.delete(ref.campaignId);
      finish(this.runner, ref).catch((e: unknown) =>
        this.deps.logger?.warn(
          { campaign: ref.campaignId, err: (e as Error).message },
          "campaign finish check failed; the watchdog retries",
        ),
      );
    }, FINISH_CHECK_DELAY_MS);
    t.unref();
    this.finishChecks.set(ref.campaignId, t);
  }

  /** Drops the pending finish checks (worker shutdown; the watchdog covers them). */
  close() {
    for (const t of this.finishChecks.values()) clearTimeout(t);
    this.finishChecks.clear();
  }

  progress(ref: CampaignRef) {
    return drawProgress(this.db, this.deps.ports, ref, this.deps.logger);
  }

  watchdog(opts: WatchdogOptions) {
    return watchdog(this.runner, opts);
  }

  /** The test email: the campaign rendered for a sample contact, to the team's MAIL_FROM address. */
  async testEmail(job: TestEmailJob): Promise<void> {
    const { email, emailSettings } = this.deps;
    if (!email || !emailSettings) throw new Error("email is not configured on the worker");
    const c = await this.db.campaign.findFirst({ where: { id: job.campaignId, workspaceId: job.workspaceId } });
    if (!c?.message) return;
    const sample = job.sampleContactId
      ? await this.db.contact.findFirst({
          where: { id: job.sampleContactId, workspaceId: job.workspaceId },
          include: { company: true, owner: true },
        })
      : null;
    const values = sample
      ? contactValues({ name: sample.name, company: sample.company?.name, owner: sample.owner?.name })
      : contactValues({ name: "Sample Contact", company: "Sample Company" });
    await email.send(
      buildEmail(
        emailSettings,
        { ...c, message: c.message },
        { id: `test-${c.id}`, email: job.to, token: testToken(c.id, emailSettings.secret) },
        values,
        true,
      ),
    );
  }
}
