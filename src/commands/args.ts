// Argument builders. One description per argument drives the text parser (Slack, console), the Discord
// option tree, help text, and the zod schema that validates the decoded values.
import { UserInputError } from "../errors.ts";
import { show } from "../parse/snippet.ts";
import type { RefKind } from "../domain/refs.ts";
import {
  parseChannel,
  parseDate,
  parseDuration,
  parseEmail,
  parseMention,
  parseMoney,
  parseTime,
  isValidTimeZone,
  type ChannelRef,
  type Money,
} from "../parse/index.ts";
import type { MemberRef } from "../parse/memberRef.ts";
import { TEXT_LIMITS } from "../parse/limits.ts";

export type ArgType =
  | "text"
  | "ref"
  | "money"
  | "date"
  | "member"
  | "channel"
  | "choice"
  | "duration"
  | "int"
  | "time"
  | "email"
  | "tags"
  | "timezone"
  | "serverRole";
export type ArgMode = "positional" | "rest" | "option";

export interface ArgSpec {
  name: string;
  type: ArgType;
  mode: ArgMode;
  required: boolean;
  description: string;
  choices?: readonly string[];
  refKinds?: RefKind[];
  /** values come from the workspace (stage names): Discord autocompletes them */
  dynamic?: "stage";
  /** a longer explanation shown under the field in forms (Slack input hint, Discord label description) */
  hint?: string;
  /** the most characters a text value may have (src/parse/limits.ts); forms allow as many */
  maxLength?: number;
  /**
   * What a rest argument does with a word shaped like an option (`foo:bar`) whose key the command does not
   * know (docs/typing.md "Typing values"). Unset: it is refused (names, subjects, references: surely a mistyped
   * option). "prose" (summaries, reasons, notes, messages, where "re:pricing" or "ETA:friday" is ordinary
   * text): refused only when the key is near a known option (`whn:` for `when:`) or the word stands among
   * the options after the text; kept as text otherwise. "literal": always text (a scoring rule `title:ceo 10`).
   */
  freeText?: "prose" | "literal";
}

export class Arg<T, Req extends boolean> {
  constructor(
    public spec: Omit<ArgSpec, "name"> & { name?: string },
    public decode: (raw: string) => T,
  ) {}
  optional(): Arg<T, false> {
    return new Arg<T, false>({ ...this.spec, required: false }, this.decode);
  }
  option(): Arg<T, Req> {
    return new Arg<T, Req>({ ...this.spec, mode: "option" }, this.decode);
  }
  rest(): Arg<T, Req> {
    return new Arg<T, Req>({ ...this.spec, mode: "rest" }, this.decode);
  }
  hint(hint: string): Arg<T, Req> {
    return new Arg<T, Req>({ ...this.spec, hint }, this.decode);
  }
  /** every word is text, even one shaped like an option (see ArgSpec.freeText) */
  literal(): Arg<T, Req> {
    return new Arg<T, Req>({ ...this.spec, freeText: "literal" }, this.decode);
  }
  declare readonly _req: Req;
}

export type ArgsShape = Record<string, Arg<unknown, boolean>>;
export type ArgsOf<S extends ArgsShape> = {
  [K in keyof S]: S[K] extends Arg<infer T, infer R> ? (R extends true ? T : T | undefined) : never;
};

const mk = <T>(type: ArgType, description: string, decode: (raw: string) => T, extra: Partial<ArgSpec> = {}) =>
  new Arg<T, true>({ type, mode: "positional", required: true, description, ...extra }, decode);

/** the longest text argument (a form's text field allows as much when the argument names no limit) */
export const MAX_TEXT = TEXT_LIMITS.note;
const text = (raw: string, max: number = TEXT_LIMITS.line) => {
  const v = raw.trim();
  if (!v) throw new UserInputError("must not be empty");
  if (v.length > max) throw new UserInputError(`is too long (${v.length} characters; at most ${max})`);
  return v;
};

/** how to give a channel on each surface: Slack and Discord turn a picked channel into a link, the console takes its id */
export const CHANNEL_HOW =
  "On Slack, type # and pick the channel from the list so it becomes a link (<#C…>); on Discord, pick it in the channel option; in the console, type its id in brackets, like <#C0123ABC> (Slack) or <#112233445566778899> (Discord).";

