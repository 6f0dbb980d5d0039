// /crm history <ref>: a record's audit rows, newest first, a page at a time (after:<entry id>, the More
// button's command). Each entry says who (the member's name), when, what (the action) and which fields went
// from what to what; ids of companies, contacts and members are shown as their keys and names. Rows the
// forgetting of a contact scrubbed have no before/after left: they say so and show nothing else.
import { UserInputError } from "../../errors.ts";
import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import { formatKey, parseKey } from "../../db/keys.ts";
import type { Actor } from "../actor.ts";
import { resolveAnyRef, type RefKind } from "../refs.ts";

export const HISTORY_PAGE = 20;
export const HISTORY_USAGE = "/crm history <ref> [after:<entry>]";
export const NOT_A_RECORD = (ref: string) => `"${ref}" is not a record: use a key like C-12, A-3, D-7, T-42 or F-3, or a contact's email.`;

export type HistoryKind = RefKind | "task";

/** The record a ref names, any kind with a history. */
export interface HistoryRecord {
  kind: HistoryKind;
  id: string;
  key: string;
  label: string;
}

export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

export interface HistoryEntry {
  id: string;
  at: Date;
  who: string;
  action: string;
  changes: FieldChange[];
  /** its before/after were erased (a forgotten contact's data) */
  erased: boolean;
  /** an undo: the action it reverted */
  undid?: string;
}

/** Keys of an audit row's before/after that say how, not what: not shown as fields. */
export const META_KEYS = new Set(["moved", "into", "from", "undoes", "undid"]);
/** Columns that hold an id, shown as the key and name of what they point to. */
const ID_COLUMNS: Record<string, "contact" | "company" | "member"> = {
  contactId: "contact",
  requesterId: "contact",
  mergedIntoId: "contact",
  companyId: "company",
  ownerId: "member",
  assigneeId: "member",
};
const MAX_VALUE = 60;

/** C-/A-/D-/T-/F- key or a contact's email → the record, in the actor's workspace. */
export async function resolveRecord(db: PrismaClient, workspaceId: string, ref: string): Promise<HistoryRecord> {
  const text = ref.trim();
  const key = parseKey(text);
  if (key?.kind === "task") {
    const t = await db.task.findUnique({ where: { workspaceId_number: { workspaceId, number: key.number } } });
    if (!t) throw new UserInputError(`No task ${formatKey("task", key.number)} in this workspace.`, HISTORY_USAGE);
    return { kind: "task", id: t.id, key: formatKey("task", t.number), label: t.what };
  }
  if (!key && !text.includes("@")) throw new UserInputError(NOT_A_RECORD(text), HISTORY_USAGE);
  if (key && !["contact", "company", "deal", "ticket"].includes(key.kind)) throw new UserInputError(NOT_A_RECORD(text), HISTORY_USAGE);
  const hit = await resolveAnyRef(db, workspaceId, text);
  return { kind: hit.kind, id: hit.id, key: formatKey(hit.kind, hit.number), label: hit.label };
}

/** A stored value as one short line. */
export function short(v: unknown): string {
  if (v == null || v === "") return "—";
  if (Array.isArray(v)) return v.length ? clipped(v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", ")) : "—";
  if (typeof v === "string") return clipped(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v) ? v.slice(0, 16).replace("T", " ") : v);
  if (typeof v === "object") return clipped(JSON.stringify(v));
  return clipped(String(v));
}
const clipped = (t: string) => {
  const one = t.replace(/\s+/g, " ").trim();
  return one.length <= MAX_VALUE ? one : `${one.slice(0, MAX_VALUE - 1)}…`;
};

const obj = (v: Prisma.JsonValue | null): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export class RecordHistory {
  constructor(private db: PrismaClient) {}

  /** One page of the record's history, newest first; `after` is the id of the last entry of the page before. */
  async page(actor: Actor, ref: string, after?: string) {
    const ws = actor.workspaceId;
    const record = await resolveRecord(this.db, ws, ref);
    const where = { workspaceId: ws, entity: record.kind, entityId: record.id };
    let cursor: Prisma.AuditLogWhereInput = {};
    if (after !== undefined) {
      const c = await this.db.auditLog.findFirst({ where: { ...where, id: after.trim() }, select: { id: true, at: true } });
      if (!c)
        throw new UserInputError(
          `after: takes the entry a page of ${record.key}'s history ended with (the More button fills it in); "${after}" is not one.`,
          HISTORY_USAGE,
        );
      cursor = { OR: [{ at: { lt: c.at } }, { at: c.at, id: { lt: c.id } }] };
    }
    const [rows, total] = await Promise.all([
      this.db.auditLog.findMany({
        where: { AND: [where, cursor] },
        orderBy: [{ at: "desc" }, { id: "desc" }],
        take: HISTORY_PAGE + 1,
        include: { actor: { select: { name: true } } },
      }),
      this.db.auditLog.count({ where }),
    ]);
    const shown = rows.slice(0, HISTORY_PAGE);
    const names = await this.names(ws, shown);
    const entries: HistoryEntry[] = shown.map((r) => {
      const [before, after] = [obj(r.before), obj(r.after)];
      const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((f) => !META_KEYS.has(f));
      const value = (f: string, v: unknown) => (typeof v === "string" && ID_COLUMNS[f] ? (names.get(v) ?? "(gone)") : short(v));
      return {
        id: r.id,
        at: r.at,
        who: r.actor?.name ?? (r.actorId ? "a former member" : "the system"),
        action: r.action,
        changes: fields.map((f) => ({ field: f, before: value(f, before[f]), after: value(f, after[f]) })),
        erased: r.before == null && r.after == null,
        undid: typeof after.undid === "string" ? after.undid : undefined,
      };
    });
    return { record, entries, total, next: rows.length > HISTORY_PAGE ? shown[shown.length - 1].id : undefined };
  }

  /** the keys and names of the contacts, companies and members the page's id columns point to */
  private async names(workspaceId: string, rows: { before: Prisma.JsonValue | null; after: Prisma.JsonValue | null }[]) {
    const ids: Record<"contact" | "company" | "member", Set<string>> = { contact: new Set(), company: new Set(), member: new Set() };
    for (const r of rows)
      for (const side of [obj(r.before), obj(r.after)])
        for (const [f, v] of Object.entries(side)) if (ID_COLUMNS[f] && typeof v === "string") ids[ID_COLUMNS[f]].add(v);
    const where = (set: Set<string>) => ({ workspaceId, id: { in: [...set] } });
    const [contacts, companies, members] = await Promise.all([
      ids.contact.size ? this.db.contact.findMany({ where: where(ids.contact), select: { id: true, number: true, name: true } }) : [],
      ids.company.size ? this.db.company.findMany({ where: where(ids.company), select: { id: true, number: true, name: true } }) : [],
      ids.member.size ? this.db.member.findMany({ where: where(ids.member), select: { id: true, name: true } }) : [],
    ]);
    const out = new Map<string, string>();
    for (const c of contacts) out.set(c.id, clipped(`C-${c.number} ${c.name}`));
    for (const c of companies) out.set(c.id, clipped(`A-${c.number} ${c.name}`));
    for (const m of members) out.set(m.id, clipped(m.name));
    return out;
  }
}
