// The platform and mail adapters, loaded only when this process is configured to use them: a CRM without
// Discord never loads discord.js (~28 MB, ~1 s), one without Slack never loads Bolt, and the admin queue
// board, IMAP, mail parsing and the SMTP listener come in with their settings. Part of the composition root
// (src/app.ts), the one place that wires adapters.
import type { Config } from "./config/env.ts";
import { discordInUse } from "../adapters/discord/enabled.ts";

export async function loadSlack(config: Config) {
  if (!config.slackEnabled) return undefined;
  const [index, delivery, surface, people, channels] = await Promise.all([
    import("../adapters/slack/index.ts"),
    import("../adapters/slack/delivery.ts"),
    import("../adapters/slack/surface.ts"),
    import("../adapters/slack/people.ts"),
    import("../adapters/slack/channels.ts"),
  ]);
  return {
    createSlack: index.createSlack,
    createSlackDelivery: delivery.createSlackDelivery,
    slackSurface: surface.slackSurface,
    slackPeople: people.slackPeople,
    createSlackChannels: channels.createSlackChannels,
  };
}

export async function loadDiscord(config: Config) {
  if (!discordInUse(config)) return undefined;
  const [index, delivery, channels, buttons, threads] = await Promise.all([
    import("../adapters/discord/index.ts"),
    import("../adapters/discord/delivery.ts"),
    import("../adapters/discord/channels.ts"),
    import("../adapters/discord/buttons.ts"),
    import("../adapters/discord/threads.ts"),
  ]);
  return {
    createDiscord: index.createDiscord,
    createDiscordDelivery: delivery.createDiscordDelivery,
    createDiscordChannels: channels.createDiscordChannels,
    ButtonStore: buttons.ButtonStore,
    openTicketThread: threads.openTicketThread,
  };
}
