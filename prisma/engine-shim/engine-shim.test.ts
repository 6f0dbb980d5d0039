// Tests for the offline Prisma schema-engine shim (see README.md next to this file).
// Postgres: every test that needs it creates its own `shimtest_<random>` database and the
// afterAll below drops it WITH (FORCE). Override the server with TEST_PG_ADMIN_URL (as test/setup does).
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { accessSync, constants, readFileSync } from "node:fs";
import { appendFile, cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { deployMigrations, migrationStatus } from "./migrate-lib.mjs";
import { SchemaEnginePg } from "./pg-compat.mjs";
import { SafePrismaPGlite } from "./pglite-compat.mjs";
import { PGLITE_EXTENSIONS } from "./pglite-extensions.mjs";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCHEMA = path.join(ROOT, "prisma/schema.prisma");
const MIGRATIONS = path.join(ROOT, "prisma/migrations");
const SHIM = path.join(ROOT, "prisma/engine-shim/schema-engine-shim.mjs");
const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const BROKEN = "29990101000000_broken";

// ---------- helpers (local on purpose: this file must run without test/helpers) ----------
const createdDbs: string[] = [];
const tempDirs: string[] = [];

function dbUrl(name: string) {
  const u = new URL(ADMIN_URL);
  u.pathname = "/" + name;
  return u.toString();
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>, url = ADMIN_URL): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates an empty `shimtest_<random>` database; dropped in afterAll. */
async function createTestDb(): Promise<{ name: string; url: string }> {
  const name = `shimtest_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  createdDbs.push(name);
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  return { name, url: dbUrl(name) };
}

const query = <R extends pg.QueryResultRow = Record<string, unknown>>(url: string, sql: string) =>
  withAdmin(async (c) => (await c.query<R>(sql)).rows, url);

async function tempCopy(): Promise<{ dir: string; schema: string; migrations: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "shimtest-"));
  tempDirs.push(dir);
  await cp(SCHEMA, path.join(dir, "schema.prisma"));
  await cp(MIGRATIONS, path.join(dir, "migrations"), { recursive: true });
  return { dir, schema: path.join(dir, "schema.prisma"), migrations: path.join(dir, "migrations") };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  out: string;
}
function run(cmd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
  for (const k of ["DATABASE_URL", "SHADOW_DATABASE_URL", "PRISMA_SCHEMA_ENGINE_BINARY"]) delete childEnv[k];
  for (const [k, v] of Object.entries(env))
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, env: childEnv, timeout: 45_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, out: stdout + stderr });
    });
  });
}
const prisma = (args: string[], env: Record<string, string | undefined>) => run("npx", ["--no", "prisma", ...args], env);
const drift = (schema: string, migrations: string) =>
  run("npm", ["run", "--silent", "db:drift", "--", "--schema", schema, "--migrations", migrations]);

/** Table names the schema declares (model name, or its @@map). */
function schemaTables(schemaText: string): string[] {
  return [...schemaText.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)].map(
    ([, model, body]) => /@@map\(\s*"([^"]+)"\s*\)/.exec(body)?.[1] ?? model,
  );
}
const expectedTables = schemaTables(readFileSync(SCHEMA, "utf8"));

async function addBrokenMigration(migrationsDir: string) {
  await mkdir(path.join(migrationsDir, BROKEN));
  // first statement is valid: the whole script must still roll back (one implicit transaction)
  await writeFile(
    path.join(migrationsDir, BROKEN, "migration.sql"),
    'CREATE TABLE "half_applied" ("id" INTEGER);\nCREATE TABLE this is not sql;\n',
  );
}

afterAll(async () => {
  await Promise.allSettled(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
  if (createdDbs.length)
    await withAdmin(async (c) => {
      for (const name of createdDbs) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    });
}, 30_000);

// ---------- tests ----------
describe("schema-engine shim", () => {
  it("answers --version with the engine build the Prisma CLI expects, and keeps its run bit", async () => {
    accessSync(SHIM, constants.X_OK);
    const r = await run(SHIM, ["--version"]);
    expect(r.code, r.out).toBe(0);
    const cliEngineHash = JSON.parse(readFileSync(path.join(ROOT, "node_modules/@prisma/engines-version/package.json"), "utf8")).prisma
      .enginesVersion as string;
    expect(r.stdout.trim()).toBe(`schema-engine-cli ${cliEngineHash} (wasm shim)`);
  }, 20_000);

  it("real CLI: migrate deploy applies, re-deploy is a no-op, migrate status is up to date", async () => {
    const { url } = await createTestDb();
    const first = await prisma(["migrate", "deploy"], { DATABASE_URL: url });
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain("All migrations have been successfully applied.");

    const second = await prisma(["migrate", "deploy"], { DATABASE_URL: url });
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain("No pending migrations to apply.");

    const status = await prisma(["migrate", "status"], { DATABASE_URL: url });
    expect(status.code, status.out).toBe(0);
    expect(status.out).toContain("Database schema is up to date!");

    const tables = (await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).map(
      (r) => r.tablename,
    );
    expect(tables).toEqual(expect.arrayContaining([...expectedTables, "_prisma_migrations"]));
  }, 45_000);

  it("real CLI: a failing migration exits non-zero, rolls back, and is recorded as failed (then P3009)", async () => {
    const { url } = await createTestDb();
    const copy = await tempCopy();
    await addBrokenMigration(copy.migrations);
    const config = path.join(copy.dir, "prisma.config.mjs");
    // a plain object: a config outside the project cannot import "prisma/config"
    await writeFile(
      config,
      [
        "export default {",
        `  schema: ${JSON.stringify(copy.schema)},`,
        `  migrations: { path: ${JSON.stringify(copy.migrations)} },`,
        '  datasource: { url: process.env.DATABASE_URL ?? "" },',
        "};",
      ].join("\n") + "\n",
    );
    const env = { DATABASE_URL: url, PRISMA_SCHEMA_ENGINE_BINARY: SHIM };

    const deploy = await prisma(["migrate", "deploy", "--config", config], env);
    expect(deploy.code, deploy.out).not.toBe(0);
    expect(deploy.out).toMatch(/syntax error/i);

    const rows = await query<{ migration_name: string; finished_at: Date | null; rolled_back_at: Date | null; logs: string | null }>(
      url,
      "SELECT migration_name, finished_at, rolled_back_at, logs FROM _prisma_migrations ORDER BY migration_name",
    );
    const broken = rows.find((r) => r.migration_name === BROKEN);
    expect(rows.filter((r) => r.finished_at !== null).map((r) => r.migration_name)).not.toContain(BROKEN);
    expect(broken).toMatchObject({ finished_at: null, rolled_back_at: null });
    expect(broken?.logs).toMatch(/syntax error/i);
    // the valid first statement of the failed script must not survive (whole-script transaction)
    expect(await query(url, "SELECT to_regclass('public.half_applied') AS t")).toEqual([{ t: null }]);

    const again = await prisma(["migrate", "deploy", "--config", config], env);
    expect(again.code).not.toBe(0);
    expect(again.out).toContain("P3009");
  }, 45_000);
});

describe("programmatic deployMigrations (migrate-lib)", () => {
  it("on Postgres via SchemaEnginePg: applies, then applies nothing, status clean", async () => {
    const { url } = await createTestDb();
    const adapterFactory = new SchemaEnginePg(url);
    const applied = await deployMigrations({ adapterFactory, migrationsDir: MIGRATIONS });
    expect(applied.length).toBeGreaterThan(0);
    expect(await deployMigrations({ adapterFactory, migrationsDir: MIGRATIONS })).toEqual([]);

    const status = await migrationStatus({ adapterFactory, migrationsDir: MIGRATIONS });
    expect(status).toMatchObject({ history: null, failedMigrationNames: [], editedMigrationNames: [] });
    const tables = (await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).map(
      (r) => r.tablename,
    );
    expect(tables).toEqual(expect.arrayContaining(expectedTables));
  }, 30_000);

  it("on in-memory PGlite via SafePrismaPGlite: applies, then nothing; a failing migration fails", async () => {
    const db = new PGlite({ extensions: PGLITE_EXTENSIONS });
    try {
      const adapterFactory = new SafePrismaPGlite(db);
      const applied = await deployMigrations({ adapterFactory, migrationsDir: MIGRATIONS });
      expect(applied.length).toBeGreaterThan(0);
      expect(await deployMigrations({ adapterFactory, migrationsDir: MIGRATIONS })).toEqual([]);
      const tables = (await db.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows.map(
        (r) => r.tablename,
      );
      expect(tables).toEqual(expect.arrayContaining(expectedTables));

      // pglite-prisma-adapter 0.7.2 did not await exec(): the broken migration was recorded as applied
      const copy = await tempCopy();
      await addBrokenMigration(copy.migrations);
      await expect(deployMigrations({ adapterFactory, migrationsDir: copy.migrations })).rejects.toThrow(/syntax error/i);
      const rows = (
        await db.query<{ finished_at: Date | null }>(`SELECT finished_at FROM _prisma_migrations WHERE migration_name = '${BROKEN}'`)
      ).rows;
      expect(rows).toEqual([{ finished_at: null }]);
    } finally {
      await db.close();
    }
  }, 30_000);
});

describe("db:drift (prisma/engine-shim/drift-cli.ts)", () => {
  it("exits 0 when migrations match the schema, 2 with the missing SQL when schema.prisma gained a model", async () => {
    const [clean, edited] = await Promise.all([tempCopy(), tempCopy()]);
    await appendFile(edited.schema, "\nmodel DriftProbe {\n  id        Int    @id @default(autoincrement())\n  probeNote String\n}\n");

    const [ok, bad] = await Promise.all([drift(clean.schema, clean.migrations), drift(edited.schema, edited.migrations)]);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.stdout).toContain("OK");

    expect(bad.code, bad.out).toBe(2);
    expect(bad.stdout).toContain('CREATE TABLE "DriftProbe"');
    expect(bad.stdout).toContain('"probeNote" TEXT NOT NULL');
  }, 45_000);

  it("exits 1 with a one-line message on errors (missing migrations dir)", async () => {
    const copy = await tempCopy();
    const r = await drift(copy.schema, path.join(copy.dir, "nope"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^db:drift: error: migrations directory not found: .*nope$/m);
  }, 20_000);
});
