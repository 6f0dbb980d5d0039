// Type-ahead for chat surfaces (Discord autocomplete): records of one workspace whose key number or
// name (a contact's email too) starts with what was typed. Read-only, at most 25 suggestions.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { formatKey, parseKey } from "../../db/keys.ts";
import type { RefKind } from "../refs.ts";

export interface Suggestion {
  kind: RefKind;
  key: string;
  label: string;
}

export const MAX_SUGGESTIONS = 25;
const nameField: Record<RefKind, "name" | "title" | "subject"> = { contact: "name", company: "name", deal: "title", ticket: "subject" };
type Delegate = { findMany(a: unknown): Promise<Record<string, unknown>[]> };

/** 1 → numbers 1, 10–19, 100–199, … (a number "starting with" 1), as ranges an index can use. */
function numberPrefix(n: number): object[] {
  const ranges: object[] = [{ number: n }];
  for (let scale = 10; n > 0 && n * scale < 1e9 && ranges.length < 7; scale *= 10)
    ranges.push({ number: { gte: n * scale, lt: (n + 1) * scale } });
  return ranges;
}

export class AutocompleteService {
  constructor(private db: PrismaClient) {}

  async records(workspaceId: string, kinds: RefKind[], typed: string, limit = MAX_SUGGESTIONS): Promise<Suggestion[]> {
    const text = typed.trim().slice(0, 100);
    const key = /^\d{1,9}$/.test(text) ? { kind: undefined, number: Number(text) } : parseKey(text);
    const take = Math.min(limit, MAX_SUGGESTIONS);
    const out: Suggestion[] = [];
    for (const kind of kinds) {
      if (key?.kind && key.kind !== kind) continue;
      const field = nameField[kind];
      const or: object[] = [];
      if (key) or.push(...numberPrefix(key.number));
      if (text && !key?.kind) {
        or.push({ [field]: { startsWith: text, mode: "insensitive" } });
        if (kind === "contact") or.push({ email: { startsWith: text.toLowerCase() } });
      }
      const rows = await (this.db[kind] as unknown as Delegate).findMany({
        where: { workspaceId, archivedAt: null, ...(or.length ? { OR: or } : {}) },
        select: { number: true, [field]: true },
        // nothing typed: the newest records first
        orderBy: { number: text ? "asc" : "desc" },
        take,
      });
      for (const r of rows) out.push({ kind, key: formatKey(kind, r.number as number), label: r[field] as string });
    }
    return out.slice(0, take);
  }
}
