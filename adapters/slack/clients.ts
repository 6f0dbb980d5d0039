// The Web API client for a workspace's Slack team: the installation's bot token (OAuth) or SLACK_BOT_TOKEN
// (one team), one client per token. Posting and channel checks pick their token the same way.
import { WebClient } from "@slack/web-api";
import type { Config } from "../../src/config/env.ts";
import type { Services } from "../../src/domain/services.ts";
import { PermanentDeliveryError } from "../../src/delivery/port.ts";

export type SlackClients = (workspaceId: string) => Promise<WebClient>;

/** Throws PermanentDeliveryError when the workspace has no token to act with. */
export function slackClients(config: Config, services: Pick<Services, "identity" | "installations">): SlackClients {
  const clients = new Map<string, WebClient>();
  const apiUrl = config.SLACK_API_URL
    ? config.SLACK_API_URL.endsWith("/")
      ? config.SLACK_API_URL
      : `${config.SLACK_API_URL}/`
    : undefined;

  return async (workspaceId) => {
    let token = config.SLACK_BOT_TOKEN;
    if (config.slackOAuth) {
      const team = await services.identity.externalIdOf(workspaceId, "slack");
      const installed = team ? await services.installations.botFor(team, team) : null;
      token = installed?.botToken ?? token;
    }
    if (!token) throw new PermanentDeliveryError("slack: this workspace has no Slack installation");
    let c = clients.get(token);
    if (!c) {
      c = new WebClient(token, { slackApiUrl: apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
      clients.set(token, c);
    }
    return c;
  };
}
