// Who sent an interaction: the guild is the workspace, member.user (in a guild) or user (in a DM) the member.
// member.permissions (a bitfield as a decimal string) says whether they manage the server (CRM admin);
// member.roles feed the workspace's role map.
import type { Actor } from "../../src/domain/actor.ts";
import type { Services } from "../../src/domain/services.ts";
import { UserInputError } from "../../src/errors.ts";

export interface DiscordUser {
  id: string;
  username?: string;
  global_name?: string | null;
}
export interface InteractionIdentity {
  guild_id?: string;
  member?: { user?: DiscordUser; nick?: string | null; permissions?: string; roles?: string[] };
  user?: DiscordUser;
}

export const discordUser = (body: InteractionIdentity): DiscordUser | undefined => body.member?.user ?? body.user;

const ADMINISTRATOR = 1n << 3n;
const MANAGE_GUILD = 1n << 5n;

/** Administrator or Manage Server, from the interaction's member.permissions. */
export function managesServer(permissions: string | undefined): boolean {
  if (!permissions || !/^\d{1,30}$/.test(permissions)) return false;
  return (BigInt(permissions) & (ADMINISTRATOR | MANAGE_GUILD)) !== 0n;
}

export async function discordActor(services: Services, body: InteractionIdentity): Promise<Actor> {
  if (!body.guild_id) throw new UserInputError("Use /crm in a server: the CRM belongs to a server, not to direct messages.");
  const user = discordUser(body);
  if (!user?.id) throw new UserInputError("Discord did not say who you are; try again.");
  const roles = Array.isArray(body.member?.roles)
    ? body.member.roles.filter((r): r is string => typeof r === "string").slice(0, 250)
    : undefined;
  return services.identity.fromPlatform({
    platform: "discord",
    externalId: body.guild_id,
    userId: user.id,
    userName: body.member?.nick || user.global_name || user.username || undefined,
    platformAdmin: managesServer(body.member?.permissions),
    platformRoles: roles,
  });
}
