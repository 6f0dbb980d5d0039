// The campaign's status message in the channel it was sent from: posted once, then edited in place
// (delivery port `update`) with a progress bar and counts; the jobs layer throttles how often.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { CampaignStatus } from "../../generated/prisma/enums.ts";
import { PermanentDeliveryError, type ChatDelivery, type ChatPlatform } from "../../delivery/port.ts";
import { b, reply, s, type Reply } from "../../reply/reply.ts";
import { plural } from "../../reply/format.ts";
import type { Logger } from "../../log.ts";
import { statusCounts, type StatusCounts } from "./recipients.ts";

/** statusMessageId placeholders: a post in progress, or a channel the bot cannot post to */
const UNAVAILABLE = "unavailable";

export function progressBar(done: number, total: number, width = 20): string {
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const full = Math.round(frac * width);
  return `${"▓".repeat(full)}${"░".repeat(width - full)} ${Math.floor(frac * 100)}%`;
}

const HEADLINE: Record<CampaignStatus, string> = {
  draft: "📝 draft",
  scheduled: "🕒 scheduled",
  sending: "📤 sending",
  paused: "⏸️ paused",
  cancelled: "🛑 cancelled",
  done: "✅ done",
};

export function progressReply(c: { number: number; name: string; channel: string; status: CampaignStatus }, n: StatusCounts): Reply {
  const done = n.sent + n.failed + n.skipped;
  const r = reply(
    `K-${c.number} ${c.name}: ${HEADLINE[c.status]} · ${n.sent} sent, ${n.failed} failed, ${n.skipped} skipped of ${n.total}`,
    false,
  )
    .header(`K-${c.number} · ${c.name}`)
    .text([b(HEADLINE[c.status]), s(` · ${c.channel} · ${plural(n.total, "recipient")}\n`), s(progressBar(done, n.total))])
    .fields([
      { label: "Queued", value: String(n.pending + n.sending) },
      { label: "Sent", value: String(n.sent) },
      { label: "Failed", value: n.unknown ? `${n.failed} (${n.unknown} unknown)` : String(n.failed) },
      { label: "Skipped", value: String(n.skipped) },
    ]);
  if (c.status === "done" && n.failed) r.context(`Retry the failures with /crm campaign retry-failed K-${c.number}`);
  return r.record(`K-${c.number}`).build();
}

/**
 * Posts the status message the first time (claiming the slot so two jobs never post two), then edits it.
 * Re-reads the campaign after an edit: if it finished meanwhile, draws the final state again.
 */
export async function drawProgress(
  db: PrismaClient,
  ports: Partial<Record<ChatPlatform, ChatDelivery>>,
  ref: { workspaceId: string; campaignId: string },
  logger?: Logger,
): Promise<"none" | "posted" | "updated"> {
  const load = () =>
    db.campaign.findFirst({
      where: { id: ref.campaignId, workspaceId: ref.workspaceId },
      select: { number: true, name: true, channel: true, status: true, statusPlatform: true, statusChannelId: true, statusMessageId: true },
    });
  const c = await load();
  if (!c?.statusChannelId || (c.statusPlatform !== "slack" && c.statusPlatform !== "discord")) return "none";
  const port = ports[c.statusPlatform];
  if (!port) {
    logger?.warn({ platform: c.statusPlatform }, "campaign progress: platform not configured on this worker");
    return "none";
  }
  if (!c.statusMessageId) {
    const claimed = await db.campaign.updateMany({
      where: { id: ref.campaignId, statusMessageId: null },
      data: { statusMessageId: "posting" },
    });
    if (!claimed.count) return "none";
    try {
      const at = await port.post(
        ref.workspaceId,
        { channelId: c.statusChannelId },
        progressReply(c, await statusCounts(db, ref.campaignId)),
      );
      await db.campaign.update({ where: { id: ref.campaignId }, data: { statusMessageId: at.messageId, statusChannelId: at.channelId } });
    } catch (e) {
      // the bot cannot post there (not in the channel, archived…): stop trying for this campaign
      const next = e instanceof PermanentDeliveryError ? UNAVAILABLE : null;
      await db.campaign.updateMany({ where: { id: ref.campaignId, statusMessageId: "posting" }, data: { statusMessageId: next } });
      throw e;
    }
    // a final state reached while we were posting found the slot taken and drew nothing: draw it now
    const now = await load();
    if (now && now.status !== c.status && now.statusMessageId && now.statusChannelId) await redraw(port, db, ref, now);
    return "posted";
  }
  if (c.statusMessageId === "posting" || c.statusMessageId === UNAVAILABLE) return "none";
  await redraw(port, db, ref, c);
  return "updated";
}

type Loaded = {
  number: number;
  name: string;
  channel: string;
  status: CampaignStatus;
  statusChannelId: string | null;
  statusMessageId: string | null;
};

async function redraw(port: ChatDelivery, db: PrismaClient, ref: { workspaceId: string; campaignId: string }, c: Loaded): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await port.update(
      ref.workspaceId,
      { channelId: c.statusChannelId!, messageId: c.statusMessageId! },
      progressReply(c, await statusCounts(db, ref.campaignId)),
    );
    // finished while we drew: draw the final state once more so the last word is the truth
    const now = await db.campaign.findFirst({
      where: { id: ref.campaignId },
      select: { number: true, name: true, channel: true, status: true, statusChannelId: true, statusMessageId: true },
    });
    if (!now || now.status === c.status || (now.status !== "done" && now.status !== "cancelled")) return;
    c = now;
  }
}
