// What an edit changes: the fields whose wanted value differs from the stored one, as audit before/after
// (column values: an id, an ISO date, a decimal string), so /crm history can show them and /crm undo can
// write the before back.
import { UserInputError } from "../../errors.ts";
import type { RefKind } from "../refs.ts";

export type Columns = Record<string, unknown>;

export interface Change {
  fields: string[];
  before: Columns;
  after: Columns;
}

/** a stored or wanted value as compared and audited: Dates as ISO text, decimals as text, arrays as they are */
export function plain(v: unknown): unknown {
  if (v == null) return null;
  if (v instanceof Date) return v.toISOString();
  // Prisma.Decimal as its text; JSON values as they are
  if (typeof v === "object" && !Array.isArray(v) && typeof (v as { toFixed?: unknown }).toFixed === "function") return String(v);
  return v;
}

const same = (a: unknown, b: unknown) => JSON.stringify(plain(a)) === JSON.stringify(plain(b));

/** The columns of `wanted` (undefined: not asked) that differ from `current`. */
export function diff(current: Columns, wanted: Columns): Change {
  const change: Change = { fields: [], before: {}, after: {} };
  for (const [k, v] of Object.entries(wanted)) {
    if (v === undefined || same(current[k], v)) continue;
    change.fields.push(k);
    change.before[k] = plain(current[k]);
    change.after[k] = plain(v);
  }
  return change;
}

export const ARCHIVED_HINT: Record<RefKind, string> = {
  contact: "contact restore",
  company: "company restore",
  deal: "deal restore",
  ticket: "ticket restore",
};

/** Changing an archived record is refused with the way back. */
export function requireLive(kind: RefKind, key: string, row: { archivedAt: Date | null }): void {
  if (row.archivedAt) throw new UserInputError(`${key} is archived; restore it first with /crm ${ARCHIVED_HINT[kind]} ${key}.`);
}

/** Nothing to write: say so rather than recording an empty change. */
export function requireSomething(change: Change, key: string, options: string): void {
  if (!change.fields.length) throw new UserInputError(`Nothing to change: ${key} already has these values. Give ${options}.`);
}
