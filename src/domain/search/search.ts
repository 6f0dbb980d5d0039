// Find anything (#13 item 5): contacts, companies, deals and tickets of one workspace whose name, title or
// subject matches what was typed, forgiving typos (pg_trgm word similarity) and accents (f_unaccent, an
// IMMUTABLE wrapper of unaccent: migration 20261207105100_search_unaccent). What people type is text: % and _
// match themselves. One statement for every kind asked, each kind ranked best first and cut at `perKind`;
// every branch is served by a trigram GIN index on f_unaccent(lower(<field>)).
import { Prisma, type PrismaClient } from "../../generated/prisma/client.ts";
import { UserInputError } from "../../errors.ts";
import { formatKey, parseKey } from "../../db/keys.ts";
import type { Actor } from "../actor.ts";
import type { RefKind } from "../refs.ts";

export const SEARCH_KINDS = ["contact", "company", "deal", "ticket"] as const satisfies readonly RefKind[];
export type SearchKind = (typeof SEARCH_KINDS)[number];

/** How close a word of a name must be to a typed word (0–1): 0.5 lets "Anna" find "Ana" and "Lopes" "Lopez". */
export const WORD_SIMILARITY = 0.5;
/** The longest text searched: longer text is cut (nobody types a 200-character name to find it). */
export const MAX_SEARCH_TEXT = 100;

export interface SearchHit {
  kind: SearchKind;
  number: number;
  key: string;
  label: string;
  /** contact: email, company · company: domain · deal: amount, currency, stage · ticket: status, priority */
  details: (string | null)[];
  score: number;
}

export interface SearchGroup {
  hits: SearchHit[];
  /** more records of this kind match than were returned */
  more: boolean;
}

export type SearchResult = Record<SearchKind, SearchGroup>;

export interface SearchOptions {
  kinds?: readonly SearchKind[];
  /** at most this many per kind (best first) */
  perKind?: number;
  /** contacts also match by their company's name (contact find "globex" lists Globex's people) */
  contactsByCompany?: boolean;
}

/** what LIKE should read as the text itself: \ % and _ escaped (LIKE's default escape is the backslash) */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

type Row = { kind: SearchKind; number: number; label: string; d1: string | null; d2: string | null; d3: string | null; rank: number };

export class SearchService {
  constructor(private db: PrismaClient) {}

  async search(actor: Actor, typed: string, opts: SearchOptions = {}): Promise<SearchResult> {
    const text = typed.trim().slice(0, MAX_SEARCH_TEXT);
    if (!text) throw new UserInputError("Type something to search for, like a name, an email or a key.", "/crm search <text>");
    const kinds = opts.kinds ?? SEARCH_KINDS;
    const perKind = Math.max(1, Math.min(opts.perKind ?? 5, 50));
    const key = parseKey(text);
    const ctx: Ctx = { ws: actor.workspaceId, text, like: escapeLike(text), take: perKind + 1, key, fuzzy: FUZZY_WORD.test(text) };
    const parts = kinds.map((k) => QUERIES[k](ctx, opts));
    const sql = Prisma.sql`${Prisma.join(parts, " UNION ALL ")}`;
    // the word-similarity threshold the <% operator (and its index scan) uses, for this transaction only
    const [, rows] = await this.db.$transaction([
      this.db.$queryRaw`SELECT set_config('pg_trgm.word_similarity_threshold', ${String(WORD_SIMILARITY)}, true)`,
      this.db.$queryRaw<Row[]>(sql),
    ]);
    const out = Object.fromEntries(SEARCH_KINDS.map((k) => [k, { hits: [] as SearchHit[], more: false }])) as SearchResult;
    for (const r of rows) {
      const g = out[r.kind];
      if (g.hits.length >= perKind) {
        g.more = true;
        continue;
      }
      g.hits.push({
        kind: r.kind,
        number: Number(r.number),
        key: formatKey(r.kind, Number(r.number)),
        label: r.label,
        details: [r.d1, r.d2, r.d3],
        score: Number(r.rank),
      });
    }
    return out;
  }
}

interface Ctx {
  ws: string;
  text: string;
  like: string;
  take: number;
  key: ReturnType<typeof parseKey>;
  /** the text has a word to compare (3 letters or digits in a row): shorter ones ("al", "b_b") match as typed only */
  fuzzy: boolean;
}

const FUZZY_WORD = /[\p{L}\p{N}]{3}/u;

/**
 * How well `field` (a lower-cased, unaccented column expression) matches: the whole text 1, its start 0.9,
 * the start of a later word 0.85, anywhere 0.7, else its word similarity (0.5–1) scaled under those.
 */
function score(field: Prisma.Sql, c: Ctx): Prisma.Sql {
  const q = Prisma.sql`f_unaccent(lower(${c.text}))`;
  const l = Prisma.sql`f_unaccent(lower(${c.like}))`;
  return Prisma.sql`GREATEST(
    CASE WHEN ${field} = ${q} THEN 1.0
         WHEN ${field} LIKE ${l} || '%' THEN 0.9
         WHEN ${field} LIKE '% ' || ${l} || '%' THEN 0.85
         WHEN ${field} LIKE '%' || ${l} || '%' THEN 0.7
         ELSE 0 END,
    word_similarity(${q}, ${field}) * 0.8)`;
}

/** the text anywhere in the field, or a word of the field close to it: both answered by the field's trigram index */
function matches(field: Prisma.Sql, c: Ctx): Prisma.Sql {
  const like = Prisma.sql`${field} LIKE '%' || f_unaccent(lower(${c.like})) || '%'`;
  return c.fuzzy ? Prisma.sql`(${like} OR f_unaccent(lower(${c.text})) <% ${field})` : like;
}

