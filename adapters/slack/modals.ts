// Modals built from a command's arguments: `/crm log`, `/crm deal new`, `/crm ticket new` with no
// arguments open one, and so does a form button ("Write the message": the command's form, some arguments
// already given, src/commands/forms.ts); its submission runs the same command, with field errors inline.
import type { Command } from "../../src/commands/define.ts";
import { MAX_TEXT, type ArgSpec } from "../../src/commands/args.ts";
import { MODAL_COMMANDS, formOf, type Form } from "../../src/commands/forms.ts";
import { clip } from "../../src/reply/format.ts";

export const MODAL_CALLBACK = "crm_modal";

const plain = (text: string, max: number) => ({ type: "plain_text" as const, text: clip(text, max) });
const label = (a: ArgSpec) => a.description.charAt(0).toUpperCase() + a.description.slice(1);

function element(a: ArgSpec, value?: string) {
  if (a.choices?.length) {
    const options = a.choices.slice(0, 100).map((c) => ({ text: plain(c, 75), value: c }));
    const initial = options.find((o) => o.value === value);
    return { type: "static_select", action_id: "value", options, ...(initial ? { initial_option: initial } : {}) };
  }
  const max = a.type === "text" ? (a.maxLength ?? MAX_TEXT) : undefined;
  return {
    type: "plain_text_input",
    action_id: "value",
    multiline: a.mode === "rest" && a.type === "text" && a.name !== "name",
    placeholder: plain(placeholder(a), 150),
    ...(max ? { max_length: max } : {}),
    ...(value ? { initial_value: max ? value.slice(0, max) : value } : {}),
  };
}

const placeholder = (a: ArgSpec) =>
  (
    ({
      money: "12k, €12,000",
      date: "2026-12-31 or next friday",
      member: "@name or a name",
      ref: `key, e.g. ${a.refKinds?.[0] === "deal" ? "D-7" : a.refKinds?.[0] === "ticket" ? "T-42" : "C-12"}`,
      tags: "vip,partner",
      duration: "4h",
      channel: "#channel",
      email: "ana@acme.com",
    }) as Record<string, string>
  )[a.type] ?? label(a);

/** What the submission needs back: the command, where to answer, the arguments given before, the fields shown. */
export interface ModalMeta {
  path: string;
  channelId?: string;
  given?: Record<string, string>;
  fields?: string[];
}

/** A form (or, for the slash commands that open one, a command with nothing given) as a Slack modal. */
export function modalView(form: Form | Command, meta: { channelId?: string }) {
  const f = "fields" in form ? form : formOf({ cmd: form, raw: {} }, form.path.join(" "), {}, MODAL_COMMANDS[form.path.join(" ")]);
  const md: ModalMeta = { path: f.cmd.path.join(" "), channelId: meta.channelId };
  if (Object.keys(f.given).length) md.given = f.given;
  if ("fields" in form) md.fields = f.fields.map((x) => x.arg.name);
  return {
    type: "modal" as const,
    callback_id: MODAL_CALLBACK,
    private_metadata: JSON.stringify(md),
    title: plain(f.title, 24),
    submit: plain("Save", 24),
    close: plain("Cancel", 24),
    blocks: f.fields.map(({ arg: a, value }) => ({
      type: "input",
      block_id: a.name,
      optional: !a.required,
      label: plain(label(a), 2000),
      element: element(a, value),
      ...(a.hint ? { hint: plain(a.hint, 2000) } : {}),
    })),
  };
}

type StateValues = Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null }>>;

/** view.state.values → the command's raw string arguments (empty fields left out). */
export function rawArgsFromState(values: StateValues): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [blockId, actions] of Object.entries(values ?? {})) {
    const v = actions.value;
    const text = v?.selected_option?.value ?? v?.value ?? undefined;
    if (typeof text === "string" && text.trim()) raw[blockId] = text;
  }
  return raw;
}

/** zod issues keyed by argument → Slack's {block_id: message}; an issue with an argument the modal does not
 *  show (one given before) goes on the first field it shows. */
export function fieldErrors(
  cmd: Command,
  raw: Record<string, string>,
  shown: string[] = cmd.args.map((a) => a.name),
): Record<string, string> | null {
  const r = cmd.schema.safeParse(raw);
  if (r.success) return null;
  const errors: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const name = String(issue.path[0] ?? "");
    const block = shown.includes(name) ? name : (shown[0] ?? cmd.args[0]?.name);
    errors[block] ??= clip(issue.message, 150);
  }
  return errors;
}

/** Which shown field a command's error belongs to: the one it names, else a reference field, else the first. */
export function errorField(cmd: Command, message: string, shown: string[] = cmd.args.map((a) => a.name)): string {
  const args = cmd.args.filter((a) => shown.includes(a.name));
  const text = message.toLowerCase();
  return (args.find((a) => text.includes(a.name)) ?? args.find((a) => a.type === "ref") ?? args[0] ?? cmd.args[0]).name;
}
