// Digests on demand: as a reply to the person who asked, or posted (with the chart) to a channel.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Outbox } from "../../delivery/outbox.ts";
import type { ChatPlatform } from "../../delivery/port.ts";
import { UnavailableError } from "../../errors.ts";
import type { Reply } from "../../reply/reply.ts";
import { requireRole, type Actor } from "../actor.ts";
import { DigestService, type Digest } from "./digest.ts";
import { digestReply, type DigestReplyOptions } from "./digestReply.ts";
import { periodFor, type PeriodName } from "./period.ts";

export class AnalyticsService {
  readonly digests: DigestService;
  constructor(db: PrismaClient, private outbox?: Outbox) {
    this.digests = new DigestService(db);
  }

  digest(actor: Actor, period: PeriodName, now = new Date()): Promise<Digest> {
    return this.digests.build(actor.workspaceId, periodFor(period, now));
  }

  async reply(actor: Actor, period: PeriodName, opts: DigestReplyOptions = {}): Promise<Reply> {
    return digestReply(await this.digest(actor, period), opts);
  }

  /**
   * Posts the digest with its chart to a channel through the outbox. Asking twice in the same minute
   * (a double click) posts once.
   */
  async post(actor: Actor, period: PeriodName, channel: { platform: ChatPlatform; channelId: string }, now = new Date()): Promise<void> {
    requireRole(actor, "agent", "post the digest to a channel");
    if (!this.outbox) throw new UnavailableError("Posting needs the job queue, which this process does not have.");
    const reply = await digestReply(await this.digest(actor, period, now), { chart: true, ephemeral: false });
    reply.blocks.splice(1, 0, { type: "context", text: `Posted by ${actor.name}` });
    const minute = now.toISOString().slice(0, 16);
    await this.outbox.deliver({
      platform: channel.platform, workspaceId: actor.workspaceId, target: { channelId: channel.channelId }, reply,
      dedupeKey: `digest:${actor.workspaceId}:${channel.platform}:${channel.channelId}:${period}:${minute}`,
    });
  }
}
