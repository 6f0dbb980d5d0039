// Discord on our server. Interactions (slash commands, the "Create ticket" message command, buttons,
// forms, autocomplete) arrive over HTTP at POST /discord/interactions, or over the gateway when
// DISCORD_GATEWAY=on (which also brings 🎫 reactions and messages in ticket threads); both transports
// share one core. Register the commands once with `npm run discord:register`. Posting to channels,
// threads and DMs is the delivery port (delivery.ts), run by the workers.
import { ReplayGuard } from "../http/replayGuard.ts";
import express, { Router } from "express";
import { interactionCore, interactionsHandler } from "./interactions.ts";
import { ButtonStore } from "./buttons.ts";
import { createRest } from "./respond.ts";
import { createGateway } from "./gateway.ts";
import type { DiscordDeps } from "./deps.ts";

export interface DiscordRuntime {
  router: Router;
  start(): void;
  close(): Promise<void>;
}

import { discordGatewayEnabled } from "./enabled.ts";
export { discordDeliveryEnabled, discordGatewayEnabled } from "./enabled.ts";

export function createDiscord(deps: DiscordDeps): DiscordRuntime {
  const { config } = deps;
  const rest = createRest({ apiUrl: config.DISCORD_API_URL, botToken: config.DISCORD_BOT_TOKEN });
  const buttons = new ButtonStore(deps.redis, config.QUEUE_PREFIX);
  const core = interactionCore(deps, { rest, buttons });
  const router = Router();
  const replay = config.discordEnabled ? new ReplayGuard(config.REDIS_URL, config.QUEUE_PREFIX, "discord", deps.logger) : undefined;
  if (replay)
    router.post("/discord/interactions", express.raw({ type: () => true, limit: "1mb" }), interactionsHandler(deps, core, replay));
  const gateway = discordGatewayEnabled(config) ? createGateway(deps, core, { rest }) : undefined;
  return {
    router,
    start() {
      gateway?.start();
    },
    async close() {
      await gateway?.close();
      replay?.close();
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    },
  };
}