export const arg = {
  /** one line of text: a name, subject or value, at most `max` characters (src/parse/limits.ts) */
  text: (description: string, max: number = TEXT_LIMITS.line) => mk("text", description, (r) => text(r, max), { maxLength: max }),
  /** free text (a summary, reason, note or message), up to TEXT_LIMITS.note; as a rest argument "re:pricing" stays text */
  prose: (description: string) =>
    mk("text", description, (r) => text(r, TEXT_LIMITS.note), { maxLength: TEXT_LIMITS.note, freeText: "prose" }),
  ref: (description: string, ...kinds: RefKind[]) =>
    mk("ref", description, (r) => text(r), { refKinds: kinds, maxLength: TEXT_LIMITS.line }),
  money: (description: string) => mk<Money>("money", description, (r) => parseMoney(r)),
  date: (description: string) => mk<Date>("date", description, (r) => parseDate(r, new Date())),
  duration: (description: string) => mk<number>("duration", description, parseDuration),
  time: (description: string) => mk("time", description, parseTime),
  timezone: (description: string) =>
    mk("timezone", description, (r) => {
      if (!isValidTimeZone(r)) throw new UserInputError(`"${r}" is not a time zone; use an IANA name like Europe/Berlin`);
      return r;
    }),
  email: (description: string) =>
    mk("email", description, (r) => {
      const e = parseEmail(r);
      if (!e) throw new UserInputError(`"${r}" is not an email address like ana@acme.com`);
      return e;
    }),
  int: (description: string, min: number, max: number) =>
    mk<number>("int", description, (r) => {
      const n = Number(r.replaceAll(",", ""));
      if (!Number.isInteger(n) || n < min || n > max) throw new UserInputError(`must be a whole number from ${min} to ${max}`);
      return n;
    }),
  tags: (description: string) =>
    mk<string[]>("tags", description, (r) => {
      const tags = [
        ...new Set(
          r
            .split(",")
            .map((t) => t.trim().toLowerCase())
            .filter(Boolean),
        ),
      ];
      if (!tags.length) throw new UserInputError("give tags like vip,partner");
      if (tags.some((t) => t.length > 50) || tags.length > 30) throw new UserInputError("at most 30 tags of 50 characters");
      return tags;
    }),
  choice: <C extends string>(description: string, choices: readonly C[]) =>
    mk<C>(
      "choice",
      description,
      (r) => {
        const v = r.trim().toLowerCase() as C;
        if (!choices.includes(v)) throw new UserInputError(`"${r}" is not one of ${choices.join(", ")}`);
        return v;
      },
      { choices },
    ),
  stage: (description = "pipeline stage") =>
    mk("text", description, (r) => text(r).toLowerCase(), { dynamic: "stage", maxLength: TEXT_LIMITS.line }),
  member: (description: string, allow: ("me" | "auto")[] = ["me"]) =>
    mk<MemberRef>("member", description, (r) => {
      const v = r.trim();
      const lower = v.toLowerCase().replace(/^@/, "");
      if (allow.includes("me") && lower === "me") return { kind: "me" };
      if (allow.includes("auto") && lower === "auto") return { kind: "auto" };
      const m = parseMention(v);
      if (m) return { kind: "mention", ...m };
      if (v.startsWith("<")) throw new UserInputError(`"${v}" is not a user mention`);
      return { kind: "name", name: text(v.replace(/^@/, "")) };
    }),
  /** a Discord server role: <@&id> as typed, or the id a Discord role option sends */
  serverRole: (description: string) =>
    mk<string>("serverRole", description, (r) => {
      const id = /^<@&(\d{5,25})>$/.exec(r.trim())?.[1] ?? /^\d{5,25}$/.exec(r.trim())?.[0];
      if (!id) throw new UserInputError(`"${r}" is not a server role; mention it like @Support`);
      return id;
    }),
  channel: (description: string) =>
    mk<ChannelRef>("channel", description, (r) => {
      const c = parseChannel(r);
      if (!c) throw new UserInputError(`${show(r)} is not a channel link. ${CHANNEL_HOW}`);
      return c;
    }),
};
