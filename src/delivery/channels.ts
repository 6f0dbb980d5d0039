// Only our own channels: the bot's one token reaches every Slack team and Discord server it was added to,
// so a channel a setting names (and every channel a message goes to) must belong to the workspace's own
// Slack team or Discord server. The Slack and Discord adapters answer the question (adapters/*/channels.ts);
// the command layer asks before a setting is saved (commands/channels.ts), the delivery adapters again
// before each post (requireOwnChannel).
import type { Logger } from "../log.ts";
import { PermanentDeliveryError, type ChatPlatform } from "./port.ts";

export type ChannelCheck = { ok: true } | { ok: false; reason: string };

export interface ChannelOwnership {
  /**
   * ok when channelId is a channel of the workspace's own Slack team / Discord server; a refusal says why in
   * words for the person who named it. Throws when the platform could not be asked (network, 429, 5xx).
   */
  check(workspaceId: string, platform: ChatPlatform, channelId: string): Promise<ChannelCheck>;
}

/** How long a channel's owner, once learned from the platform, is trusted (refusals and failures are not kept). */
export const CHANNEL_OWNER_TTL_MS = 5 * 60_000;

export const PLATFORM_NAME: Record<ChatPlatform, string> = { slack: "Slack", discord: "Discord" };

export const OWN_CHANNEL: ChannelCheck = { ok: true };

export const notConnected = (platform: ChatPlatform, channelId: string): ChannelCheck => ({
  ok: false,
  reason: `#${channelId} is a ${PLATFORM_NAME[platform]} channel, but this workspace has no ${PLATFORM_NAME[platform]} connection; name one of its own channels.`,
});

const SETTINGS: Record<ChatPlatform, string> = {
  slack: "SLACK_SIGNING_SECRET or SLACK_APP_TOKEN",
  discord: "DISCORD_BOT_TOKEN with DISCORD_PUBLIC_KEY or DISCORD_GATEWAY=on",
};

/** A channel of a platform this server does not run: nothing could ever be posted there. */
export const notServed = (platform: ChatPlatform, channelId: string): ChannelCheck => ({
  ok: false,
  reason: `#${channelId} is a ${PLATFORM_NAME[platform]} channel, but this server does not run ${PLATFORM_NAME[platform]} (${SETTINGS[platform]} is not set), so nothing could be posted there.`,
});

/** Asks the adapter of the channel's platform; a platform this process has no adapter for has no channels of ours. */
export class PlatformChannels implements ChannelOwnership {
  private adapters = new Map<ChatPlatform, ChannelOwnership>();

  /** Registered once at start-up (the adapters need the services that hold this object). */
  use(platform: ChatPlatform, adapter: ChannelOwnership): this {
    this.adapters.set(platform, adapter);
    return this;
  }

  async check(workspaceId: string, platform: ChatPlatform, channelId: string): Promise<ChannelCheck> {
    const adapter = this.adapters.get(platform);
    return adapter ? adapter.check(workspaceId, platform, channelId) : notServed(platform, channelId);
  }
}

/**
 * Before a post: a channel that is not the workspace's own is refused for good (PermanentDeliveryError: a
 * retry cannot make it ours) and logged with the workspace and channel. Failing to ask the platform throws
 * as is, so the delivery is retried.
 */
export async function requireOwnChannel(
  channels: ChannelOwnership,
  workspaceId: string,
  platform: ChatPlatform,
  channelId: string,
  logger?: Logger,
): Promise<void> {
  const r = await channels.check(workspaceId, platform, channelId);
  if (r.ok) return;
  logger?.warn({ workspaceId, platform, channelId, reason: r.reason }, "refused to post to a channel that is not the workspace's own");
  throw new PermanentDeliveryError(`${platform}: ${r.reason}`);
}
