// References people type: a key (C-12, A-3, D-7, T-42), an email (contacts), or a unique name prefix.
// Lookups are always inside the actor's workspace; a key from another workspace simply finds nothing.
import { NotFoundError, UserInputError } from "../errors.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { formatKey, parseKey, type KeyKind } from "../db/keys.ts";

export type RefKind = "contact" | "company" | "deal" | "ticket";
type Db = Pick<PrismaClient, "contact" | "company" | "deal" | "ticket">;

export interface RefHit {
  id: string;
  number: number;
  label: string;
}

export class AmbiguousRefError extends UserInputError {
  constructor(
    public ref: string,
    public kind: RefKind,
    public candidates: RefHit[],
  ) {
    super(
      `"${ref}" matches ${candidates.length === 6 ? "more than 5" : candidates.length} ${kind === "company" ? "companies" : kind + "s"}: ${candidates
        .slice(0, 5)
        .map((c) => `${formatKey(kind, c.number)} ${shortLabel(c.label)}`)
        .join(", ")}. Use the key.`,
    );
  }
}

/** candidates are named briefly: the keys tell them apart, and five long names would bury the message */
const shortLabel = (label: string) => (label.length > 60 ? `${label.slice(0, 59)}…` : label);

/** local@domain.tld, loosely: one @, no spaces, a dot inside the domain (string code: the regex for it,
 * /^[^\s@]+@[^\s@]+\.[^\s@]+$/, read a domain of dots quadratically). */
function looksLikeEmail(text: string): boolean {
  const at = text.indexOf("@");
  return at > 0 && at === text.lastIndexOf("@") && !/\s/.test(text) && text.slice(at + 2, -1).includes(".");
}
const nameField: Record<RefKind, "name" | "title" | "subject"> = { contact: "name", company: "name", deal: "title", ticket: "subject" };

async function byNumber(db: Db, kind: RefKind, workspaceId: string, number: number): Promise<RefHit | null> {
  const where = { workspaceId_number: { workspaceId, number } };
  const select = { id: true, number: true, [nameField[kind]]: true } as const;
  const row = await (db[kind] as unknown as { findUnique(a: unknown): Promise<Record<string, unknown> | null> }).findUnique({
    where,
    select,
  });
  return row ? { id: row.id as string, number: row.number as number, label: row[nameField[kind]] as string } : null;
}

async function byName(db: Db, kind: RefKind, workspaceId: string, text: string): Promise<RefHit[]> {
  const field = nameField[kind];
  const rows = await (db[kind] as unknown as { findMany(a: unknown): Promise<Record<string, unknown>[]> }).findMany({
    // archived records answer to their key only: a name finds the live ones
    where: { workspaceId, archivedAt: null, [field]: { startsWith: text, mode: "insensitive" } },
    select: { id: true, number: true, [field]: true },
    orderBy: { number: "asc" },
    take: 6,
  });
  return rows.map((r) => ({ id: r.id as string, number: r.number as number, label: r[field] as string }));
}

/** Resolves ref to one record of kind in the workspace, or throws NotFound / ambiguous. */
export async function resolveRef(db: Db, workspaceId: string, kind: RefKind, ref: string): Promise<RefHit> {
  const text = ref.trim();
  if (!text) throw new UserInputError(`Give a ${kind} key like ${formatKey(kind, 7)}.`);
  const key = parseKey(text);
  if (key) {
    if (key.kind !== kind)
      throw new UserInputError(`${text.toUpperCase()} is a ${key.kind} key; expected a ${kind} (${formatKey(kind, 7)}).`);
    const hit = await byNumber(db, kind, workspaceId, key.number);
    if (!hit) throw new NotFoundError(`No ${kind} ${formatKey(kind, key.number)} in this workspace.`);
    return hit;
  }
  if (kind === "contact" && looksLikeEmail(text)) {
    const c = await db.contact.findUnique({
      where: { workspaceId_email: { workspaceId, email: text.toLowerCase() } },
      select: { id: true, number: true, name: true },
    });
    if (!c) throw new NotFoundError(`No contact with email ${text} in this workspace.`);
    return { id: c.id, number: c.number, label: c.name };
  }
  if (kind === "company" && /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(text)) {
    const c = await db.company.findFirst({
      where: { workspaceId, domain: text.toLowerCase(), archivedAt: null },
      select: { id: true, number: true, name: true },
    });
    if (c) return { id: c.id, number: c.number, label: c.name };
  }
  const hits = await byName(db, kind, workspaceId, text);
  const exact = hits.filter((h) => h.label.toLowerCase() === text.toLowerCase());
  if (exact.length === 1) return exact[0];
  if (hits.length === 1) return hits[0];
  if (hits.length === 0) throw new NotFoundError(`No ${kind} matches "${text}" in this workspace.`);
  throw new AmbiguousRefError(text, kind, hits);
}

/** For `log`: a C-/A-/D-/T- key, or an email (a contact). */
export async function resolveAnyRef(db: Db, workspaceId: string, ref: string): Promise<{ kind: RefKind } & RefHit> {
  const key = parseKey(ref);
  if (key && (["contact", "company", "deal", "ticket"] as KeyKind[]).includes(key.kind)) {
    const kind = key.kind as RefKind;
    return { kind, ...(await resolveRef(db, workspaceId, kind, ref)) };
  }
  if (looksLikeEmail(ref.trim())) return { kind: "contact", ...(await resolveRef(db, workspaceId, "contact", ref)) };
  throw new UserInputError(`"${ref}" is not a record: use a key like C-12, A-3, D-7 or T-42, or a contact's email.`);
}
