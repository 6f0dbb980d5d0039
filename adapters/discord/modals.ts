// Forms for the commands people rarely type in one go: `/crm log`, `/crm deal new` and `/crm ticket new`
// with no options open a modal built from the command's arguments (at most 5 fields: the required ones,
// then the optional ones in registry order). A form button ("Write the message") opens the modal of its
// command's form (src/commands/forms.ts): the arguments it names ride in the modal's custom_id, the
// rest are fields, filled in with what the form reads. A submission runs the same command.
import "./loadFirst.ts"; // before discord.js: see loadFirst.ts
import {
  LabelBuilder,
  ModalBuilder,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type APIModalInteractionResponseCallbackData,
} from "discord.js";
import type { Command } from "../../src/commands/define.ts";
import { MAX_TEXT, type ArgSpec } from "../../src/commands/args.ts";
import { MODAL_COMMANDS, formOf, type Form, type FormField } from "../../src/commands/forms.ts";
import { clip } from "../../src/reply/format.ts";
import { discordOrder } from "./commandTree.ts";
import { customId } from "./buttons.ts";

export const MODAL_PREFIX = "crm_modal:";
/** a modal whose command is too long for its custom_id: the command is stored under the hash */
export const HASHED_MODAL_PREFIX = "crm_modal#";
export const MAX_MODAL_FIELDS = 5;

const cap = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);
/** Labels hold 45 characters: a longer description moves under a short label (the argument's name); a
 *  hint (template variables) goes under the label. */
const labelOf = (a: ArgSpec) => {
  const long = a.description.length > 45;
  const description = a.hint ?? (long ? a.description : undefined);
  return { label: long ? cap(a.name) : cap(a.description), ...(description ? { description: clip(cap(description), 100) } : {}) };
};
const placeholder = (a: ArgSpec) =>
  (
    ({
      money: "12k, €12,000",
      date: "2026-12-31 or next friday",
      member: "a name, me (or auto for tickets)",
      ref: `key, e.g. ${a.refKinds?.[0] === "deal" ? "D-7" : a.refKinds?.[0] === "ticket" ? "T-42" : "C-12"}`,
      tags: "vip,partner",
      duration: "4h",
      email: "ana@acme.com",
    }) as Record<string, string>
  )[a.type];

/** The fields a modal shows (Discord allows five; a channel cannot be typed into a text input). */
const modalFields = (fields: FormField[]) => {
  const order = discordOrder(fields.map((f) => f.arg));
  return order
    .filter((a) => a.type !== "channel")
    .slice(0, MAX_MODAL_FIELDS)
    .map((a) => fields.find((f) => f.arg === a)!);
};

/** The fields a modal shows for cmd with nothing given. */
export const modalArgs = (cmd: Command) => modalFields(cmd.args.map((arg) => ({ arg }))).map((f) => f.arg);

export function wantsModal(key: string, raw: Record<string, string>): boolean {
  return key in MODAL_COMMANDS && Object.keys(raw).length === 0;
}

/** The form as a modal; a command too long for the custom_id goes into stash (hash → command) to store. */
export function modalFor(form: Form | Command, stash: Record<string, string> = {}): APIModalInteractionResponseCallbackData {
  const f = "fields" in form ? form : formOf({ cmd: form, raw: {} }, form.path.join(" "), {}, MODAL_COMMANDS[form.path.join(" ")]);
  const { id, hash } = customId(f.command, MODAL_PREFIX, HASHED_MODAL_PREFIX);
  if (hash) stash[hash] = f.command;
  const modal = new ModalBuilder().setCustomId(id).setTitle(clip(f.title, 45));
  for (const { arg: a, value } of modalFields(f.fields)) {
    const { label, description } = labelOf(a);
    const field = new LabelBuilder().setLabel(clip(label, 45));
    if (description) field.setDescription(description);
    if (a.choices?.length && a.choices.length <= 25) {
      field.setStringSelectMenuComponent(
        new StringSelectMenuBuilder()
          .setCustomId(a.name)
          .setRequired(a.required)
          .setMinValues(a.required ? 1 : 0)
          .setMaxValues(1)
          .addOptions(a.choices.map((c) => ({ label: clip(c, 100), value: clip(c, 100), ...(c === value ? { default: true } : {}) }))),
      );
    } else {
      const input = new TextInputBuilder()
        .setCustomId(a.name)
        .setRequired(a.required)
        .setStyle(a.mode === "rest" && a.type === "text" ? TextInputStyle.Paragraph : TextInputStyle.Short)
        .setMaxLength(a.maxLength ?? MAX_TEXT);
      const hint = placeholder(a);
      if (hint) input.setPlaceholder(clip(hint, 100));
      if (value) input.setValue(value.slice(0, a.maxLength ?? MAX_TEXT));
      field.setTextInputComponent(input);
    }
    modal.addLabelComponents(field);
  }
  return modal.toJSON();
}

/** A submitted field: a text input has value, a select has values. */
interface SubmittedComponent {
  type: number;
  custom_id?: string;
  value?: string;
  values?: string[];
  component?: SubmittedComponent;
  components?: SubmittedComponent[];
}

/** Both submission shapes: fields inside action rows (components[].components[]) or Labels (components[].component). */
export function modalValues(components: SubmittedComponent[] = []): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const top of components) {
    const inner = top.component ? [top.component] : (top.components ?? [top]);
    for (const c of inner) {
      const v = c.value ?? c.values?.[0];
      if (c.custom_id && typeof v === "string" && v.trim()) raw[c.custom_id] = v;
    }
  }
  return raw;
}

/** The command a submitted modal's custom_id carries, or the hash it is stored under; null if not ours. */
export function modalTarget(id: string): { command: string } | { hash: string } | null {
  if (id.startsWith(MODAL_PREFIX)) return { command: id.slice(MODAL_PREFIX.length) };
  if (id.startsWith(HASHED_MODAL_PREFIX)) return { hash: id.slice(HASHED_MODAL_PREFIX.length) };
  return null;
}
