// Start-up migrations through the wasm schema engine (no native engine download; see prisma/engine-shim).
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { PGlite } from "@electric-sql/pglite";
// @ts-ignore plain-JS helpers from the engine shim
import { deployMigrations } from "../../prisma/engine-shim/migrate-lib.mjs";
// @ts-ignore
import { SchemaEnginePg } from "../../prisma/engine-shim/pg-compat.mjs";
// @ts-ignore
import { SafePrismaPGlite } from "../../prisma/engine-shim/pglite-compat.mjs";

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../prisma/migrations");

type Target = { kind: "postgres"; url: string } | { kind: "pglite"; db: PGlite };

/** Applies pending migrations; returns the names applied (empty when up to date). */
export async function applyMigrations(target: Target): Promise<string[]> {
  if (target.kind === "postgres") {
    await ensureDatabase(target.url);
    return deployMigrations({ adapterFactory: new SchemaEnginePg(target.url), migrationsDir: MIGRATIONS_DIR });
  }
  return deployMigrations({ adapterFactory: new SafePrismaPGlite(target.db), migrationsDir: MIGRATIONS_DIR });
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
