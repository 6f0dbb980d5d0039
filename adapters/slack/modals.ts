// Modals built from a command's arguments: `/crm log`, `/crm deal new`, `/crm ticket new` with no
// arguments open one; its submission runs the same command, with field errors shown inline.
import type { Command } from "../../src/commands/define.ts";
import type { ArgSpec } from "../../src/commands/args.ts";
import { clip } from "../../src/render/format.ts";

export const MODAL_CALLBACK = "crm_modal";
export const MODAL_COMMANDS: Record<string, string> = { "log": "Log an interaction", "deal new": "New deal", "ticket new": "New ticket" };

const plain = (text: string, max: number) => ({ type: "plain_text" as const, text: clip(text, max) });
const label = (a: ArgSpec) => a.description.charAt(0).toUpperCase() + a.description.slice(1);

function element(a: ArgSpec) {
  if (a.choices?.length) {
    return { type: "static_select", action_id: "value", options: a.choices.slice(0, 100).map((c) => ({ text: plain(c, 75), value: c })) };
  }
  return {
    type: "plain_text_input", action_id: "value", multiline: a.mode === "rest" && a.type === "text" && a.name !== "name",
    placeholder: plain(placeholder(a), 150),
  };
}

const placeholder = (a: ArgSpec) => ({
  money: "12k, €12,000", date: "2026-12-31 or next friday", member: "@name or a name", ref: `key, e.g. ${a.refKinds?.[0] === "deal" ? "D-7" : a.refKinds?.[0] === "ticket" ? "T-42" : "C-12"}`,
  tags: "vip,partner", duration: "4h", channel: "#channel", email: "ana@acme.com",
} as Record<string, string>)[a.type] ?? label(a);

export function modalView(cmd: Command, meta: { channelId?: string }) {
  const key = cmd.path.join(" ");
  return {
    type: "modal" as const,
    callback_id: MODAL_CALLBACK,
    private_metadata: JSON.stringify({ path: key, channelId: meta.channelId }),
    title: plain(MODAL_COMMANDS[key] ?? "CRM", 24),
    submit: plain("Save", 24),
    close: plain("Cancel", 24),
    blocks: cmd.args.map((a) => ({
      type: "input", block_id: a.name, optional: !a.required, label: plain(label(a), 2000), element: element(a),
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

/** zod issues keyed by argument → Slack's {block_id: message}. */
export function fieldErrors(cmd: Command, raw: Record<string, string>): Record<string, string> | null {
  const r = cmd.schema.safeParse(raw);
  if (r.success) return null;
  const errors: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const block = String(issue.path[0] ?? cmd.args[0]?.name);
    errors[block] ??= clip(issue.message, 150);
  }
  return errors;
}
