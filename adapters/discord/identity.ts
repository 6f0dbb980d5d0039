// Who sent an interaction: the guild is the workspace, member.user (in a guild) or user (in a DM) the member.
import type { Actor } from "../../src/domain/actor.ts";
import type { Services } from "../../src/domain/services.ts";
import { UserInputError } from "../../src/errors.ts";

export interface DiscordUser { id: string; username?: string; global_name?: string | null }
export interface InteractionIdentity { guild_id?: string; member?: { user?: DiscordUser; nick?: string | null }; user?: DiscordUser }

export const discordUser = (body: InteractionIdentity): DiscordUser | undefined => body.member?.user ?? body.user;

export async function discordActor(services: Services, body: InteractionIdentity): Promise<Actor> {
  if (!body.guild_id) throw new UserInputError("Use /crm in a server: the CRM belongs to a server, not to direct messages.");
  const user = discordUser(body);
  if (!user?.id) throw new UserInputError("Discord did not say who you are; try again.");
  return services.identity.fromPlatform({
    platform: "discord", externalId: body.guild_id, userId: user.id,
    userName: body.member?.nick || user.global_name || user.username || undefined,
  });
}
