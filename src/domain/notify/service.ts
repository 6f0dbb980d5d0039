// Where changes are announced: `/crm notify deals #sales` routes, and deal rooms. Deliveries go to the
// outbox (a queue); a failure to enqueue never undoes the change that was already committed.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { NotifyTopic } from "../../generated/prisma/enums.ts";
import type { Outbox } from "../../delivery/outbox.ts";
import type { ChatPlatform } from "../../delivery/port.ts";
import type { Reply } from "../../reply/reply.ts";
import type { Logger } from "../../log.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";

export class NotifyService {
  constructor(
    private db: PrismaClient,
    private outbox: Outbox | undefined,
    private logger?: Logger,
  ) {}

  async setRoute(actor: Actor, topic: NotifyTopic, channel: { platform: ChatPlatform; channelId: string }) {
    requireRole(actor, "manager", "route notifications");
    return this.db.$transaction(async (tx) => {
      const before = await tx.notifyRoute.findUnique({
        where: { workspaceId_topic_platform: { workspaceId: actor.workspaceId, topic, platform: channel.platform } },
      });
      const row = await tx.notifyRoute.upsert({
        where: { workspaceId_topic_platform: { workspaceId: actor.workspaceId, topic, platform: channel.platform } },
        create: { workspaceId: actor.workspaceId, topic, platform: channel.platform, channelId: channel.channelId },
        update: { channelId: channel.channelId },
      });
      await audit(tx, actor, "notify.route", "notifyRoute", row.id, before ? { channelId: before.channelId } : null, {
        topic,
        platform: channel.platform,
        channelId: channel.channelId,
      });
      return row;
    });
  }

  routes(workspaceId: string, topic: NotifyTopic) {
    return this.db.notifyRoute.findMany({ where: { workspaceId, topic } });
  }

  /**
   * Queues reply for the topic's channels and, for deals, the deal's room; throws when it cannot (an event
   * handler then runs again). With a dedupeKey each channel gets it once however often this is called. With
   * ticketCard (a ticket's id) each posted message is remembered as that ticket's card.
   */
  async post(
    workspaceId: string,
    topic: NotifyTopic,
    reply: Reply,
    opts: { dealId?: string; dedupeKey?: string; ticketCard?: string } = {},
  ): Promise<number> {
    if (!this.outbox) return 0;
    const targets: { platform: ChatPlatform; channelId: string }[] = (await this.routes(workspaceId, topic))
      .filter((r) => r.platform !== "console")
      .map((r) => ({ platform: r.platform as ChatPlatform, channelId: r.channelId }));
    if (opts.dealId) {
      const deal = await this.db.deal.findFirst({
        where: { id: opts.dealId, workspaceId },
        select: { roomPlatform: true, roomChannelId: true },
      });
      if (deal?.roomChannelId && deal.roomPlatform && deal.roomPlatform !== "console")
        targets.push({ platform: deal.roomPlatform, channelId: deal.roomChannelId });
    }
    const shared: Reply = { ...reply, ephemeral: false };
    for (const t of targets) {
      await this.outbox.deliver({
        platform: t.platform,
        workspaceId,
        target: { channelId: t.channelId },
        reply: shared,
        dedupeKey: opts.dedupeKey ? `${opts.dedupeKey}:${t.platform}:${t.channelId}` : undefined,
        ...(opts.ticketCard ? { ticketCard: opts.ticketCard } : {}),
      });
    }
    return targets.length;
  }

  /** post, best effort: a failure to queue is logged, never thrown (the change it tells of stands). */
  async announce(
    workspaceId: string,
    topic: NotifyTopic,
    reply: Reply,
    opts: { dealId?: string; dedupeKey?: string } = {},
  ): Promise<number> {
    try {
      return await this.post(workspaceId, topic, reply, opts);
    } catch (e) {
      this.logger?.error({ err: (e as Error).message, topic }, "could not enqueue notification");
      return 0;
    }
  }
}
