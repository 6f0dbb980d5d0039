// campaignSender: one send job = a batch of recipient ids. Recipients are claimed a wave at a time
// right before their sends (so a crash strands as few as possible in `sending`), sent, and recorded
// as `sent` by the statement that claims the next wave (one round trip per wave). Only an error that proves nothing went out puts a
// recipient back to pending; an ambiguous one ends as failed "unknown" instead of risking a duplicate.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { PermanentDeliveryError, RateLimitedError, type ChatDelivery, type ChatPlatform } from "../../delivery/port.ts";
import { reply } from "../../reply/reply.ts";
import type { Logger } from "../../log.ts";
import { buildEmail, EmailRejectedError, EmailUnreachableError, unsubscribeToken, type EmailSender, type EmailSettings } from "./email.ts";
import { campaignToSend, claim, markFinal, markSent, release, UNKNOWN, type ClaimedRecipient, type LedgerDb } from "./recipients.ts";
import { contactValues, groupValues, renderTemplate } from "./template.ts";
import type { SendJob } from "./jobs.ts";

export interface SenderDeps {
  db: PrismaClient;
  /** runs the per-wave ledger statements (claim, sent, failed, released); db when not given */
  ledger?: LedgerDb;
  email?: EmailSender;
  emailSettings?: EmailSettings;
  ports: Partial<Record<ChatPlatform, ChatDelivery>>;
  logger?: Logger;
  /**
   * Email recipients claimed and sent at once (about the SMTP pool size; Discord: 1). Bigger waves send
   * faster; a crash leaves at most wave × job concurrency recipients in doubt.
   */
  emailWave?: number;
}

/** A recipient-level temporary failure (SMTP 4xx) counts an attempt; after this many it is failed. */
export const MAX_ATTEMPTS = 4;

/** Nothing was sent and the job should run again later (backoff): the provider is unreachable. */
export class RetryLaterError extends Error {
  override name = "RetryLaterError";
}

type Outcome =
  | { kind: "sent" }
  | { kind: "failed"; reason: string }
  | { kind: "skipped"; reason: string }
  /** nothing went out; counts an attempt unless refund */
  | { kind: "retry"; reason: string; refund: boolean }
  | { kind: "rate"; error: RateLimitedError };

export interface BatchResult {
  claimed: number;
  sent: number;
  failed: number;
  skipped: number;
  released: number;
}

const errText = (e: unknown) => ((e as Error)?.message ?? String(e)).slice(0, 300);
const NOT_SENT_CODES = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/;

/** Chat ports: 429 → pause, permanent → failed, a refused connection → retry; anything else may have posted. */
function chatOutcome(e: unknown): Outcome {
  if (e instanceof RateLimitedError) return { kind: "rate", error: e };
  if (e instanceof PermanentDeliveryError) return { kind: "failed", reason: e.message };
  const err = e as { code?: string; original?: { code?: string }; cause?: { code?: string } };
  if (NOT_SENT_CODES.test(`${err.code ?? ""} ${err.original?.code ?? ""} ${err.cause?.code ?? ""} ${errText(e)}`))
    return { kind: "retry", reason: errText(e), refund: true };
  return { kind: "failed", reason: `${UNKNOWN}: ${errText(e)}; it may have been posted, so it is not sent again` };
}

function emailOutcome(e: unknown): Outcome {
  if (e instanceof EmailRejectedError)
    return e.permanent ? { kind: "failed", reason: e.message } : { kind: "retry", reason: e.message, refund: false };
  if (e instanceof EmailUnreachableError) return { kind: "retry", reason: e.message, refund: true };
  return {
    kind: "failed",
    reason: `${UNKNOWN}: ${errText(e)}; the connection broke mid-send, so it may have been delivered and is not sent again`,
  };
}

