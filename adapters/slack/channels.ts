// Is a Slack channel one of the workspace's own? conversations.info with the workspace's own bot token:
// a channel the token cannot see (another team's, or private without the bot) is refused, and when Slack
// says which teams a channel belongs to (context_team_id; for shared channels conversation_host_id and
// shared_team_ids), the workspace's team must be one of them. A channel object without these fields is
// taken as the token's own.
import { ErrorCode, type WebAPICallError } from "@slack/web-api";
import { LRUCache } from "lru-cache";
import type { Config } from "../../src/config/env.ts";
import type { Services } from "../../src/domain/services.ts";
import { CHANNEL_OWNER_TTL_MS, OWN_CHANNEL, notConnected, type ChannelOwnership } from "../../src/delivery/channels.ts";
import { PermanentDeliveryError, RateLimitedError } from "../../src/delivery/port.ts";
import { slackClients } from "./clients.ts";

interface ChannelTeams {
  context_team_id?: string;
  conversation_host_id?: string;
  shared_team_ids?: string[];
  internal_team_ids?: string[];
  enterprise_id?: string;
}

/** The teams Slack says a channel belongs to; none when the answer does not say. */
export function teamsOf(channel: unknown): string[] {
  if (!channel || typeof channel !== "object") return [];
  const c = channel as ChannelTeams;
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  return [c.context_team_id, c.conversation_host_id, ...list(c.shared_team_ids), ...list(c.internal_team_ids), c.enterprise_id].filter(
    (t): t is string => typeof t === "string" && t !== "",
  );
}

export function createSlackChannels(config: Config, services: Pick<Services, "identity" | "installations">): ChannelOwnership {
  const clientFor = slackClients(config, services);
  /** "team:channel" pairs Slack confirmed */
  const confirmed = new LRUCache<string, true>({ max: 20_000, ttl: CHANNEL_OWNER_TTL_MS });

  return {
    async check(workspaceId, platform, channelId) {
      if (platform !== "slack") return notConnected(platform, channelId);
      const team = await services.identity.externalIdOf(workspaceId, "slack");
      if (!team) return notConnected("slack", channelId);
      const key = `${team}:${channelId}`;
      if (confirmed.has(key)) return OWN_CHANNEL;
      const client = await clientFor(workspaceId).catch((e: unknown) => {
        if (e instanceof PermanentDeliveryError) return null;
        throw e;
      });
      if (!client) return notConnected("slack", channelId);
      let channel: unknown;
      try {
        channel = (await client.conversations.info({ channel: channelId })).channel;
      } catch (e) {
        const err = e as WebAPICallError & { retryAfter?: number; data?: { error?: string } };
        if (err.code === ErrorCode.RateLimitedError)
          throw new RateLimitedError((err.retryAfter ?? 1) * 1000, "slack: rate limited on conversations.info");
        if (err.code !== ErrorCode.PlatformError) throw e;
        const code = err.data?.error ?? "error";
        return {
          ok: false,
          reason:
            code === "channel_not_found"
              ? `#${channelId} is not a channel the bot can see in this workspace's Slack team; pick one of its own channels (a private one needs the bot invited first).`
              : `Slack would not describe #${channelId} (${code}); pick one of this workspace's own channels.`,
        };
      }
      const teams = teamsOf(channel);
      if (teams.length && !teams.includes(team)) {
        return { ok: false, reason: `#${channelId} is not a channel of this workspace's Slack team; pick one of its own channels.` };
      }
      confirmed.set(key, true);
      return OWN_CHANNEL;
    },
  };
}
