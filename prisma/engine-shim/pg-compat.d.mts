// Types for pg-compat.mjs.
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter } from "@prisma/driver-adapter-utils";

/** pg.Client that reports catalog types adapter-pg cannot decode ("char", regclass, ...) as text. */
export declare class CatalogSafeClient extends pg.Client {}

/** Replaces adapter.executeScript with a single simple-protocol query (atomic, $$-safe). */
export declare function wholeScriptExecute<A extends SqlDriverAdapter>(adapter: A): A;

/** PrismaPg for schema-engine use: catalog-safe client, whole-script execution, a real shadow DB
 *  (temporary `prisma_migrate_shadow_db_<uuid>`, dropped on dispose, or `shadowDatabaseUrl`). */
export declare class SchemaEnginePg extends PrismaPg {
  constructor(connectionString: string, options?: { shadowDatabaseUrl?: string });
  readonly mainUrl: string;
  readonly shadowDatabaseUrl: string | undefined;
}
