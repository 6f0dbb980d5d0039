// Every channel-typed argument of every command is checked to be one of the workspace's own channels
// before the command runs, so no setting (notify, support channel, deal forum, report schedule, company
// channel, and any added later) can point the bot at another team's or server's channel.
import { UserInputError } from "../errors.ts";
import type { Actor } from "../domain/actor.ts";
import type { Services } from "../domain/services.ts";
import { PLATFORM_NAME } from "../delivery/channels.ts";
import type { ChatPlatform } from "../delivery/port.ts";
import type { Command } from "./define.ts";
import type { ChannelRef } from "../parse/index.ts";

/** The platform (or the database) could not be asked; `cause` is what failed. */
export class ChannelCheckFailed extends Error {
  override name = "ChannelCheckFailed";
  constructor(
    platform: ChatPlatform,
    channelId: string,
    override cause: unknown,
  ) {
    super(`Could not ask ${PLATFORM_NAME[platform]} whether #${channelId} is one of this workspace's channels; try again in a moment.`);
  }
}

/** Throws UserInputError for a channel that is not the workspace's own, ChannelCheckFailed when that could not be learned. */
export async function checkChannelArgs(cmd: Command, args: unknown, actor: Actor, services: Services): Promise<void> {
  for (const spec of cmd.args) {
    if (spec.type !== "channel") continue;
    const ref = (args as Record<string, ChannelRef | undefined>)[spec.name];
    if (!ref) continue;
    const r = await services.channels.check(actor.workspaceId, ref.platform, ref.channelId).catch((e: unknown) => {
      throw new ChannelCheckFailed(ref.platform, ref.channelId, e);
    });
    if (!r.ok) throw new UserInputError(r.reason, cmd.usage);
  }
}
