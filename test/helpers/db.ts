// Each test file gets its own database, cloned from the migrated template, and drops it afterwards.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { openDatabase, type OpenedDb } from "../../src/db/client.ts";

export interface TestDb {
  name: string;
  url: string;
  db: OpenedDb;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: inject("pgAdminUrl") });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh, migrated database (empty of rows) with an open Prisma client. */
export async function createTestDb(): Promise<TestDb> {
  const name = `crm_test_${randomBytes(5).toString("hex")}`;
  const template = inject("templateDb");
  // CREATE DATABASE … TEMPLATE fails while another clone is being made from it: retry briefly
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== "55006" || attempt > 50) throw e;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  const url = new URL(inject("pgAdminUrl"));
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: "unused", migrate: false });
  return {
    name,
    url: url.toString(),
    db,
    async drop() {
      await db.close();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
