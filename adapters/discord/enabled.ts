// Whether this process talks to Discord at all, from the configuration alone: kept apart from index.ts so
// that deciding costs nothing (index.ts loads discord.js, ~28 MB and ~1 s, only when the answer is yes).
import type { Config } from "../../src/config/env.ts";

/** The gateway runs with a bot token and DISCORD_GATEWAY=on (no public key needed: nothing comes over HTTP). */
export const discordGatewayEnabled = (c: Config) => Boolean(c.DISCORD_BOT_TOKEN && c.DISCORD_GATEWAY === "on");
/** Workers post to Discord whenever there is a bot token and Discord is in use (HTTP or gateway). */
export const discordDeliveryEnabled = (c: Config) => Boolean(c.DISCORD_BOT_TOKEN && (c.discordEnabled || c.DISCORD_GATEWAY === "on"));
/** Anything of Discord in this process: interactions over HTTP, the gateway, or deliveries. */
export const discordInUse = (c: Config) => c.discordEnabled || discordGatewayEnabled(c) || discordDeliveryEnabled(c);
