// Slack on our server: POST /slack/events (commands, interactivity and events on one URL), the OAuth
// install routes when configured, or Socket Mode when SLACK_APP_TOKEN is set.
import express, { Router } from "express";
import { createSlackApp } from "./app.ts";
import type { SlackDeps } from "./deps.ts";
import { oauthRoutes } from "./oauth.ts";
import { CrmSlackReceiver } from "./receiver.ts";
import { CrmSocketReceiver } from "./socket.ts";

export interface SlackRuntime {
  router: Router;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createSlack(deps: SlackDeps): SlackRuntime {
  const { config, logger } = deps;
  const botToken = config.SLACK_BOT_TOKEN;
  const apiUrl = config.SLACK_API_URL
    ? config.SLACK_API_URL.endsWith("/")
      ? config.SLACK_API_URL
      : `${config.SLACK_API_URL}/`
    : undefined;
  const receiver = config.SLACK_APP_TOKEN
    ? new CrmSocketReceiver({ appToken: config.SLACK_APP_TOKEN, slackApiUrl: apiUrl, logger })
    : new CrmSlackReceiver({
        signingSecret: config.SLACK_SIGNING_SECRET ?? "",
        logger,
        redisUrl: config.REDIS_URL,
        prefix: config.QUEUE_PREFIX,
      });
  createSlackApp(deps, receiver, async ({ teamId, enterpriseId }) => {
    // OAuth installs first; a single-workspace SLACK_BOT_TOKEN serves any team otherwise
    if (config.slackOAuth) {
      const installed = await deps.services.installations.botFor(teamId, enterpriseId);
      if (installed) return installed;
    }
    if (!botToken) throw new Error("no Slack installation for this team");
    return { botToken };
  });
  const router = Router();
  if (config.slackOAuth) router.use(oauthRoutes(deps));
  if (receiver instanceof CrmSlackReceiver) router.post("/slack/events", express.raw({ type: () => true, limit: "1mb" }), receiver.handle);
  return {
    router,
    start: () => receiver.start(),
    stop: () => receiver.stop(),
  };
}
