// Deal rooms: a private channel (Slack) or thread (Discord) per deal where every change is posted.
// Creating one is slow platform work, so the command only asks for it; a job makes the room.
import { UserInputError } from "../../errors.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Outbox } from "../../delivery/outbox.ts";
import type { ChatPlatform } from "../../delivery/port.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveRef } from "../refs.ts";

const slug = (s: string) =>
  s
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 50);

export class RoomService {
  constructor(
    private db: PrismaClient,
    private outbox: Outbox | undefined,
  ) {}

  async request(actor: Actor, ref: string, channelId?: string) {
    requireRole(actor, "agent", "open deal rooms");
    if (actor.platform !== "slack" && actor.platform !== "discord")
      throw new UserInputError("Deal rooms live in Slack or Discord: run /crm deal room there.");
    if (!actor.platformUserId) throw new UserInputError("Deal rooms need a chat user.");
    const hit = await resolveRef(this.db, actor.workspaceId, "deal", ref);
    const deal = await this.db.deal.findFirstOrThrow({ where: { id: hit.id, workspaceId: actor.workspaceId } });
    if (deal.roomChannelId)
      throw new UserInputError(`D-${deal.number} already has a room (${deal.roomPlatform} channel ${deal.roomChannelId}).`);
    if (!this.outbox) throw new UserInputError("Background work is not running; try again shortly.");
    await this.outbox.createRoom({
      platform: actor.platform,
      workspaceId: actor.workspaceId,
      dealId: deal.id,
      requesterUserId: actor.platformUserId,
      fromChannelId: channelId,
    });
    return deal;
  }

  /** What the room job needs: name and who to invite (owner and requester, on that platform). */
  async plan(workspaceId: string, dealId: string, platform: ChatPlatform, requesterUserId: string) {
    const deal = await this.db.deal.findFirstOrThrow({ where: { id: dealId, workspaceId }, include: { owner: true } });
    const ownerId = platform === "slack" ? deal.owner?.slackUserId : deal.owner?.discordUserId;
    return {
      deal,
      name: `deal-d${deal.number}-${slug(deal.title)}`.slice(0, 80),
      memberUserIds: [...new Set([requesterUserId, ...(ownerId ? [ownerId] : [])])],
    };
  }

  /** Records the room once; false when another run already did (the job then does nothing more). */
  async attach(workspaceId: string, dealId: string, platform: ChatPlatform, channelId: string): Promise<boolean> {
    const res = await this.db.deal.updateMany({
      where: { id: dealId, workspaceId, roomChannelId: null },
      data: { roomPlatform: platform, roomChannelId: channelId },
    });
    if (res.count === 1) await audit(this.db, { workspaceId }, "deal.room", "deal", dealId, null, { platform, channelId });
    return res.count === 1;
  }

  async roomOf(workspaceId: string, dealId: string) {
    return this.db.deal.findFirst({ where: { id: dealId, workspaceId }, select: { roomPlatform: true, roomChannelId: true } });
  }

  /** "D-7" when channelId is a deal's room in this workspace. */
  async dealKeyForRoom(actor: Actor, channelId: string): Promise<string | undefined> {
    const d = await this.db.deal.findFirst({
      where: { workspaceId: actor.workspaceId, roomChannelId: channelId },
      select: { number: true },
    });
    return d ? `D-${d.number}` : undefined;
  }
}
