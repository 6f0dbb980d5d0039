// Opens the database: PostgreSQL through @prisma/adapter-pg when DATABASE_URL is set, otherwise an
// embedded PGlite under DATA_DIR. Applies pending migrations first (a no-op when up to date).
import { mkdir } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { applyMigrations } from "./migrate.ts";

export type Db = PrismaClient;

export interface OpenedDb {
  prisma: PrismaClient;
  kind: "postgres" | "pglite";
  appliedMigrations: string[];
  close(): Promise<void>;
}

export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; migrate?: boolean }): Promise<OpenedDb> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.migrate ?? true);
  return openPglite(opts.dataDir, opts.migrate ?? true);
}

async function openPostgres(url: string, migrate: boolean): Promise<OpenedDb> {
  const appliedMigrations = migrate ? await applyMigrations({ kind: "postgres", url }) : [];
  const pool = new pg.Pool({
    connectionString: url,
    // fail fast when the database is down so commands can answer "try again" inside Slack's 3 s
    connectionTimeoutMillis: 2000,
    max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
  });
  pool.on("error", () => { /* idle client lost (database restarted): the pool replaces it */ });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  return {
    prisma, kind: "postgres", appliedMigrations,
    async close() { await prisma.$disconnect(); await pool.end().catch(() => {}); },
  };
}

async function openPglite(dataDir: string, migrate: boolean): Promise<OpenedDb> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { SafePrismaPGlite } = await import("../../prisma/engine-shim/pglite-compat.mjs");
  const { PGLITE_EXTENSIONS } = await import("../../prisma/engine-shim/pglite-extensions.mjs");
  const dir = path.resolve(dataDir, "pglite");
  await mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir, { extensions: PGLITE_EXTENSIONS });
  const appliedMigrations = migrate ? await applyMigrations({ kind: "pglite", db }) : [];
  const prisma = new PrismaClient({ adapter: new SafePrismaPGlite(db) });
  return {
    prisma, kind: "pglite", appliedMigrations,
    async close() { await prisma.$disconnect(); await db.close(); },
  };
}
