// Row ids made here rather than by Prisma, for rows written by raw SQL (the one-statement hot paths):
// cuid-shaped (25 characters, starting with "c", growing with time), so primary-key inserts append as
// Prisma's own cuids do, and no reader can tell the two apart.
import { randomFillSync } from "node:crypto";

let counter = 0;

// random hex taken 11 characters at a time from a pool filled 2 KiB at a time (a randomBytes call per id was
// ~3 % of a worker's CPU per log note, three ids each: bench/README.md)
const POOL_BYTES = 2048;
const pool = Buffer.alloc(POOL_BYTES);
let hex = "";
let at = Infinity;

function randomHex11(): string {
  if (at + 11 > hex.length) {
    hex = randomFillSync(pool).toString("hex");
    at = 0;
  }
  const out = hex.slice(at, at + 11);
  at += 11;
  return out;
}

export function newId(): string {
  counter = (counter + 1) % 1_679_616; // 36^4
  const time = Date.now().toString(36).padStart(9, "0");
  return `c${time}${counter.toString(36).padStart(4, "0")}${randomHex11()}`;
}

/** A Date as PostgreSQL's timestamp(3) without time zone, in UTC (how Prisma stores DateTime). */
export const utcTimestamp = (d: Date) => d.toISOString().replace("T", " ").replace("Z", "");
