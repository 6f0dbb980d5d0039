// What Slack says about a person the CRM does not know yet (users.info): a guest, or someone of another
// team (a Slack Connect channel), never becomes a member. Asked once per new person, then cached.
import { WebClient } from "@slack/web-api";
import { LRUCache } from "lru-cache";
import type { Config } from "../../src/config/env.ts";
import type { Services } from "../../src/domain/services.ts";
import type { PlatformProfile } from "../../src/domain/workspaces/identity.ts";
import { UnavailableError } from "../../src/errors.ts";

interface SlackUser {
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  team_id?: string;
  enterprise_user?: { enterprise_id?: string };
  /** the person's IANA zone ("Europe/Madrid"): their task due times are read in it */
  tz?: string;
}

export function slackPeople(config: Config, services: Services) {
  const apiUrl = config.SLACK_API_URL
    ? config.SLACK_API_URL.endsWith("/")
      ? config.SLACK_API_URL
      : `${config.SLACK_API_URL}/`
    : undefined;
  const profiles = new LRUCache<string, PlatformProfile>({ max: 10_000, ttl: 10 * 60_000 });
  const clients = new Map<string, WebClient>();

  async function tokenFor(teamId: string): Promise<string | undefined> {
    if (config.slackOAuth) {
      const installed = await services.installations.botFor(teamId, teamId);
      if (installed) return installed.botToken;
    }
    return config.SLACK_BOT_TOKEN;
  }

  return async function slackProfile(teamId: string, userId: string): Promise<PlatformProfile> {
    const key = `${teamId}:${userId}`;
    const hit = profiles.get(key);
    if (hit) return hit;
    const token = await tokenFor(teamId);
    // Socket Mode or signing secret without a bot token: nothing to ask with; the join rule still applies
    if (!token) return { guest: false };
    let client = clients.get(token);
    if (!client) {
      client = new WebClient(token, { slackApiUrl: apiUrl, retryConfig: { retries: 1 }, timeout: 2000 });
      clients.set(token, client);
    }
    let user: SlackUser | undefined;
    try {
      user = (await client.users.info({ user: userId })).user as SlackUser | undefined;
    } catch {
      // cannot tell whether this is a guest: do not let them in on a guess
      throw new UnavailableError("Slack did not answer who you are; try again in a moment.");
    }
    const profile: PlatformProfile = {
      guest: Boolean(user?.is_restricted || user?.is_ultra_restricted),
      teamId: user?.team_id,
      enterpriseId: user?.enterprise_user?.enterprise_id,
      ...(user?.tz ? { timeZone: user.tz } : {}),
    };
    profiles.set(key, profile);
    return profile;
  };
}
