// Dates (docs/typing.md "Dates"), read in the workspace's time zone (UTC unless configured):
//   2026-12-31                       ISO date → 00:00 of that day in the zone (UTC: midnight UTC)
//   tomorrow, today, friday, next friday, next week, in 2 weeks, end of month, Dec 31, 31 Dec 2027
//                                    → 00:00 of that day in the zone; bare dates/weekdays mean the
//                                      next one to come (forward from now)
//   tomorrow 3pm, next friday at 9:30, 2026-12-31T10:00, in 2 hours
//                                    → that moment (wall-clock time in the zone)
//   12/31                            US order (month/day); 03/04 (both ≤ 12) is refused as ambiguous
// The whole text must be a date ("call bob friday" is refused). Years 1900–9999.
import * as chrono from "chrono-node";
import { UserInputError } from "../errors.ts";
import { show } from "./snippet.ts";

const formatters = new Map<string, Intl.DateTimeFormat>();

/** True for an IANA zone name (or alias) that this runtime knows: "Europe/Paris", "UTC". */
export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== "string" || tz === "" || tz.length > 64) return false;
  try {
    zoneFormatter(tz);
    return true;
  } catch {
    return false;
  }
}

function zoneFormatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Minutes to add to UTC to get wall-clock time in `tz` at instant `at` (Paris in winter: 60). */
export function zoneOffsetMinutes(tz: string, at: Date): number {
  const parts: Record<string, number> = {};
  for (const p of zoneFormatter(tz).formatToParts(at)) parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** The instant when the clock in `tz` shows the given wall time (DST gaps resolve forward). */
export function zonedTime(tz: string, y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date {
  const wall = new Date(0);
  wall.setUTCFullYear(y, mo - 1, d);
  wall.setUTCHours(h, mi, s, 0);
  const first = zoneOffsetMinutes(tz, wall);
  const guess = wall.getTime() - first * 60_000;
  const second = zoneOffsetMinutes(tz, new Date(guess));
  return new Date(second === first ? guess : wall.getTime() - second * 60_000);
}

const HINT = 'try 2026-12-31 or "next friday"';

export function parseDate(s: string, now: Date, timeZone = "UTC"): Date {
  if (!isValidTimeZone(timeZone)) throw new UserInputError(`Unknown time zone ${show(timeZone)}; try Europe/Paris or UTC`);
  const text = s.trim().replace(/\s+/gu, " ");
  const bad = () => new UserInputError(`Could not read ${show(text)} as a date; ${HINT}`);
  if (text === "" || text.length > 80) throw bad();

  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (iso) {
    const [y, mo, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    const check = new Date(Date.UTC(2000, mo - 1, d));
    if (mo < 1 || mo > 12 || check.getUTCDate() !== d || (mo === 2 && d === 29 && !isLeap(y))) {
      throw new UserInputError(`${show(text)} is not a real date; ${HINT}`);
    }
    return inRange(zonedTime(timeZone, y, mo, d), text);
  }
  const slash = /^(\d{1,2})[/.](\d{1,2})(?:[/.]\d{2,4})?$/.exec(text);
  if (slash && Number(slash[1]) <= 12 && Number(slash[2]) <= 12 && slash[1] !== slash[2]) {
    throw new UserInputError(`${show(text)} could be day/month or month/day; write it as 2026-12-31`);
  }

  if (Number.isNaN(now.getTime())) throw new TypeError("parseDate: `now` is an invalid Date");
  const reference = { instant: now, timezone: zoneOffsetMinutes(timeZone, now) };
  let results: chrono.ParsedResult[];
  try {
    results = chrono.casual.parse(text, reference, { forwardDate: true });
  } catch {
    throw bad();
  }
  const r = results[0];
  // The date must be the whole text, give or take closing punctuation.
  if (!r || r.index !== 0 || !/^[\s.,!]*$/.test(text.slice(r.text.length))) throw bad();
  const start = r.start;
  let when: Date;
  if (!start.isCertain("hour") && !start.isCertain("minute")) {
    when = zonedTime(timeZone, start.get("year")!, start.get("month")!, start.get("day")!);
  } else if (start.isCertain("timezoneOffset")) {
    when = start.date();
  } else {
    when = zonedTime(
      timeZone,
      start.get("year")!,
      start.get("month")!,
      start.get("day")!,
      start.get("hour")!,
      start.get("minute")!,
      start.get("second") ?? 0,
    );
  }
  return inRange(when, text);
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function inRange(d: Date, text: string): Date {
  const t = d.getTime();
  if (Number.isNaN(t) || d.getUTCFullYear() < 1900 || d.getUTCFullYear() > 9999) {
    throw new UserInputError(`${show(text)} is out of range (years 1900–9999); ${HINT}`);
  }
  return d;
}
