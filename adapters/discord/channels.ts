// Is a Discord channel one of the workspace's own? GET /channels/{id} with the bot token says which server
// (guild_id) it is in — threads and forum posts carry their server's id too — and it must be the server
// linked to the workspace. The bot's token sees every server it was added to, so without this a manager of
// one server could make the bot post into another's channels.
import "./loadFirst.ts"; // before discord.js: see loadFirst.ts
import { DiscordAPIError } from "@discordjs/rest";
import { Routes } from "discord.js";
import { LRUCache } from "lru-cache";
import type { Config } from "../../src/config/env.ts";
import type { Services } from "../../src/domain/services.ts";
import { CHANNEL_OWNER_TTL_MS, OWN_CHANNEL, notConnected, type ChannelOwnership } from "../../src/delivery/channels.ts";
import { createDiscordRest, mapDiscordError } from "./delivery.ts";

/** Discord's answers that mean "no channel of yours": malformed id, Missing Access, Unknown Channel. */
const NOT_VISIBLE = new Set([400, 403, 404]);

export interface DiscordChannels extends ChannelOwnership {
  close(): Promise<void>;
}

export function createDiscordChannels(
  config: Pick<Config, "DISCORD_API_URL" | "DISCORD_BOT_TOKEN">,
  services: Pick<Services, "identity">,
): DiscordChannels {
  const rest = createDiscordRest(config);
  /** channel id → its server's id ("" for a channel outside any server, such as a DM) */
  const serverOf = new LRUCache<string, string>({ max: 20_000, ttl: CHANNEL_OWNER_TTL_MS });

  async function lookup(channelId: string): Promise<string | null> {
    const known = serverOf.get(channelId);
    if (known !== undefined) return known;
    try {
      const channel = (await rest.get(Routes.channel(channelId))) as { guild_id?: string };
      const guild = channel.guild_id ?? "";
      serverOf.set(channelId, guild);
      return guild;
    } catch (e) {
      if (e instanceof DiscordAPIError && NOT_VISIBLE.has(e.status)) return null;
      return mapDiscordError(e); // 429 → RateLimitedError; network and 5xx as they are
    }
  }

  return {
    async check(workspaceId, platform, channelId) {
      if (platform !== "discord") return notConnected(platform, channelId);
      const own = await services.identity.externalIdOf(workspaceId, "discord");
      if (!own) return notConnected("discord", channelId);
      if (!config.DISCORD_BOT_TOKEN)
        return { ok: false, reason: `#${channelId} cannot be checked: the bot has no Discord token (DISCORD_BOT_TOKEN).` };
      const guild = await lookup(channelId);
      if (guild === own) return OWN_CHANNEL;
      return {
        ok: false,
        reason:
          guild === null
            ? `#${channelId} is not a channel the bot can see in this workspace's Discord server; pick one of its own channels.`
            : `#${channelId} is not a channel of this workspace's Discord server; pick one of its own channels.`,
      };
    },
    async close() {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    },
  };
}