/** a typed key of this kind (C-12) finds that record first */
function keyMatch(kind: SearchKind, alias: string, c: Ctx): { where: Prisma.Sql; score: Prisma.Sql } {
  if (c.key?.kind !== kind) return { where: Prisma.sql`FALSE`, score: Prisma.sql`0` };
  const col = Prisma.raw(`${alias}."number"`);
  return { where: Prisma.sql`${col} = ${c.key.number}`, score: Prisma.sql`CASE WHEN ${col} = ${c.key.number} THEN 2.0 ELSE 0 END` };
}

const QUERIES: Record<SearchKind, (c: Ctx, o: SearchOptions) => Prisma.Sql> = {
  contact(c, o) {
    // the name's searchable form once per candidate row (score() compares it five ways; OFFSET 0 keeps the
    // planner from inlining it back into each comparison)
    const f = Prisma.sql`u."n"`;
    const k = keyMatch("contact", "x", c);
    // an email's start ranks near a name's; anywhere in it (the domain: "acme") under the names
    const email = Prisma.sql`x."email" LIKE lower(${c.like}) || '%'`;
    const inEmail = (col: Prisma.Sql) => Prisma.sql`${col} LIKE '%' || lower(${c.like}) || '%'`;
    // contacts of companies whose name matches, ranked under direct matches
    const companies = Prisma.sql`SELECT y."id" FROM "Company" y WHERE y."workspaceId" = ${c.ws}
          AND ${matches(Prisma.sql`f_unaccent(lower(y."name"))`, c)}`;
    const byCompany = o.contactsByCompany ? Prisma.sql`x."companyId" IN (${companies})` : Prisma.sql`FALSE`;
    // the candidates, one index per branch (name and email trigram indexes, the key, the company's contacts):
    // an OR of them in one WHERE would read every contact of the workspace; = ANY(ARRAY(…)) then fetches just
    // those rows by primary key instead of hashing the whole table against them
    const branches = [
      Prisma.sql`SELECT n."id" FROM "Contact" n WHERE n."workspaceId" = ${c.ws} AND ${matches(Prisma.sql`f_unaccent(lower(n."name"))`, c)}`,
      Prisma.sql`SELECT e."id" FROM "Contact" e WHERE e."workspaceId" = ${c.ws} AND ${inEmail(Prisma.sql`e."email"`)}`,
      ...(c.key?.kind === "contact"
        ? [Prisma.sql`SELECT n."id" FROM "Contact" n WHERE n."workspaceId" = ${c.ws} AND n."number" = ${c.key.number}`]
        : []),
      ...(o.contactsByCompany
        ? [Prisma.sql`SELECT m."id" FROM "Contact" m WHERE m."workspaceId" = ${c.ws} AND m."companyId" IN (${companies})`]
        : []),
    ];
    return Prisma.sql`(SELECT 'contact' AS kind, x."number", x."name" AS label, x."email" AS d1, co."name" AS d2, NULL::text AS d3,
        GREATEST(${score(f, c)}, ${k.score}, CASE WHEN ${email} THEN 0.95 WHEN ${inEmail(Prisma.sql`x."email"`)} THEN 0.65 ELSE 0 END, CASE WHEN ${byCompany} THEN 0.6 ELSE 0 END)::float8 AS rank
      FROM "Contact" x CROSS JOIN LATERAL (SELECT f_unaccent(lower(x."name")) AS "n" OFFSET 0) u LEFT JOIN "Company" co ON co."id" = x."companyId"
      WHERE x."id" = ANY(ARRAY(${Prisma.join(branches, " UNION ")})) AND x."workspaceId" = ${c.ws} AND x."archivedAt" IS NULL
      ORDER BY rank DESC, x."number" ASC LIMIT ${c.take})`;
  },
  company(c) {
    const f = Prisma.sql`f_unaccent(lower(x."name"))`;
    const k = keyMatch("company", "x", c);
    return Prisma.sql`(SELECT 'company' AS kind, x."number", x."name" AS label, x."domain" AS d1, NULL::text AS d2, NULL::text AS d3,
        GREATEST(${score(f, c)}, ${k.score})::float8 AS rank
      FROM "Company" x
      WHERE x."workspaceId" = ${c.ws} AND x."archivedAt" IS NULL AND (${matches(f, c)} OR ${k.where})
      ORDER BY rank DESC, x."number" ASC LIMIT ${c.take})`;
  },
  deal(c) {
    const f = Prisma.sql`f_unaccent(lower(x."title"))`;
    const k = keyMatch("deal", "x", c);
    return Prisma.sql`(SELECT 'deal' AS kind, x."number", x."title" AS label, x."amount"::text AS d1, trim(x."currency") AS d2, st."name" AS d3,
        GREATEST(${score(f, c)}, ${k.score})::float8 AS rank
      FROM "Deal" x JOIN "Stage" st ON st."id" = x."stageId"
      WHERE x."workspaceId" = ${c.ws} AND x."archivedAt" IS NULL AND (${matches(f, c)} OR ${k.where})
      ORDER BY rank DESC, x."number" ASC LIMIT ${c.take})`;
  },
  ticket(c) {
    const f = Prisma.sql`f_unaccent(lower(x."subject"))`;
    const k = keyMatch("ticket", "x", c);
    return Prisma.sql`(SELECT 'ticket' AS kind, x."number", x."subject" AS label, x."status"::text AS d1, x."priority"::text AS d2, NULL::text AS d3,
        GREATEST(${score(f, c)}, ${k.score})::float8 AS rank
      FROM "Ticket" x
      WHERE x."workspaceId" = ${c.ws} AND x."archivedAt" IS NULL AND (${matches(f, c)} OR ${k.where})
      ORDER BY rank DESC, x."number" ASC LIMIT ${c.take})`;
  },
};
