// Forms: a command filled in through a Slack or Discord modal instead of typed in full. A form starts
// from a command text with some arguments already given ("campaign message K-1"), asks for the others
// (filled in with what the command's form.load reads, e.g. the current message), and submitting runs
// the command with both. This file decides which fields and what is in them; adapters draw them.
import type { Actor } from "../domain/actor.ts";
import type { Services } from "../domain/services.ts";
import type { Reply } from "../reply/reply.ts";
import type { ArgSpec } from "./args.ts";
import type { Command, FormDefaults } from "./define.ts";
import { assertMayRun, parseText, toErrorReply, type Parsed, type RunOptions } from "./engine.ts";
import { LATE, within } from "./deadline.ts";

export interface FormField {
  arg: ArgSpec;
  value?: string;
}

export interface Form {
  cmd: Command;
  /** the command with the arguments already given, e.g. "campaign message K-1" */
  command: string;
  /** those arguments, raw; a submission's fields are laid over them */
  given: Record<string, string>;
  title: string;
  fields: FormField[];
}

/** How long form.load may take before the form opens without its values: Slack's trigger_id and
 *  Discord's first response both expire 3 s after the click. */
export const FORM_LOAD_MS = 1200;

/** Commands that open a form when typed bare (`/crm deal new`), with the form's title: one list for every surface. */
export const MODAL_COMMANDS: Readonly<Record<string, string>> = {
  log: "Log an interaction",
  "deal new": "New deal",
  "ticket new": "New ticket",
};

const titleOf = (cmd: Command) => {
  const t = cmd.path.join(" ");
  return t.charAt(0).toUpperCase() + t.slice(1);
};

/** The fields for a parsed command: the arguments not given yet, less the hidden ones (all of them, filled
 *  in, when everything is given already: the form then edits the whole command). */
export function formOf(parsed: Parsed, command: string, defaults: FormDefaults = {}, title?: string): Form {
  const { cmd, raw } = parsed;
  const hide = new Set(defaults.hide ?? []);
  const visible = cmd.args.filter((a) => !hide.has(a.name));
  const open = visible.filter((a) => raw[a.name] === undefined);
  const fields = (open.length ? open : visible).map((arg): FormField => {
    const value = raw[arg.name] ?? defaults.values?.[arg.name];
    return value ? { arg, value } : { arg };
  });
  return { cmd, command, given: raw, title: defaults.title ?? cmd.form?.title ?? title ?? titleOf(cmd), fields };
}

/** A command with a form, typed without all its required arguments, is better asked for in the form. */
export function wantsForm(parsed: Parsed): boolean {
  return !!parsed.cmd.form && !parsed.cmd.form.buttonOnly && parsed.cmd.args.some((a) => a.required && parsed.raw[a.name] === undefined);
}

export const isForm = (x: Form | Reply): x is Form => "fields" in x;

/**
 * The form for a command text, as `actor` would fill it in; or the error reply saying why not (an unknown
 * command, a viewer, a campaign already sent). A slow form.load opens the form without its values.
 */
export async function prepareForm(
  commands: Command[],
  command: string,
  actor: Actor,
  services: Services,
  opts: RunOptions & { loadMs?: number; title?: string } = {},
): Promise<Form | Reply> {
  let parsed: Parsed;
  try {
    parsed = parseText(commands, command);
  } catch (e) {
    return toErrorReply(e, undefined, opts);
  }
  try {
    assertMayRun(parsed.cmd, actor);
    const load = parsed.cmd.form?.load;
    const defaults = load ? await within(load({ raw: parsed.raw, actor, services }), opts.loadMs ?? FORM_LOAD_MS) : {};
    return formOf(parsed, command, defaults === LATE ? {} : defaults, opts.title);
  } catch (e) {
    return toErrorReply(e, parsed.cmd, opts);
  }
}
