// Workspace settings a manager changes from chat: the support channel (each ticket created on Discord
// gets a private thread there) and the deal forum (deal rooms open as forum posts instead of threads
// in the channel the command ran in). Both are Discord features.
import { UserInputError } from "../../errors.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { JoinRule } from "../../generated/prisma/enums.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";

export interface ChannelSetting {
  platform: string;
  channelId: string;
}
export interface WorkspaceSettings {
  supportChannelId: string | null;
  dealForumId: string | null;
}

type Field = keyof WorkspaceSettings;
const WHAT: Record<Field, { action: string; command: string }> = {
  supportChannelId: { action: "workspace.supportChannel", command: "/crm support channel" },
  dealForumId: { action: "workspace.dealForum", command: "/crm deal forum" },
};

export class WorkspaceSettingsService {
  constructor(private db: PrismaClient) {}

  get(workspaceId: string): Promise<WorkspaceSettings> {
    return this.db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { supportChannelId: true, dealForumId: true } });
  }

  /** The rule for people who are not members yet, and what it is when the workspace never chose one. */
  async joinRule(workspaceId: string): Promise<{ rule: JoinRule | null; platforms: string[] }> {
    const ws = await this.db.workspace.findUniqueOrThrow({
      where: { id: workspaceId },
      select: { joinRule: true, links: { select: { platform: true } } },
    });
    return { rule: ws.joinRule, platforms: ws.links.map((l) => l.platform) };
  }

  async setJoinRule(actor: Actor, rule: JoinRule): Promise<void> {
    requireRole(actor, "admin", "change who joins");
    await this.db.$transaction(async (tx) => {
      const before = await tx.workspace.findUniqueOrThrow({ where: { id: actor.workspaceId }, select: { joinRule: true } });
      await tx.workspace.update({ where: { id: actor.workspaceId }, data: { joinRule: rule } });
      await audit(tx, actor, "workspace.joinRule", "workspace", actor.workspaceId, { joinRule: before.joinRule }, { joinRule: rule });
    });
  }

  setSupportChannel(actor: Actor, channel: ChannelSetting) {
    return this.set(actor, "supportChannelId", channel, "set the support channel");
  }
  setDealForum(actor: Actor, channel: ChannelSetting) {
    return this.set(actor, "dealForumId", channel, "set the deal forum");
  }

  private async set(actor: Actor, field: Field, channel: ChannelSetting, what: string): Promise<WorkspaceSettings> {
    requireRole(actor, "manager", what);
    if (channel.platform !== "discord")
      throw new UserInputError(`Threads are a Discord feature: run ${WHAT[field].command} in Discord and pick a Discord channel.`);
    return this.db.$transaction(async (tx) => {
      const select = { supportChannelId: true, dealForumId: true } as const;
      const before = await tx.workspace.findUniqueOrThrow({ where: { id: actor.workspaceId }, select });
      const after = await tx.workspace.update({ where: { id: actor.workspaceId }, data: { [field]: channel.channelId }, select });
      await audit(
        tx,
        actor,
        WHAT[field].action,
        "workspace",
        actor.workspaceId,
        { [field]: before[field] },
        { [field]: channel.channelId },
      );
      return after;
    });
  }
}
