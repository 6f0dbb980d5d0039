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

/** A channel a post goes to. */
export interface Target {
  platform: ChatPlatform;
  channelId: string;
}

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

  /** The chat channels a post on the topic goes to: the topic's routes and, for a deal, its room (one statement). */
  async targets(workspaceId: string, topic: NotifyTopic, dealId?: string): Promise<Target[]> {
    const rows = await this.db.$queryRaw<Target[]>`
      SELECT r."platform"::text AS "platform", r."channelId" FROM "NotifyRoute" r
      WHERE r."workspaceId" = ${workspaceId} AND r."topic" = ${topic}::"NotifyTopic"
      UNION ALL
      SELECT d."roomPlatform"::text, d."roomChannelId" FROM "Deal" d
      WHERE d."id" = ${dealId ?? null} AND d."workspaceId" = ${workspaceId} AND d."roomPlatform" IS NOT NULL AND d."roomChannelId" IS NOT NULL`;
    return rows.filter((r) => (r.platform as string) !== "console");
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
    opts: { dealId?: string; dedupeKey?: string; ticketCard?: string; targets?: Target[] } = {},
  ): Promise<number> {
    if (!this.outbox) return 0;
    const targets = opts.targets ?? (await this.targets(workspaceId, topic, opts.dealId));
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
