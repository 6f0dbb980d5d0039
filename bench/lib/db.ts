// A throwaway database per bench run: crm_bench_<random> on the local server, migrated by the app's own
// openDatabase, dropped WITH (FORCE) at the end, on failure, and on Ctrl-C.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type OpenedDb } from "../../src/db/client.ts";

export const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export interface BenchDb {
  name: string;
  url: string;
  db: OpenedDb;
  drop(): Promise<void>;
}

export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  url = ADMIN_URL,
): Promise<pg.QueryResult<T>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query<T>(sql);
  } finally {
    await c.end();
  }
}

export async function createBenchDb(): Promise<BenchDb> {
  const name = `crm_bench_${randomBytes(5).toString("hex")}`;
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  let dropped = false;
  let db: OpenedDb | undefined;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await db?.close().catch(() => {});
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  };
  const onSignal = (sig: NodeJS.Signals) => {
    drop().finally(() => process.exit(sig === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    // creates the database, applies migrations; the pool as the app would size it (bench/commands.ts prints it)
    db = await openDatabase({ databaseUrl: url, dataDir: "unused", migrate: true, poolSize: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
  } catch (e) {
    await drop().catch(() => {});
    throw e;
  }
  return { name, url, db, drop };
}
