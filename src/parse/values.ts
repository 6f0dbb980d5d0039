// Decoders for single values taken from tokens. Each throws UserInputError with a short message that
// shows an accepted form, or returns null where "not this kind of value" is a normal answer.
//
// Durations (docs/typing.md "Durations"): a number and a unit, largest unit first, no spaces:
//   90s  30m  4h  2d  1w  1h30m  1d12h  2w3d   (units w d h m s, any case; whole numbers only)
// Between 1 second and 365 days.
import { UserInputError } from "../errors.ts";
import { show } from "./snippet.ts";

export { parseMoney, thousandsSeparatorError, type Money } from "./money.ts";
export { parseDate, isValidTimeZone } from "./dates.ts";

const UNIT_SECONDS = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 } as const;
const DURATION = /^(?:(\d{1,9})w)?(?:(\d{1,9})d)?(?:(\d{1,9})h)?(?:(\d{1,9})m)?(?:(\d{1,9})s)?$/;
export const MAX_DURATION_SECONDS = 365 * 86_400;

/** Seconds in a duration like `1h30m`. */
export function parseDuration(s: string): number {
  const text = s.trim().toLowerCase();
  const m = DURATION.exec(text);
  if (!m || text === "") {
    throw new UserInputError(`Could not read ${show(s.trim())} as a duration; try 90s, 30m, 4h, 2d or 1h30m`);
  }
  const [w, d, h, mi, sec] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const total = w * UNIT_SECONDS.w + d * UNIT_SECONDS.d + h * UNIT_SECONDS.h + mi * UNIT_SECONDS.m + sec;
  if (total === 0) throw new UserInputError(`A duration must be more than zero; try 90s, 30m, 4h or 2d`);
  if (total > MAX_DURATION_SECONDS) throw new UserInputError(`${show(text)} is too long; the most is 365d`);
  return total;
}

export type Mention = { platform: "slack" | "discord"; userId: string };
export type ChannelRef = { platform: "slack" | "discord"; channelId: string };

/** `<@U123>`, `<@W123>` (Slack, also with `|name`) or `<@123…>`, `<@!123…>` (Discord); else null. */
export function parseMention(s: string): Mention | null {
  const slack = /^<@([UW][A-Z0-9]{1,31})(?:\|[^<>]*)?>$/.exec(s.trim());
  if (slack) return { platform: "slack", userId: slack[1] };
  const discord = /^<@!?(\d{1,20})>$/.exec(s.trim());
  return discord ? { platform: "discord", userId: discord[1] } : null;
}

/** `<#C123>`, `<#G123>` (Slack, also with `|name`) or `<#123…>` (Discord); else null. */
export function parseChannel(s: string): ChannelRef | null {
  const slack = /^<#([CG][A-Z0-9]{1,31})(?:\|[^<>]*)?>$/.exec(s.trim());
  if (slack) return { platform: "slack", channelId: slack[1] };
  const discord = /^<#(\d{1,20})>$/.exec(s.trim());
  return discord ? { platform: "discord", channelId: discord[1] } : null;
}

/** `HH:MM` on a 24-hour clock: `09:00`, `9:00`, `17:30`. */
export function parseTime(s: string): { hour: number; minute: number } {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(s.trim());
  if (!m) throw new UserInputError(`Could not read ${show(s.trim())} as a time; use 24-hour HH:MM like 09:00 or 17:30`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

// Deliberately simple: one @, no spaces or brackets, a dotted domain with a 2+ letter TLD; letters may be
// non-ASCII (zoë@exämple.de).
const EMAIL = /^[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9\p{L}](?:[A-Za-z0-9\p{L}-]{0,61}[A-Za-z0-9\p{L}])?\.)+[A-Za-z\p{L}]{2,63}$/u;

/** The lower-cased address, or null if `s` does not look like an email address. */
export function parseEmail(s: string): string | null {
  const text = s.trim().replace(/^mailto:/i, "");
  if (text.length > 254 || !EMAIL.test(text)) return null;
  const local = text.slice(0, text.lastIndexOf("@"));
  if (local.length > 64 || local.startsWith(".") || local.endsWith(".") || local.includes("..")) return null;
  return text.toLowerCase();
}
