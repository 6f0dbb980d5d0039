// The campaign's background steps, each safe to run twice: fan-out (recipients in one INSERT … SELECT,
// then send jobs), kick (send jobs for whatever is pending), finish, and the watchdog that repairs
// what a crash or a Redis restart left behind.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Logger } from "../../log.ts";
import { BATCH_SIZE, type CampaignJobs, type CampaignRef, type SendJob } from "./jobs.ts";
import { completeIfFinished, failStale, insertRecipients, pendingBatches, pendingByCompany, statusCounts } from "./recipients.ts";
import { parseSegment } from "./segment.ts";
import { resolveSegment } from "./segmentSql.ts";

export interface RunnerDeps {
  db: PrismaClient;
  jobs: CampaignJobs;
  logger?: Logger;
  /** email recipients per send job (emailBatchSize of the rate limit); BATCH_SIZE.email when not given */
  emailBatch?: number;
}

const batchSize = (deps: RunnerDeps, channel: SendJob["channel"]) => (channel === "email" && deps.emailBatch) || BATCH_SIZE[channel];

/** Contacts written per fan-out statement: a small first chunk so sending starts within a moment. */
export const FANOUT_FIRST_CHUNK = 2_000;
export const FANOUT_CHUNK = 20_000;

/**
 * Writes the recipients once (startedAt marks that it ran), chunk by chunk, and queues their sends: for
 * email and Discord each chunk's send jobs as soon as it is written; for Slack (one job per company,
 * which spans chunks) all at the end. A rerun (a crash before startedAt) adds only the contacts not
 * written yet and queues everything pending again; a duplicate job claims nothing.
 */
export async function fanout(deps: RunnerDeps, ref: CampaignRef): Promise<{ inserted: number; batches: number }> {
  const { db } = deps;
  const c = await db.campaign.findFirst({ where: { id: ref.campaignId, workspaceId: ref.workspaceId } });
  if (!c || c.status !== "sending") return { inserted: 0, batches: 0 };
  let inserted = 0;
  let queued = 0;
  let requeue = !!c.startedAt || c.channel === "slack";
  if (!c.startedAt) {
    const { where } = await resolveSegment(db, c.workspaceId, parseSegment(c.segment, c.createdAt), { meId: c.authorId, strict: false });
    for (let after: string | null = null, limit = FANOUT_FIRST_CHUNK; ; limit = FANOUT_CHUNK) {
      const chunk = await insertRecipients(db, c, where, after, limit);
      inserted += chunk.inserted;
      if (chunk.inserted < chunk.examined) requeue = true;
      if (c.channel !== "slack") {
        const size = batchSize(deps, c.channel);
        const groups: string[][] = [];
        for (let i = 0; i < chunk.pending.length; i += size) groups.push(chunk.pending.slice(i, i + size));
        queued += await queueSends(deps, ref, c.channel, groups);
      }
      if (chunk.examined < limit || !chunk.last) break;
      after = chunk.last;
    }
    await db.campaign.updateMany({ where: { id: c.id, startedAt: null }, data: { startedAt: new Date() } });
    deps.logger?.info({ campaign: c.id, recipients: inserted }, "campaign fan-out");
  }
  await deps.jobs.progress(ref, true);
  // nothing queued yet (Slack, a rerun, or no one to send to: kick then finishes the campaign)
  const batches = requeue || queued === 0 ? await kick(deps, ref) : queued;
  // a small campaign's jobs may all have ended before startedAt was set, when finishing could not happen yet
  if (!requeue && queued > 0) await finish(deps, ref);
  return { inserted, batches };
}

/** One send job per group of recipient ids, queued 500 at a time. */
async function queueSends(deps: RunnerDeps, ref: CampaignRef, channel: SendJob["channel"], groups: string[][]): Promise<number> {
  const jobs: SendJob[] = groups.map((ids) => ({ ...ref, channel, recipientIds: ids }));
  for (let i = 0; i < jobs.length; i += 500) await deps.jobs.send(jobs.slice(i, i + 500));
  return jobs.length;
}

