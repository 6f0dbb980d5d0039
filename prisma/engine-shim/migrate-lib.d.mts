// Types for migrate-lib.mjs.
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type { DiagnoseMigrationHistoryOutput } from "@prisma/schema-engine-wasm";

export interface MigrateOptions {
  /** e.g. `new SchemaEnginePg(url)` (pg-compat.mjs) or `new SafePrismaPGlite(db)` (pglite-compat.mjs) */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** default "prisma/migrations" (relative to process.cwd()) */
  migrationsDir?: string;
}

/** Equivalent of `prisma migrate deploy`: resolves to the names of newly applied migrations. */
export declare function deployMigrations(options: MigrateOptions & { schemaPath?: string }): Promise<string[]>;

/** Equivalent of `prisma migrate diff --from-migrations <dir> --to-schema <schema> --script --exit-code`.
 *  Uses the factory's shadow database. Resolves to "" when in sync, else the SQL that is missing. */
export declare function migrationsVsSchemaDiff(options: MigrateOptions & { schemaPath?: string }): Promise<string>;

/** `prisma migrate status` data. */
export declare function migrationStatus(options: MigrateOptions): Promise<DiagnoseMigrationHistoryOutput>;
