// When a task is due, read from what a person types, in their own time zone:
//   tomorrow 9:00 · tue 15:00 · friday 4pm · in 3 days · in 2 hours · in 30 minutes · 2026-12-24 10:00 · 2026-12-24 · next week
// A day without a time means 09:00 that day; "next week" means Monday 09:00 of next week. The whole text must
// be a date ("call bob friday" is refused) and it must not be in the past.
import * as chrono from "chrono-node";
import { UserInputError } from "../../errors.ts";
import { isValidTimeZone } from "../../parse/index.ts";
import { zoneOffsetMinutes, zonedTime } from "../../parse/dates.ts";
import { show } from "../../parse/snippet.ts";

/** the hour a reminder for a bare day goes out */
export const DEFAULT_HOUR = 9;
const HINT = 'try "tomorrow 9:00", "tue 15:00", "in 3 days", "next week" or 2026-12-24 10:00';
/** a due time this far in the past is refused ("today 9:00" typed at 9:00:30 is not) */
const PAST_SLACK_MS = 60_000;

/** The wall clock in tz at instant `at`: year, month (1-12), day, hour, minute and weekday (0 = Sunday). */
export function wallClock(tz: string, at: Date) {
  const shifted = new Date(at.getTime() + zoneOffsetMinutes(tz, at) * 60_000);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    weekday: shifted.getUTCDay(),
  };
}

/** The instant `days` days after today (in tz) at hh:mm there. */
export function dayAt(tz: string, now: Date, days: number, hour = DEFAULT_HOUR, minute = 0): Date {
  const w = wallClock(tz, now);
  return zonedTime(tz, w.year, w.month, w.day + days, hour, minute);
}

/** Monday 09:00 of next week, in tz. */
export function nextWeek(tz: string, now: Date): Date {
  const { weekday } = wallClock(tz, now);
  return dayAt(tz, now, (8 - weekday) % 7 || 7);
}

/** Today's bounds in tz: [start, end). */
export function todayIn(tz: string, now: Date): { start: Date; end: Date } {
  return { start: dayAt(tz, now, 0, 0), end: dayAt(tz, now, 1, 0) };
}

export function parseDue(input: string, now: Date, tz: string): Date {
  if (!isValidTimeZone(tz)) throw new UserInputError(`Unknown time zone ${show(tz)}; set yours with /crm settings tz:Europe/Madrid`);
  const text = input.trim().replace(/\s+/gu, " ");
  const bad = () => new UserInputError(`Could not read ${show(text)} as a due time; ${HINT}`);
  if (text === "" || text.length > 80) throw bad();
  let due: Date;
  if (/^next week$/i.test(text)) due = nextWeek(tz, now);
  else {
    let results: chrono.ParsedResult[];
    try {
      results = chrono.casual.parse(text, { instant: now, timezone: zoneOffsetMinutes(tz, now) }, { forwardDate: true });
    } catch {
      throw bad();
    }
    const r = results[0];
    if (!r || r.index !== 0 || !/^[\s.,!]*$/.test(text.slice(r.text.length))) throw bad();
    const s = r.start;
    const [y, mo, d] = [s.get("year")!, s.get("month")!, s.get("day")!];
    if (!s.isCertain("hour") && !s.isCertain("minute")) due = zonedTime(tz, y, mo, d, DEFAULT_HOUR, 0);
    else if (s.isCertain("timezoneOffset")) due = s.date();
    else due = zonedTime(tz, y, mo, d, s.get("hour")!, s.get("minute")!, s.get("second") ?? 0);
  }
  if (Number.isNaN(due.getTime()) || due.getUTCFullYear() > 9999) throw bad();
  if (due.getTime() < now.getTime() - PAST_SLACK_MS) throw new UserInputError(`${show(text)} is in the past; ${HINT}`);
  return due;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** "Tue 8 Dec 09:00 Europe/Madrid": what every reply says a due time is. */
export function dueText(at: Date, tz: string): string {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: tz,
      weekday: "short",
      day: "numeric",
      month: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  const year = wallClock(tz, at).year;
  const thisYear = wallClock(tz, new Date()).year;
  return `${p.weekday} ${p.day} ${p.month}${year !== thisYear ? ` ${year}` : ""} ${p.hour}:${p.minute} ${tz}`;
}
