// An APPLICATION_COMMAND (or autocomplete) payload → the command and its raw string arguments, the
// same strings a Slack user would type: a USER option becomes <@id>, a CHANNEL option <#id>.
import "./loadFirst.ts"; // before discord.js: see loadFirst.ts
import { ApplicationCommandOptionType } from "discord.js";
import type { Command } from "../../src/commands/define.ts";
import type { ArgSpec } from "../../src/commands/args.ts";
import { UserInputError } from "../../src/errors.ts";
import { commandIndex } from "./commandTree.ts";

export interface InteractionOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  focused?: boolean;
  options?: InteractionOption[];
}

export interface Invocation {
  cmd: Command;
  raw: Record<string, string>;
  /** the option being typed (autocomplete) */
  focused?: { spec: ArgSpec; value: string };
}

const SUB = new Set<number>([ApplicationCommandOptionType.Subcommand, ApplicationCommandOptionType.SubcommandGroup]);

/** Walks group → subcommand and returns the path plus the leaf options. */
export function flatten(options: InteractionOption[] = []): { path: string[]; leaves: InteractionOption[] } {
  const path: string[] = [];
  let level = options;
  while (level.length === 1 && SUB.has(level[0].type)) {
    path.push(level[0].name);
    level = level[0].options ?? [];
  }
  return { path, leaves: level };
}

export function optionText(o: InteractionOption): string {
  const v = String(o.value ?? "");
  if (o.type === ApplicationCommandOptionType.User) return `<@${v}>`;
  if (o.type === ApplicationCommandOptionType.Channel) return `<#${v}>`;
  if (o.type === ApplicationCommandOptionType.Role) return `<@&${v}>`;
  return v;
}

const specFor = (cmd: Command, optionName: string) => cmd.args.find((a) => a.name.toLowerCase() === optionName);

export function resolveInvocation(commands: Command[] | Map<string, Command>, data: { options?: InteractionOption[] }): Invocation {
  const index = commands instanceof Map ? commands : commandIndex(commands);
  const { path, leaves } = flatten(data.options);
  const cmd = index.get(path.join(" "));
  if (!cmd)
    throw new UserInputError(
      `Unknown command "/crm ${path.join(" ")}". Run /crm help; the command list may be out of date (npm run discord:register).`,
    );
  const raw: Record<string, string> = {};
  let focused: Invocation["focused"];
  for (const o of leaves) {
    const spec = specFor(cmd, o.name);
    if (!spec) throw new UserInputError(`Unknown option "${o.name}".`, cmd.usage);
    if (o.focused) {
      focused = { spec, value: String(o.value ?? "") };
      continue;
    }
    const text = optionText(o);
    if (text.trim() !== "") raw[spec.name] = text;
  }
  return { cmd, raw, focused };
}