export async function sendBatch(deps: SenderDeps, job: SendJob): Promise<BatchResult> {
  const ledger = deps.ledger ?? deps.db;
  const campaign = await campaignToSend(ledger, job);
  const result: BatchResult = { claimed: 0, sent: 0, failed: 0, skipped: 0, released: 0 };
  if (!campaign || campaign.status !== "sending" || !campaign.message) return result;
  const c = { ...campaign, message: campaign.message };
  if (c.channel === "slack") return sendSlack(deps, job, c, result);

  const wave = c.channel === "email" ? Math.max(1, deps.emailWave ?? 16) : 1;
  const deliver = c.channel === "email" ? emailDeliverer(deps, c) : discordDeliverer(deps, job, c);
  // Each wave's claim is in flight while the wave before it is being sent, so the database round trip is
  // not waited for on its own. The claim also records as `sent` the wave before that one (one statement
  // per wave); the batch's last wave is recorded on its own. At any moment at most two waves per job are
  // sent-but-unrecorded: the one being sent, and the one whose record rides on the claim in flight.
  const waves: string[][] = [];
  for (let i = 0; i < job.recipientIds.length; i += wave) waves.push(job.recipientIds.slice(i, i + wave));
  let accepted: string[] = [];
  let next: Promise<ClaimedRecipient[]> | undefined = waves.length ? claim(ledger, c.id, waves[0]!) : undefined;
  for (let w = 0; next; w++) {
    const claimed = await next;
    result.claimed += claimed.length;
    result.skipped += claimed.filter((r) => r.status === "skipped").length;
    const mine = claimed.filter((r) => r.status === "sending");
    const sending = Promise.all(
      mine.map(async (r) => {
        const o = await deliver(r).catch((e: unknown) => (c.channel === "email" ? emailOutcome(e) : chatOutcome(e)));
        return { r, o };
      }),
    );
    if (w + 1 < waves.length) {
      next = claim(ledger, c.id, waves[w + 1]!, accepted);
      accepted = [];
    } else {
      // the last wave: what is still unrecorded is recorded after it, on its own
      next = undefined;
    }
    // a failed claim must not go unobserved while this wave is sent; the loop awaits it next
    next?.catch(() => undefined);
    const outcomes = await sending;
    let stop: Error | undefined;
    for (const { r, o } of outcomes) {
      if (o.kind === "sent") {
        accepted.push(r.id);
        result.sent++;
      } else if (o.kind === "failed" || o.kind === "skipped") {
        await markFinal(ledger, [r.id], o.kind, o.reason);
        result[o.kind]++;
      } else if (o.kind === "rate") {
        await release(ledger, [r.id], true);
        result.released++;
        stop = o.error;
      } else if (!o.refund && r.attempts >= MAX_ATTEMPTS) {
        await markFinal(ledger, [r.id], "failed", `${o.reason} (after ${r.attempts} attempts)`);
        result.failed++;
      } else {
        await release(ledger, [r.id], o.refund, o.reason);
        result.released++;
        stop ??= new RetryLaterError(o.reason);
      }
    }
    // a 429 or an unreachable provider: the rest of the batch waits for the job's next run, and the wave
    // claimed meanwhile goes back to pending untouched (its attempt refunded)
    if (stop) {
      if (next) {
        const ahead = (await next).filter((r) => r.status === "sending").map((r) => r.id);
        result.claimed += ahead.length;
        result.released += await release(ledger, ahead, true);
      }
      await markSent(ledger, accepted);
      throw stop;
    }
  }
  await markSent(ledger, accepted);
  return result;
}

type Deliver = (r: ClaimedRecipient) => Promise<Outcome>;
type Campaign = { id: string; number: number; name: string; subject: string | null; message: string };

function emailDeliverer(deps: SenderDeps, c: Campaign): Deliver {
  return async (r) => {
    if (!deps.email || !deps.emailSettings)
      return { kind: "failed", reason: "email is not configured on the worker (SMTP_URL, MAIL_FROM, PUBLIC_URL, ENCRYPTION_KEY)" };
    if (!r.email) return { kind: "skipped", reason: "no email address" };
    const msg = buildEmail(
      deps.emailSettings,
      c,
      { id: r.id, email: r.email, token: unsubscribeToken(r.id, deps.emailSettings.secret) },
      contactValues(r),
    );
    await deps.email.send(msg);
    return { kind: "sent" };
  };
}

function discordDeliverer(deps: SenderDeps, job: SendJob, c: Campaign): Deliver {
  return async (r) => {
    const port = deps.ports.discord;
    if (!port) return { kind: "failed", reason: "Discord is not configured on the worker" };
    if (!r.discordUserId) return { kind: "skipped", reason: "no Discord account linked" };
    await port.post(
      job.workspaceId,
      { userId: r.discordUserId },
      reply(c.name, false)
        .text(renderTemplate(c.message, contactValues(r)))
        .build(),
    );
    return { kind: "sent" };
  };
}

/** Slack: one post per company channel; the company's recipients are recorded together. */
async function sendSlack(deps: SenderDeps, job: SendJob, c: Campaign, result: BatchResult): Promise<BatchResult> {
  const { db } = deps;
  const claimed = await claim(db, c.id, job.recipientIds);
  result.claimed = claimed.length;
  result.skipped = claimed.filter((r) => r.status === "skipped").length;
  const groups = new Map<string, ClaimedRecipient[]>();
  const noChannel: string[] = [];
  for (const r of claimed.filter((x) => x.status === "sending")) {
    if (!r.slackChannelId) {
      noChannel.push(r.id);
      continue;
    }
    groups.set(r.slackChannelId, [...(groups.get(r.slackChannelId) ?? []), r]);
  }
  await markFinal(db, noChannel, "skipped", "company has no Slack channel (/crm company channel)");
  result.skipped += noChannel.length;
  const port = deps.ports.slack;
  const open = [...groups.entries()];
  while (open.length) {
    const [channelId, rs] = open.shift()!;
    const ids = rs.map((r) => r.id);
    if (!port) {
      await markFinal(db, ids, "failed", "Slack is not configured on the worker");
      result.failed += ids.length;
      continue;
    }
    let o: Outcome;
    try {
      await port.post(
        job.workspaceId,
        { channelId },
        reply(c.name, false)
          .text(renderTemplate(c.message, groupValues(rs)))
          .build(),
      );
      o = { kind: "sent" };
    } catch (e) {
      o = chatOutcome(e);
    }
    if (o.kind === "sent") {
      await markSent(db, ids);
      result.sent += ids.length;
      continue;
    }
    if (o.kind === "failed" || o.kind === "skipped") {
      await markFinal(db, ids, o.kind, o.reason);
      result[o.kind] += ids.length;
      continue;
    }
    // nothing was posted: this company and the ones not tried yet go back to pending for the next run
    const back = [...ids, ...open.flatMap(([, more]) => more.map((r) => r.id))];
    await release(db, back, true, o.kind === "retry" ? o.reason : undefined);
    result.released += back.length;
    throw o.kind === "rate" ? o.error : new RetryLaterError(o.reason);
  }
  return result;
}
