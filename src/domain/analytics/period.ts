// Digest periods, in UTC: today (since 00:00), week (since Monday 00:00, ISO weeks), month (since the 1st).
// A period is "to date": it runs from its start to now. It is compared with the same stretch of the
// previous period (Monday 00:00-10:30 against last Monday 00:00-10:30), so a morning digest is not
// measured against a whole day. The forecast looks to the period's calendar end.

export const PERIODS = ["today", "week", "month"] as const;
export type PeriodName = (typeof PERIODS)[number];

export interface Period {
  name: PeriodName;
  /** [start, now) */
  start: Date;
  now: Date;
  /** the calendar end of the period (exclusive), for the forecast */
  end: Date;
  /** the same elapsed stretch of the previous period: [prevStart, prevEnd) */
  prevStart: Date;
  prevEnd: Date;
  /** "today", "this week", "this month" and "yesterday", "last week", "last month" */
  label: string;
  prevLabel: string;
}

const DAY = 86_400_000;
const utcDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
const monthStart = (y: number, m: number) => new Date(Date.UTC(y, m, 1));

export function periodFor(name: PeriodName, now = new Date()): Period {
  let start: Date, end: Date, prevStart: Date;
  if (name === "today") {
    start = utcDay(now);
    end = new Date(start.getTime() + DAY);
    prevStart = new Date(start.getTime() - DAY);
  } else if (name === "week") {
    const day = utcDay(now);
    start = new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY);
    end = new Date(start.getTime() + 7 * DAY);
    prevStart = new Date(start.getTime() - 7 * DAY);
  } else {
    start = monthStart(now.getUTCFullYear(), now.getUTCMonth());
    end = monthStart(now.getUTCFullYear(), now.getUTCMonth() + 1);
    prevStart = monthStart(now.getUTCFullYear(), now.getUTCMonth() - 1);
  }
  // months differ in length: the previous stretch stops at the previous month's end at the latest
  const prevEnd = new Date(Math.min(prevStart.getTime() + (now.getTime() - start.getTime()), start.getTime()));
  const labels: Record<PeriodName, [string, string]> = {
    today: ["today", "yesterday"],
    week: ["this week", "last week"],
    month: ["this month", "last month"],
  };
  return { name, start, now, end, prevStart, prevEnd, label: labels[name][0], prevLabel: labels[name][1] };
}

/** "Mon 24 Nov 00:00 – 10:30 UTC" style range for the digest's context line. */
export function describePeriod(p: Period): string {
  const d = (x: Date) => x.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
  const t = (x: Date) => x.toISOString().slice(11, 16);
  return p.name === "today" ? `${d(p.start)} 00:00–${t(p.now)} UTC` : `${d(p.start)} 00:00 – ${d(p.now)} ${t(p.now)} UTC`;
}
