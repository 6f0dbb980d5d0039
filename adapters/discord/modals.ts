// Forms for the commands people rarely type in one go: `/crm log`, `/crm deal new` and `/crm ticket new`
// with no options open a modal built from the command's arguments (at most 5 fields: the required ones,
// then the optional ones in registry order). A submission runs the same command.
import "./loadFirst.ts"; // before discord.js: see loadFirst.ts
import { LabelBuilder, ModalBuilder, StringSelectMenuBuilder, TextInputBuilder, TextInputStyle, type APIModalInteractionResponseCallbackData } from "discord.js";
import type { Command } from "../../src/commands/define.ts";
import type { ArgSpec } from "../../src/commands/args.ts";
import { clip } from "../../src/render/format.ts";
import { discordOrder } from "./commandTree.ts";

export const MODAL_PREFIX = "crm_modal:";
export const MODAL_COMMANDS: Record<string, string> = { "log": "Log an interaction", "deal new": "New deal", "ticket new": "New ticket" };
export const MAX_MODAL_FIELDS = 5;

const cap = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);
/** Labels hold 45 characters: a longer description moves under a short label (the argument's name). */
const labelOf = (a: ArgSpec) => (a.description.length <= 45 ? { label: cap(a.description) } : { label: cap(a.name), description: clip(cap(a.description), 100) });
const placeholder = (a: ArgSpec) => ({
  money: "12k, €12,000", date: "2026-12-31 or next friday", member: "a name, me (or auto for tickets)",
  ref: `key, e.g. ${a.refKinds?.[0] === "deal" ? "D-7" : a.refKinds?.[0] === "ticket" ? "T-42" : "C-12"}`,
  tags: "vip,partner", duration: "4h", email: "ana@acme.com",
} as Record<string, string>)[a.type];

/** The fields a modal shows for cmd (Discord allows five). */
export const modalArgs = (cmd: Command) => discordOrder(cmd.args).filter((a) => a.type !== "channel").slice(0, MAX_MODAL_FIELDS);

export function wantsModal(key: string, raw: Record<string, string>): boolean {
  return key in MODAL_COMMANDS && Object.keys(raw).length === 0;
}

export function modalFor(cmd: Command): APIModalInteractionResponseCallbackData {
  const key = cmd.path.join(" ");
  const modal = new ModalBuilder().setCustomId(clip(MODAL_PREFIX + key, 100)).setTitle(clip(MODAL_COMMANDS[key] ?? "CRM", 45));
  for (const a of modalArgs(cmd)) {
    const { label, description } = labelOf(a);
    const field = new LabelBuilder().setLabel(clip(label, 45));
    if (description) field.setDescription(description);
    if (a.choices?.length && a.choices.length <= 25) {
      field.setStringSelectMenuComponent(new StringSelectMenuBuilder().setCustomId(a.name).setRequired(a.required)
        .setMinValues(a.required ? 1 : 0).setMaxValues(1).addOptions(a.choices.map((c) => ({ label: clip(c, 100), value: clip(c, 100) }))));
    } else {
      const input = new TextInputBuilder().setCustomId(a.name).setRequired(a.required)
        .setStyle(a.mode === "rest" && a.type === "text" ? TextInputStyle.Paragraph : TextInputStyle.Short).setMaxLength(2000);
      const hint = placeholder(a);
      if (hint) input.setPlaceholder(clip(hint, 100));
      field.setTextInputComponent(input);
    }
    modal.addLabelComponents(field);
  }
  return modal.toJSON();
}

/** A submitted field: a text input has value, a select has values. */
interface SubmittedComponent { type: number; custom_id?: string; value?: string; values?: string[]; component?: SubmittedComponent; components?: SubmittedComponent[] }

/** Both submission shapes: fields inside action rows (components[].components[]) or Labels (components[].component). */
export function modalValues(components: SubmittedComponent[] = []): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const top of components) {
    const inner = top.component ? [top.component] : top.components ?? [top];
    for (const c of inner) {
      const v = c.value ?? c.values?.[0];
      if (c.custom_id && typeof v === "string" && v.trim()) raw[c.custom_id] = v;
    }
  }
  return raw;
}

export const modalCommandKey = (customId: string) => (customId.startsWith(MODAL_PREFIX) ? customId.slice(MODAL_PREFIX.length) : null);
