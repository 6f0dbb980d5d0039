// Puts the /crm command tree and the "Create ticket" message command on Discord: globally (every guild,
// may take a while to show) or in one guild (immediate; good for trying it out). PUT replaces the
// application's commands with ours.
import "./loadFirst.ts"; // before discord.js: see loadFirst.ts
import { Routes } from "discord.js";
import type { Command } from "../../src/commands/define.ts";
import { buildCommandTree, buildMessageCommands } from "./commandTree.ts";
import { createRest } from "./respond.ts";

export interface RegisterOptions {
  applicationId: string;
  botToken: string;
  apiUrl?: string;
  guildId?: string;
}
export interface RegisterResult {
  route: string;
  scope: string;
  subcommands: number;
  groups: string[];
  messageCommands: string[];
  registered: number;
}

export async function registerCommands(commands: Command[], o: RegisterOptions): Promise<RegisterResult> {
  if (o.guildId !== undefined && !/^\d{17,20}$/.test(o.guildId)) throw new Error(`--guild expects a numeric guild id, got "${o.guildId}"`);
  const tree = buildCommandTree(commands);
  const route = o.guildId ? Routes.applicationGuildCommands(o.applicationId, o.guildId) : Routes.applicationCommands(o.applicationId);
  const rest = createRest({ apiUrl: o.apiUrl, botToken: o.botToken });
  try {
    const messageCommands = buildMessageCommands();
    const answer = (await rest.put(route, { body: [tree, ...messageCommands] })) as unknown[];
    const options = tree.options ?? [];
    const groups = options.filter((x) => x.type === 2).map((x) => x.name);
    const subcommands = options.reduce((n, x) => n + (x.type === 2 ? ((x as { options?: unknown[] }).options?.length ?? 0) : 1), 0);
    return {
      route,
      scope: o.guildId ? `guild ${o.guildId}` : "global",
      subcommands,
      groups,
      messageCommands: messageCommands.map((c) => c.name),
      registered: Array.isArray(answer) ? answer.length : 0,
    };
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
}

/** `--guild 123` or `--guild=123` */
export function guildArg(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === "--guild" || a.startsWith("--guild="));
  if (i < 0) return undefined;
  const v = argv[i].includes("=") ? argv[i].split("=")[1] : argv[i + 1];
  if (!v) throw new Error("--guild expects a guild id");
  return v;
}
