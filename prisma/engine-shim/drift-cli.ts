// `npm run db:drift`: do prisma/migrations and prisma/schema.prisma describe the same database?
//
//   exit 0  in sync
//   exit 2  drift: schema.prisma has changes without a migration (or the reverse); prints the SQL
//   exit 1  unexpected error (one line on stderr)
//
// Needs no DATABASE_URL: the migrations are replayed into an in-memory PGlite and diffed against
// the schema by the wasm schema engine (same as `prisma migrate diff --from-migrations ... --to-schema
// ... --script --exit-code`, which would need a shadow database on a real server).
//
// Flags (for tests / other checkouts): --schema <file>  --migrations <dir>
// (default: prisma/schema.prisma and the `migrations` directory next to the schema)
import { statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { migrationsVsSchemaDiff } from "./migrate-lib.mjs";
import { SafePrismaPGlite } from "./pglite-compat.mjs";
import { PGLITE_EXTENSIONS } from "./pglite-extensions.mjs";

const USAGE = "usage: db:drift [--schema <schema.prisma>] [--migrations <migrations dir>]";

/** Diffing migrations against the schema only touches the shadow database. Our main in-memory
 *  database is private to this process and empty, so it serves as the shadow too (a second
 *  PGlite would cost ~2 s more). */
class InMemoryShadowPGlite extends SafePrismaPGlite {
  override connectToShadowDb() {
    return this.connect();
  }
}

function fail(message: string): never {
  const line = message.split("\n").find((l) => l.trim()) ?? "unknown error";
  process.stderr.write(`db:drift: error: ${line.trim().replace(/^error:\s*/i, "")}\n`);
  process.exit(1);
}

function parseFlags() {
  try {
    const { values } = parseArgs({
      options: { schema: { type: "string" }, migrations: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch (e) {
    return fail(`${(e as Error).message} (${USAGE})`);
  }
}

function requireKind(p: string, kind: "file" | "directory", what: string) {
  let st;
  try {
    st = statSync(p);
  } catch {
    fail(`${what} not found: ${p}`);
  }
  if (kind === "file" ? !st.isFile() : !st.isDirectory()) fail(`${what} is not a ${kind}: ${p}`);
}

async function main(): Promise<number> {
  const flags = parseFlags();
  if (flags.help) {
    process.stdout.write(`${USAGE}\nexit 0: in sync, 2: drift (prints the missing SQL), 1: error\n`);
    return 0;
  }
  const projectRoot = path.resolve(import.meta.dirname, "../..");
  const schemaPath = path.resolve(flags.schema ?? path.join(projectRoot, "prisma/schema.prisma"));
  const migrationsDir = path.resolve(flags.migrations ?? path.join(path.dirname(schemaPath), "migrations"));
  requireKind(schemaPath, "file", "schema");
  requireKind(migrationsDir, "directory", "migrations directory");
  const show = (p: string) => {
    const rel = path.relative(process.cwd(), p);
    return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : p;
  };

  const db = new PGlite({ extensions: PGLITE_EXTENSIONS }); // in-memory
  let sql: string;
  try {
    sql = await migrationsVsSchemaDiff({ adapterFactory: new InMemoryShadowPGlite(db), migrationsDir, schemaPath });
  } finally {
    await db.close().catch(() => {});
  }

  if (!sql.trim()) {
    process.stdout.write(`db:drift: OK, ${show(migrationsDir)} matches ${show(schemaPath)}\n`);
    return 0;
  }
  process.stdout.write(
    `db:drift: DRIFT, ${show(schemaPath)} does not match ${show(migrationsDir)}.\n` +
      `SQL needed to bring the migrations in line with the schema:\n\n${sql.trim()}\n\n` +
      `Fix: npm run db:migrate:create -- --name <change> (needs DATABASE_URL), or revert the schema edit.\n`,
  );
  return 2;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => fail(e instanceof Error ? e.message : String(e)),
);
