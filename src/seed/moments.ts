// When things happened in the demo: office-hour moments in the past, drawn from the seeded PRNG.
import type { Random } from "../random.ts";

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

/** A moment in office hours (08:00-18:00 UTC) `daysAgo` days before now, never in the future. */
export function workTime(rng: Random, now: Date, daysAgo: number): Date {
  const d = new Date(now.getTime() - daysAgo * DAY);
  d.setUTCHours(rng.int(8, 17), rng.int(0, 59), rng.int(0, 59), 0);
  return d.getTime() > now.getTime() ? new Date(now.getTime() - rng.int(5, 120) * 60_000) : d;
}

/** A random moment between a and b. */
export const between = (rng: Random, a: Date, b: Date) =>
  new Date(a.getTime() + Math.floor(rng.next() * Math.max(0, b.getTime() - a.getTime())));
