// Opens the database: PostgreSQL through @prisma/adapter-pg when DATABASE_URL is set, otherwise an
// embedded PGlite under DATA_DIR. Applies pending migrations first (a no-op when up to date).
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { Prisma, PrismaClient } from "../generated/prisma/client.ts";
import { applyMigrations } from "./migrate.ts";
import { withAmbientTransactions } from "./pgliteAmbient.ts";
import { initPgliteDataDir } from "./pgliteInitdb.ts";

export type Db = PrismaClient;

/** $queryRaw and $executeRaw alone: what the campaign ledger's statements need. */
export type RawSqlDb = Pick<PrismaClient, "$queryRaw" | "$executeRaw">;

export interface OpenedDb {
  prisma: PrismaClient;
  kind: "postgres" | "pglite";
  appliedMigrations: string[];
  /**
   * The same raw SQL (Prisma.sql templates) run straight on the connection pool, for statements run
   * thousands of times a second (campaign claims): Prisma's handling of a raw query costs several times
   * the CPU of the pg driver's (bench/README.md). Results come as pg gives them (int8 as a string).
   * On PGlite it is Prisma itself.
   */
  rawSql: RawSqlDb;
  close(): Promise<void>;
}

/** poolSize: PostgreSQL connections of this process (DATABASE_POOL_SIZE); 10 when not given */
export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  migrate?: boolean;
  poolSize?: number;
}): Promise<OpenedDb> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.migrate ?? true, opts.poolSize ?? 10);
  return openPglite(opts.dataDir, opts.migrate ?? true);
}

async function openPostgres(url: string, migrate: boolean, poolSize: number): Promise<OpenedDb> {
  const appliedMigrations = migrate ? await applyMigrations({ kind: "postgres", url }) : [];
  const pool = new pg.Pool({
    connectionString: url,
    // fail fast when the database is down so commands can answer "try again" inside Slack's 3 s
    connectionTimeoutMillis: 2000,
    max: poolSize,
  });
  pool.on("error", () => {
    /* idle client lost (database restarted): the pool replaces it */
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  return {
    prisma,
    kind: "postgres",
    appliedMigrations,
    rawSql: pgRawSql(pool),
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => {});
    },
  };
}

async function openPglite(dataDir: string, migrate: boolean): Promise<OpenedDb> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { SafePrismaPGlite } = await import("../../prisma/engine-shim/pglite-compat.mjs");
  const { PGLITE_EXTENSIONS } = await import("../../prisma/engine-shim/pglite-extensions.mjs");
  const dir = path.resolve(dataDir, "pglite");
  await mkdir(dir, { recursive: true });
  const startParams = pgliteStartParams(PGlite.defaultStartParams);
  await initPgliteDataDir(dir, startParams);
  const db = await PGlite.create(dir, { extensions: PGLITE_EXTENSIONS, startParams });
  const appliedMigrations = migrate ? await applyMigrations({ kind: "pglite", db }) : [];
  // one session: a statement made inside a transaction's callback joins it instead of waiting for it (pgliteAmbient.ts)
  const prisma = withAmbientTransactions(new PrismaClient({ adapter: new SafePrismaPGlite(db) }));
  return {
    prisma,
    kind: "pglite",
    appliedMigrations,
    rawSql: prisma,
    async close() {
      await prisma.$disconnect();
      await db.close();
    },
  };
}

/**
 * The embedded PostgreSQL's command line: PGlite's own (single-user mode, its defaults) and a 16 MB buffer
 * cache. PostgreSQL's default, 128 MB, is written over in full when PGlite starts, so all of it stays
 * resident for the life of the process: ~120 MB of an idle server and ~0.4 s of its start, more than a
 * database PGlite is meant for (trying the CRM out on one machine) gains from it. A page not in the cache is
 * one read of its data file, which the operating system caches. wal_buffers follows (1/32: 512 kB).
 * Durability is unchanged: a commit is written to the data directory before it returns (bench/README.md,
 * "bench/footprint.ts").
 */
const PGLITE_SHARED_BUFFERS = "16MB";

function pgliteStartParams(defaults: readonly string[]): string[] {
  return [...defaults, "-c", `shared_buffers=${PGLITE_SHARED_BUFFERS}`];
}

/**
 * Prisma's raw-query API over a pg pool: Prisma.sql builds the same parameterised text ($1, $2…). Each
 * distinct text runs as a named prepared statement (the name is a hash of the text), so PostgreSQL
 * parses and plans it once per connection instead of on every call (about 0.6 ms for a claim).
 */
export function pgRawSql(pool: pg.Pool): RawSqlDb {
  const names = new Map<string, string>();
  const run = (q: TemplateStringsArray | Prisma.Sql, values: unknown[]) => {
    const sql = q instanceof Prisma.Sql ? q : Prisma.sql(q, ...values);
    let name = names.get(sql.text);
    if (!name) {
      name = `raw_${createHash("sha1").update(sql.text).digest("hex").slice(0, 20)}`;
      names.set(sql.text, name);
    }
    return pool.query({ name, text: sql.text, values: sql.values });
  };
  const raw = {
    async $queryRaw(q: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) {
      return (await run(q, values)).rows;
    },
    async $executeRaw(q: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) {
      return (await run(q, values)).rowCount ?? 0;
    },
  };
  // Prisma types these as PrismaPromise (lazy, batchable in $transaction); the ledger only awaits them
  return raw as unknown as RawSqlDb;
}
