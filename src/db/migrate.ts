// Start-up migrations through the wasm schema engine (no native engine download; see prisma/engine-shim).
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { PGlite } from "@electric-sql/pglite";
// @ts-ignore plain-JS helpers from the engine shim
import { deployMigrations } from "../../prisma/engine-shim/migrate-lib.mjs";
// @ts-ignore
import { SchemaEnginePg } from "../../prisma/engine-shim/pg-compat.mjs";

/** prisma/migrations of the checkout this file belongs to, whether it runs as TypeScript (src/db) or compiled (dist/src/db). */
export const MIGRATIONS_DIR = findMigrations(path.dirname(fileURLToPath(import.meta.url)));

function findMigrations(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "prisma", "migrations");
    if (existsSync(path.join(candidate, "migration_lock.toml"))) return candidate;
    // a missing folder would read as "no migrations" and start on an empty schema: refuse instead
    if (path.dirname(dir) === dir) throw new Error(`prisma/migrations not found above ${from}`);
  }
}

type Target = { kind: "postgres"; url: string } | { kind: "pglite"; db: PGlite };

/** Applies pending migrations; returns the names applied (empty when up to date). */
export async function applyMigrations(target: Target): Promise<string[]> {
  if (target.kind === "postgres") {
    await ensureDatabase(target.url);
    if (await upToDate((sql) => queryOnce(target.url, sql))) return [];
    return deployMigrations({ adapterFactory: new SchemaEnginePg(target.url), migrationsDir: MIGRATIONS_DIR });
  }
  if (await upToDate((sql) => target.db.query(sql))) return [];
  // loaded here, not at the top: a server on PostgreSQL never loads PGlite
  const { SafePrismaPGlite } = await import("../../prisma/engine-shim/pglite-compat.mjs");
  return deployMigrations({ adapterFactory: new SafePrismaPGlite(target.db), migrationsDir: MIGRATIONS_DIR });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
}

/**
 * Every migration of the folder is recorded as applied, with the checksum (sha256) of its file as it is now:
 * nothing to do, and the schema engine is not loaded — a wasm module that would stay resident for the life of
 * the process (tens of MB) and cost a second of start-up, for a check. Anything else (a new database, a
 * pending, failed or edited migration) goes through the engine, which applies or refuses as Prisma does.
 */
async function upToDate(query: (sql: string) => Promise<{ rows: unknown[] }>): Promise<boolean> {
  let rows: AppliedRow[];
  try {
    rows = (await query(`SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`))
      .rows as AppliedRow[];
  } catch {
    return false; // no _prisma_migrations yet
  }
  const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
  const names = (await readdir(MIGRATIONS_DIR, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  for (const name of names) {
    const sql = await readFile(path.join(MIGRATIONS_DIR, name, "migration.sql")).catch(() => null);
    if (!sql || applied.get(name) !== createHash("sha256").update(sql).digest("hex")) return false;
  }
  return true;
}

async function queryOnce(url: string, sql: string): Promise<{ rows: unknown[] }> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end().catch(() => {});
  }
}

/** Creates the database named in url when it does not exist (as `prisma migrate deploy` does). */
export async function ensureDatabase(url: string): Promise<void> {
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await probe.connect();
    return;
  } catch (e) {
    if ((e as { code?: string }).code !== "3D000") throw e;
  } finally {
    await probe.end().catch(() => {});
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const c = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } catch (e) {
    if ((e as { code?: string }).code !== "42P04") throw e; // created concurrently by another replica
  } finally {
    await c.end();
  }
}