/** One send job per batch of pending recipients (per company for Slack). */
export async function kick(deps: RunnerDeps, ref: CampaignRef): Promise<number> {
  const c = await deps.db.campaign.findFirst({
    where: { id: ref.campaignId, workspaceId: ref.workspaceId },
    select: { status: true, channel: true },
  });
  if (!c || c.status !== "sending") return 0;
  const groups =
    c.channel === "slack"
      ? await pendingByCompany(deps.db, ref.campaignId)
      : await pendingBatches(deps.db, ref.campaignId, batchSize(deps, c.channel));
  const n = await queueSends(deps, ref, c.channel, groups);
  if (!n) await finish(deps, ref);
  return n;
}

/** Marks the campaign done when nothing is left in flight; the one caller that does it draws the final state. */
export async function finish(deps: RunnerDeps, ref: CampaignRef): Promise<boolean> {
  const done = await completeIfFinished(deps.db, ref.campaignId);
  if (done) {
    deps.logger?.info({ campaign: ref.campaignId }, "campaign done");
    await deps.jobs.progress(ref, true);
  }
  return done;
}

/** scheduled → sending when its time has come; true for the one caller that started it. */
export async function startIfDue(db: PrismaClient, ref: CampaignRef): Promise<boolean> {
  const n = await db.campaign.updateMany({
    where: { id: ref.campaignId, workspaceId: ref.workspaceId, status: "scheduled", scheduledAt: { lte: new Date() } },
    data: { status: "sending" },
  });
  return n.count > 0;
}

export interface WatchdogOptions {
  /** a recipient `sending` for longer than this is given up as failed "unknown" */
  staleMs: number;
  /** true when no campaign job is waiting or running: pending recipients then have no job to send them */
  queuesIdle(): Promise<boolean>;
}

/**
 * Repairs what a crash or a Redis restart leaves behind. Runs every few seconds in each worker:
 * due scheduled campaigns start; stale `sending` recipients end as failed "unknown"; finished campaigns
 * are marked done; and when no job is queued at all, sending campaigns get their fan-out or their
 * pending recipients queued again (a duplicate job is harmless: it claims nothing).
 */
export async function watchdog(
  deps: RunnerDeps,
  opts: WatchdogOptions,
): Promise<{ started: number; stale: number; kicked: number; finished: number }> {
  const { db } = deps;
  const out = { started: 0, stale: 0, kicked: 0, finished: 0 };
  const due = await db.campaign.findMany({
    where: { status: "scheduled", scheduledAt: { lte: new Date() } },
    select: { id: true, workspaceId: true },
  });
  for (const c of due) {
    const ref = { workspaceId: c.workspaceId, campaignId: c.id };
    if (await startIfDue(db, ref)) {
      out.started++;
      await deps.jobs.fanout(ref);
    }
  }
  const recent = new Date(Date.now() - 86_400_000);
  const live = await db.campaign.findMany({
    where: { OR: [{ status: { in: ["sending", "paused"] } }, { status: "cancelled", finishedAt: { gte: recent } }] },
    select: { id: true, workspaceId: true, status: true, startedAt: true },
  });
  if (!live.length) return out;
  for (const s of await failStale(
    db,
    live.map((c) => c.id),
    opts.staleMs,
  )) {
    out.stale += s.n;
    deps.logger?.warn({ campaign: s.campaignId, recipients: s.n }, "campaign: recipients stuck in sending marked failed (unknown)");
  }
  let idle: boolean | undefined;
  for (const c of live.filter((x) => x.status === "sending")) {
    const ref = { workspaceId: c.workspaceId, campaignId: c.id };
    if (c.startedAt && (await finish(deps, ref))) {
      out.finished++;
      continue;
    }
    idle ??= await opts.queuesIdle();
    if (!idle) continue;
    if (!c.startedAt) {
      await deps.jobs.fanout(ref);
      out.kicked++;
      continue;
    }
    const n = await statusCounts(db, c.id);
    if (n.pending > 0) {
      await kick(deps, ref);
      out.kicked++;
    }
  }
  return out;
}
