// npm run discord:register [-- --guild <id>]: registers /crm for DISCORD_APPLICATION_ID with DISCORD_BOT_TOKEN.
import { ConfigError, loadConfig } from "../../src/config/env.ts";
import { commands } from "../../src/commands/registry.ts";
import { guildArg, registerCommands } from "./register.ts";

async function main(): Promise<number> {
  const config = loadConfig();
  if (!config.DISCORD_APPLICATION_ID || !config.DISCORD_BOT_TOKEN) {
    console.error("Set DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN (Developer Portal → your application) to register /crm.");
    return 1;
  }
  const guildId = guildArg(process.argv.slice(2));
  const r = await registerCommands(commands, {
    applicationId: config.DISCORD_APPLICATION_ID,
    botToken: config.DISCORD_BOT_TOKEN,
    apiUrl: config.DISCORD_API_URL,
    guildId,
  });
  console.log(
    `Registered /crm (${r.subcommands} subcommands; groups: ${r.groups.join(", ")}) and the message command${r.messageCommands.length === 1 ? "" : "s"} ${r.messageCommands.map((n) => `"${n}"`).join(", ")} ${r.scope === "global" ? "globally (Discord clients may take a few minutes to show changes)" : `in ${r.scope} (available now)`}.`,
  );
  console.log(
    `PUT ${r.route} → Discord now lists ${r.registered} command(s) for this application${r.scope === "global" ? "" : " in that guild"}.`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(e instanceof ConfigError ? e.message : `Registration failed: ${e.message}`);
    process.exit(1);
  },
);
