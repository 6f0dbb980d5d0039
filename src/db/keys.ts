// Human keys per workspace: C-12 (contact), A-3 (company), D-7 (deal), T-42 (ticket), K-2 (campaign), R-1 (report),
// F-3 (task: a follow-up).
// A number is taken from KeyCounter with one upsert inside the caller's transaction: the row lock
// serialises concurrent inserts, and a rolled-back insert gives its number back.
import type { Prisma } from "../generated/prisma/client.ts";

export const KEY_PREFIX = {
  contact: "C",
  company: "A",
  deal: "D",
  ticket: "T",
  campaign: "K",
  report: "R",
  task: "F",
} as const;

export type KeyKind = keyof typeof KEY_PREFIX;

type Tx = Pick<Prisma.TransactionClient, "$queryRaw">;

export async function nextNumber(tx: Tx, workspaceId: string, kind: KeyKind): Promise<number> {
  const rows = await tx.$queryRaw<{ value: number }[]>`
    INSERT INTO "KeyCounter" ("workspaceId", "kind", "value") VALUES (${workspaceId}, ${kind}, 1)
    ON CONFLICT ("workspaceId", "kind") DO UPDATE SET "value" = "KeyCounter"."value" + 1
    RETURNING "value"`;
  return Number(rows[0].value);
}

/** n numbers in one statement: the first of n consecutive ones (first … first + n − 1). */
export async function nextNumbers(tx: Tx, workspaceId: string, kind: KeyKind, n: number): Promise<number> {
  const rows = await tx.$queryRaw<{ value: number }[]>`
    INSERT INTO "KeyCounter" ("workspaceId", "kind", "value") VALUES (${workspaceId}, ${kind}, ${n}::int)
    ON CONFLICT ("workspaceId", "kind") DO UPDATE SET "value" = "KeyCounter"."value" + ${n}::int
    RETURNING "value"`;
  return Number(rows[0].value) - n + 1;
}

export const formatKey = (kind: KeyKind, n: number) => `${KEY_PREFIX[kind]}-${n}`;

/** "d-7" / "D-7" / "D7" → { kind: "deal", number: 7 }; null when it is not a key. */
export function parseKey(text: string): { kind: KeyKind; number: number } | null {
  const m = /^([CADTKRF])-?(\d{1,9})$/i.exec(text.trim());
  if (!m) return null;
  const prefix = m[1].toUpperCase();
  const kind = (Object.keys(KEY_PREFIX) as KeyKind[]).find((k) => KEY_PREFIX[k] === prefix)!;
  return { kind, number: Number(m[2]) };
}
