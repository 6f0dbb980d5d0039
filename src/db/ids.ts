// Row ids made here rather than by Prisma, for rows written by raw SQL (the one-statement hot paths):
// cuid-shaped (25 characters, starting with "c", growing with time), so primary-key inserts append as
// Prisma's own cuids do, and no reader can tell the two apart.
import { randomBytes } from "node:crypto";

let counter = 0;

export function newId(): string {
  counter = (counter + 1) % 1_679_616; // 36^4
  const time = Date.now().toString(36).padStart(9, "0");
  return `c${time}${counter.toString(36).padStart(4, "0")}${randomBytes(8).toString("hex").slice(0, 11)}`;
}

/** A Date as PostgreSQL's timestamp(3) without time zone, in UTC (how Prisma stores DateTime). */
export const utcTimestamp = (d: Date) => d.toISOString().replace("T", " ").replace("Z", "");
