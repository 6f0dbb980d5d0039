// Many rows of one table in one statement whose text does not depend on how many rows there are:
// INSERT … SELECT FROM unnest(one array per column). Prisma compiles every createMany and
// createManyAndReturn anew — its query plan cache leaves them out, a plan being made for one row count —
// and that compile (its wasm query compiler) cost the inbound mail batch ~1 ms of CPU per statement
// (bench/README.md, "bench/inbound.ts"). A raw statement is not compiled.
// The caller names every column it writes with its PostgreSQL type; what Prisma would fill in itself
// (cuid ids, @updatedAt, @default(now()) written as UTC) it must give too (src/db/ids.ts).
import { Prisma } from "../generated/prisma/client.ts";
import { utcTimestamp } from "./ids.ts";

type Tx = Pick<Prisma.TransactionClient, "$queryRaw">;

/** column → the PostgreSQL type of its values: "text", "int4", "jsonb", "timestamp(3)", '"TicketStatus"' … (no arrays) */
export type ColumnTypes = Record<string, string>;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TYPE = /^("[A-Za-z_][A-Za-z0-9_]*"|[a-z][a-z0-9_]*(\(\d+\))?)$/;

/** A value as its array element: dates as Prisma stores them (UTC timestamp), JSON as text, absent as NULL. */
function element(type: string, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (type === "jsonb" || type === "json") return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
  if (v instanceof Date) return utcTimestamp(v);
  return v;
}

/** One table's rows for insertRows' `alongside`: written in the same statement. */
export interface InsertPart {
  table: string;
  columns: ColumnTypes;
  rows: Record<string, unknown>[];
}

const quoted = (xs: readonly string[]) => Prisma.raw(xs.map((x) => `"${x}"`).join(", "));

function insertSql({ table, columns, rows }: InsertPart, returning?: readonly string[] | "*"): Prisma.Sql {
  const names = Object.keys(columns);
  const back = returning === "*" ? [] : (returning ?? []);
  for (const n of [table, ...names, ...back]) if (!IDENT.test(n)) throw new Error(`insertRows: bad identifier ${n}`);
  for (const t of Object.values(columns)) if (!TYPE.test(t)) throw new Error(`insertRows: bad type ${t}`);
  const arrays = names.map((n) => Prisma.sql`${rows.map((r) => element(columns[n], r[n]))}::${Prisma.raw(columns[n])}[]`);
  const tail = returning === "*" ? Prisma.sql` RETURNING *` : back.length ? Prisma.sql` RETURNING ${quoted(back)}` : Prisma.empty;
  return Prisma.sql`INSERT INTO ${quoted([table])} (${quoted(names)}) SELECT * FROM unnest(${Prisma.join(arrays)})${tail}`;
}

/**
 * Inserts `rows` into `table` (every row gives the columns of `columns`; a missing one is NULL) and
 * returns `returning` ("*": every column) of each as Prisma's raw queries type them (RETURNING's order is not promised).
 * `alongside`: other tables' rows written by the same statement (data-modifying CTEs: one round trip for all; their
 * foreign keys may point at rows of earlier statements, not at each other's).
 */
export async function insertRows<R = never>(
  tx: Tx,
  table: string,
  columns: ColumnTypes,
  rows: Record<string, unknown>[],
  returning?: readonly string[] | "*",
  alongside: InsertPart[] = [],
): Promise<R[]> {
  const main = rows.length ? insertSql({ table, columns, rows }, returning) : undefined;
  const parts = alongside.filter((p) => p.rows.length).map((p) => insertSql(p));
  if (!parts.length) return main ? tx.$queryRaw<R[]>(main) : [];
  const ctes = Prisma.join(
    parts.map((sql, i) => Prisma.sql`${Prisma.raw(`p${i}`)} AS (${sql})`),
    ", ",
  );
  const rowsBack = await tx.$queryRaw<R[]>`WITH ${ctes} ${main ?? Prisma.sql`SELECT 1`}`;
  return main ? rowsBack : [];
}
