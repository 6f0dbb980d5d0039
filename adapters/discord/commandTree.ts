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
 * [subcommand] or [group, subcommand]; a deeper path ("score rule add") joins its tail: score → rule-add.
 * Discord cannot have a subcommand and a group of the same name, so a one-word command whose name is
 * also a group ("digest" beside "digest post") becomes that group's "show", or "set" when it takes a
 * required argument ("role" beside "role map": /crm role set @user agent), or "run" if that name is taken.
 */
export function discordPath(cmd: Command, commands: Command[] = []): [string] | [string, string] {
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

const describe = (text: string, fallback: string) => clip((text || fallback).replace(/\s+/g, " ").trim(), 100) || fallback;

function addOption(sub: SlashCommandSubcommandBuilder, a: ArgSpec): void {
  const base = <T extends { setName(n: string): T; setDescription(d: string): T; setRequired(r: boolean): T }>(o: T) =>
    o.setName(discordName(a.name)).setDescription(describe(a.description, a.name)).setRequired(a.required);
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
        if (autocompletes(a)) return o.setAutocomplete(true);
        if (a.choices?.length) o.addChoices(...a.choices.map((c) => ({ name: clip(c, 100), value: clip(c, 100) })));
        return o;
      });
  }
}

function subcommand(cmd: Command, name: string): SlashCommandSubcommandBuilder {
  const sub = new SlashCommandSubcommandBuilder().setName(name).setDescription(describe(cmd.summary, cmd.path.join(" ")));
  for (const a of discordOrder(cmd.args)) addOption(sub, a);
  return sub;
}

/** The JSON body for PUT /applications/{id}/commands (one element: /crm). */
export function buildCommandTree(commands: Command[]): RESTPostAPIChatInputApplicationCommandsJSONBody {
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
      root.addSubcommand(subcommand(cmd, path[0]));
      continue;
    }
    const g = groups.get(path[0])!;
    if (!added.has(path[0])) {
      added.add(path[0]);
      g.builder.setDescription(describe(`${cap(path[0])}: ${g.verbs.join(", ")}`, path[0]));
      root.addSubcommandGroup(g.builder);
    }
    g.builder.addSubcommand(subcommand(cmd, path[1]));
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
