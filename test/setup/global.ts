// Once per `npm test`: a migrated template database that each test file clones (CREATE DATABASE … TEMPLATE),
// dropped again at the end so runs leave nothing behind.
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../../src/db/migrate.ts";

export const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

declare module "vitest" {
  export interface ProvidedContext {
    templateDb: string;
    pgAdminUrl: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const name = `crm_tpl_${randomBytes(4).toString("hex")}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await applyMigrations({ kind: "postgres", url: url.toString() });
  project.provide("templateDb", name);
  project.provide("pgAdminUrl", ADMIN_URL);
  project.provide("redisUrl", process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
  return async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.end();
  };
}
