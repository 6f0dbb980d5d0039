// A command is defined once: path, summary, usage, arguments and handler. Every surface uses it.
import { z } from "zod";
import { UserInputError, type InvocationClaim } from "../errors.ts";
import type { Actor } from "../domain/actor.ts";
import type { Services } from "../domain/services.ts";
import type { Reply } from "../reply/reply.ts";
import type { Arg, ArgSpec, ArgsOf, ArgsShape } from "./args.ts";

export interface CommandContext<A> {
  args: A;
  actor: Actor;
  services: Services;
  /** where the command was typed (channel id on its platform), for rooms, notify and reports */
  channelId?: string;
  /** for a command that claimsInWrite: the invocation to claim in its write (none when run without a runner) */
  claim?: InvocationClaim;
}

/** What a form for the command shows, once the arguments already given are known (see forms.ts). */
export interface FormDefaults {
  /** fields shown filled in, by argument name (e.g. the campaign's current message) */
  values?: Record<string, string | null | undefined>;
  /** arguments the form leaves out (e.g. an email subject for a chat campaign) */
  hide?: string[];
  /** a more precise title than the command's (Slack allows 24 characters) */
  title?: string;
}

/** A command that can be filled in through a form (a Slack or Discord modal) rather than typed in full. */
export interface CommandForm {
  /** the form's title (Slack allows 24 characters) */
  title: string;
  /** Reads what to fill in from the arguments already given; throws like run does when the form makes no
   *  sense (the campaign is already sent), so the person learns it before typing anything. */
  load?(ctx: { raw: Record<string, string>; actor: Actor; services: Services }): Promise<FormDefaults>;
  /** only buttons open it (New deal on a contact card): typed without its required arguments, the
   *  command still answers with what is missing */
  buttonOnly?: boolean;
}

export interface Command<A = Record<string, unknown>> {
  path: string[];
  summary: string;
  usage: string;
  /** extra help lines: examples, accepted forms */
  help?: string[];
  args: ArgSpec[];
  schema: z.ZodType<A>;
  /** commands that change nothing can run for viewers and never write */
  readOnly?: boolean;
  /** writes, but only what is the caller's own (a requester rating their ticket): viewers may run it */
  ownRecordsOnly?: boolean;
  /** it can be filled in through a form; typed without its required arguments (Slack), it opens one */
  form?: CommandForm;
  /**
   * it claims its invocation in the statement that writes (ctx.claim) instead of the runner claiming it in
   * a statement of its own first: a hot command's round trip saved (log, src/domain/interactions/oneStatement.ts)
   */
  claimsInWrite?: boolean;
  run(ctx: CommandContext<A>): Promise<Reply>;
}

export function defineCommand<S extends ArgsShape>(def: {
  path: string[];
  summary: string;
  usage: string;
  help?: string[];
  args: S;
  readOnly?: boolean;
  ownRecordsOnly?: boolean;
  form?: CommandForm;
  claimsInWrite?: boolean;
  run(ctx: CommandContext<ArgsOf<S>>): Promise<Reply>;
}): Command<ArgsOf<S>> {
  const specs: ArgSpec[] = Object.entries(def.args).map(([name, a]) => ({ ...(a as Arg<unknown, boolean>).spec, name }) as ArgSpec);
  const restCount = specs.filter((s) => s.mode === "rest").length;
  if (restCount > 1) throw new Error(`${def.path.join(" ")}: at most one rest argument`);
  const shape = Object.fromEntries(Object.entries(def.args).map(([name, a]) => [name, toZod(name, a as Arg<unknown, boolean>)]));
  return { ...def, args: specs, schema: z.object(shape) as unknown as z.ZodType<ArgsOf<S>> };
}

/** raw string (or absent) → decoded value, with decoder errors as zod issues */
function toZod(name: string, a: Arg<unknown, boolean>) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) {
        if (a.spec.required) ctx.addIssue({ code: "custom", message: `${name} is missing` });
        return undefined;
      }
      try {
        return a.decode(raw);
      } catch (e) {
        if (!(e instanceof UserInputError)) throw e;
        ctx.addIssue({ code: "custom", message: named(name, e.message) });
        return z.NEVER;
      }
    });
}

/** "must not be empty" → "name must not be empty"; a message that already starts with the argument's name
 *  ("Amounts cannot be negative" for amount) is kept as it is rather than doubled. */
function named(name: string, message: string): string {
  const first = /^\p{L}+/u.exec(message)?.[0].toLowerCase();
  if (first === name.toLowerCase() || first === `${name.toLowerCase()}s`) return message;
  return `${name} ${message.replace(/^[A-Z]/, (c) => c.toLowerCase())}`;
}

/**
 * Validates raw string args (from text or Discord options) against a command's schema. `hints` (from the
 * text parser) are added to the error of the argument they name: what to write when a word that follows
 * an option was probably part of it.
 */
export function decodeArgs<A>(cmd: Command<A>, raw: Record<string, string>, hints: Record<string, string> = {}): A {
  const r = cmd.schema.safeParse(raw);
  if (r.success) return r.data;
  const messages = r.error.issues.map((i) => {
    const hint = typeof i.path[0] === "string" && Object.hasOwn(hints, i.path[0]) ? hints[i.path[0]] : undefined;
    return hint ? `${i.message}. ${hint}` : i.message;
  });
  throw new UserInputError(messages.join("; "), cmd.usage);
}
