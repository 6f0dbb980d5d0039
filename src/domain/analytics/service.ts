// Digests on demand: the figures for a reply to the person who asked (src/commands/digest.ts draws it), or
// posted with the chart to a channel (drawn by the DigestRenderer that src/app.ts hands in).
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Outbox } from "../../delivery/outbox.ts";
import type { ChatPlatform } from "../../delivery/port.ts";
import { UnavailableError } from "../../errors.ts";
import { requireRole, type Actor } from "../actor.ts";
import { DigestService, type Digest, type DigestPipeline, type DigestRenderer } from "./digest.ts";
import { periodFor, type PeriodName } from "./period.ts";

export class AnalyticsService {
  readonly digests: DigestService;
  constructor(
    db: PrismaClient,
    private outbox?: Outbox,
    private render?: DigestRenderer,
  ) {
    this.digests = new DigestService(db);
  }

  /** early: the pipeline as soon as it is read (DigestService.build) */
  digest(actor: Actor, period: PeriodName, now = new Date(), early?: (part: DigestPipeline) => void): Promise<Digest> {
    return this.digests.build(actor.workspaceId, periodFor(period, now), early);
  }

  /**
   * Posts the digest with its chart to a channel through the outbox. Asking twice in the same minute
   * (a double click) posts once.
   */
  async post(actor: Actor, period: PeriodName, channel: { platform: ChatPlatform; channelId: string }, now = new Date()): Promise<void> {
    requireRole(actor, "agent", "post the digest to a channel");
    if (!this.outbox || !this.render) throw new UnavailableError("Posting needs the job queue, which this process does not have.");
    const reply = await this.render(await this.digest(actor, period, now), { chart: true, ephemeral: false });
    reply.blocks.splice(1, 0, { type: "context", text: `Posted by ${actor.name}` });
    const minute = now.toISOString().slice(0, 16);
    await this.outbox.deliver({
      platform: channel.platform,
      workspaceId: actor.workspaceId,
      target: { channelId: channel.channelId },
      reply,
      dedupeKey: `digest:${actor.workspaceId}:${channel.platform}:${channel.channelId}:${period}:${minute}`,
    });
  }
}
