// The /crm command as Discord sees it, generated from the command registry (never a hand-written list):
// areas (deal, ticket, contact, company) become subcommand groups and their verbs subcommands; one-word
// commands (help, log, pipeline, role, oncall) are top-level subcommands. The discord.js builders
// validate names, descriptions and counts as we go, so an over-long registry fails here, not at Discord.
// Next to /crm: the "Create ticket" message command (right-click a message → Apps → Create ticket).
import "./loadFirst.ts"; // before discord.js: see loadFirst.ts
import {
  ApplicationCommandType,
  ContextMenuCommandBuilder,
  InteractionContextType,
  SlashCommandBuilder,
  SlashCommandSubcommandBuilder,
  SlashCommandSubcommandGroupBuilder,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from "discord.js";
import type { Command } from "../../src/commands/define.ts";
import type { ArgSpec } from "../../src/commands/args.ts";
import { clip } from "../../src/reply/format.ts";
import { CREATE_TICKET_COMMAND } from "./tickets.ts";

export const ROOT_COMMAND = "crm";
/** Discord allows at most 25 choices on an option; longer lists are offered through autocomplete. */
export const MAX_CHOICES = 25;

const discordName = (word: string) =>
  word
    .toLowerCase()
    .replace(/[^\p{Ll}\p{N}_-]+/gu, "-")
    .slice(0, 32);

/**
 * Discord allows 25 subcommands and groups under /crm; these rarer commands live in a related group there
 * (everywhere else their text is unchanged: /crm leads, /crm sla show…). docs/discord.md lists them ("Where commands live on Discord").
 */
export const DISCORD_HOMES: Readonly<Record<string, [string, string]>> = {
  leads: ["score", "leads"],
  "model refit": ["score", "model-refit"],
  oncall: ["ticket", "oncall"],
  "sla show": ["ticket", "sla-show"],
  "sla set": ["ticket", "sla-set"],
};

/**
 * [subcommand] or [group, subcommand]; a deeper path ("score rule add") joins its tail: score → rule-add.
 * Discord cannot have a subcommand and a group of the same name, so a one-word command whose name is
 * also a group ("digest" beside "digest post") becomes that group's "show", or "set" when it takes a
 * required argument ("role" beside "role map": /crm role set @user agent), or "run" if that name is taken.
 */
export function discordPath(cmd: Command, commands: Command[] = []): [string] | [string, string] {
  const home = DISCORD_HOMES[cmd.path.join(" ")];
  if (home) return home;
  if (cmd.path.length > 1) return [discordName(cmd.path[0]), discordName(cmd.path.slice(1).join("-"))];
  const name = discordName(cmd.path[0]);
  const siblings = commands.filter((c) => c.path.length > 1 && discordName(c.path[0]) === name).map((c) => discordPath(c)[1]);
  if (!siblings.length) return [name];
  // a command that takes something sets it (role → role set); one that takes nothing shows it (digest → digest show)
  const verb = cmd.args.some((a) => a.required) ? "set" : "show";
  return [name, siblings.includes(verb) ? "run" : verb];
}

/** "deal new" (Discord's group + subcommand) → the command it came from. */
export function commandIndex(commands: Command[]): Map<string, Command> {
  return new Map(commands.map((c) => [discordPath(c, commands).join(" "), c]));
}

/** Discord refuses a required option after an optional one; the registry's order stays as it is. */
export const discordOrder = (args: ArgSpec[]): ArgSpec[] => [...args].sort((a, b) => Number(b.required) - Number(a.required));

/** ref and stage arguments (and choice lists too long for Discord) are completed as the user types. */
export const autocompletes = (a: ArgSpec) => a.type === "ref" || a.dynamic === "stage" || (a.choices?.length ?? 0) > MAX_CHOICES;

/**
 * Discord counts every name, description and choice of /crm against one budget of 8,000 characters, so a
 * description there is the first clause of the registry's text (before "; ", ": ", " (" or " — "), cut at a
 * word to `max` characters; the whole text stays in /crm help.
 */
export function describe(text: string, fallback: string, max = 100): string {
  const whole = (text || fallback).replace(/\s+/g, " ").trim();
  const clause = whole.split(/; |: | \(| — /)[0];
  const base = clause.length >= 12 ? clause : whole;
  if (base.length <= max) return base || fallback;
  const cut = base.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return (space > max / 2 ? cut.slice(0, space) : cut) + "…";
}

/** Discord's budget for all the names, descriptions and choices of one command. */
export const COMMAND_CHARS = 8000;
/** Description lengths, a subcommand's and an option's (its name says the rest): the longest that fit the budget. */
const BUDGETS: readonly Budget[] = [
  { sub: 50, option: 28 },
  { sub: 44, option: 24 },
  { sub: 40, option: 22 },
  { sub: 36, option: 20 },
  { sub: 32, option: 18 },
];
interface Budget {
  sub: number;
  option: number;
}

function addOption(sub: SlashCommandSubcommandBuilder, a: ArgSpec, budget: Budget): void {
  const base = <T extends { setName(n: string): T; setDescription(d: string): T; setRequired(r: boolean): T }>(o: T) =>
    o
      .setName(discordName(a.name))
      .setDescription(describe(a.description, a.name, budget.option))
      .setRequired(a.required);
  switch (a.type) {
    case "member":
      sub.addUserOption((o) => base(o));
      return;
    case "channel":
      sub.addChannelOption((o) => base(o));
      return;
    case "serverRole":
      sub.addRoleOption((o) => base(o));
      return;
    case "int":
      sub.addIntegerOption((o) => base(o));
      return;
    default:
      sub.addStringOption((o) => {
        base(o);
        // Discord's client then stops the typing at the same limit the command checks (src/parse/limits.ts)
        if (a.type === "text" && a.maxLength) o.setMaxLength(a.maxLength);
        if (autocompletes(a)) return o.setAutocomplete(true);
        if (a.choices?.length) o.addChoices(...a.choices.map((c) => ({ name: clip(c, 100), value: clip(c, 100) })));
        return o;
      });
  }
}

function subcommand(cmd: Command, name: string, budget: Budget): SlashCommandSubcommandBuilder {
  const sub = new SlashCommandSubcommandBuilder().setName(name).setDescription(describe(cmd.summary, cmd.path.join(" "), budget.sub));
  for (const a of discordOrder(cmd.args)) addOption(sub, a, budget);
  return sub;
}

/** The JSON body for PUT /applications/{id}/commands (one element: /crm). */
export function buildCommandTree(commands: Command[]): RESTPostAPIChatInputApplicationCommandsJSONBody {
  let tree = buildTree(commands, BUDGETS[0]);
  for (const budget of BUDGETS.slice(1)) {
    if (commandChars(tree) <= COMMAND_CHARS) break;
    tree = buildTree(commands, budget);
  }
  return tree;
}

/** What Discord counts against COMMAND_CHARS: every name, description and choice name and value. */
export function commandChars(o: {
  name: string;
  description?: string;
  options?: unknown[];
  choices?: { name: string; value: unknown }[];
}): number {
  const own = o.name.length + (o.description?.length ?? 0);
  const choices = (o.choices ?? []).reduce((n, c) => n + c.name.length + String(c.value).length, 0);
  const nested = (o.options ?? []).reduce<number>((n, x) => n + commandChars(x as Parameters<typeof commandChars>[0]), 0);
  return own + choices + nested;
}

function buildTree(commands: Command[], budget: Budget): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const root = new SlashCommandBuilder()
    .setName(ROOT_COMMAND)
    .setDescription("The CRM in chat: contacts, companies, deals, tickets and the pipeline")
    .setContexts(InteractionContextType.Guild);
  const groups = new Map<string, { builder: SlashCommandSubcommandGroupBuilder; verbs: string[] }>();
  // groups first get their description (which lists the verbs), then their subcommands
  const paths = new Map(commands.map((c) => [c, discordPath(c, commands)]));
  for (const cmd of commands) {
    const path = paths.get(cmd)!;
    if (path.length === 2) {
      const g = groups.get(path[0]) ?? { builder: new SlashCommandSubcommandGroupBuilder().setName(path[0]), verbs: [] };
      g.verbs.push(path[1]);
      groups.set(path[0], g);
    }
  }
  const added = new Set<string>();
  for (const cmd of commands) {
    const path = paths.get(cmd)!;
    if (path.length === 1) {
      root.addSubcommand(subcommand(cmd, path[0], budget));
      continue;
    }
    const g = groups.get(path[0])!;
    if (!added.has(path[0])) {
      added.add(path[0]);
      g.builder.setDescription(describe(`${cap(path[0])}: ${g.verbs.join(", ")}`, path[0], 40));
      root.addSubcommandGroup(g.builder);
    }
    g.builder.addSubcommand(subcommand(cmd, path[1], budget));
  }
  return root.toJSON();
}

/** The message commands (type 3) registered beside /crm. */
export function buildMessageCommands(): RESTPostAPIContextMenuApplicationCommandsJSONBody[] {
  return [
    new ContextMenuCommandBuilder()
      .setName(CREATE_TICKET_COMMAND)
      .setType(ApplicationCommandType.Message)
      .setContexts(InteractionContextType.Guild)
      .toJSON(),
  ];
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
