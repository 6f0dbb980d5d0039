// Types for wasm-engine.mjs (plain JS; kept as .mjs so it runs under plain Node, e.g. from the shim).
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";

export type { MigrationList, SchemaEngine };
/** [path, content] pairs, as the CLI passes `--datamodels`. */
export type Datamodels = Array<[path: string, content: string]>;

/** Last message reported by the wasm panic hook (globalThis.PRISMA_WASM_PANIC_REGISTRY). */
export declare let lastWasmPanic: string | null;

/** Instantiates the wasm module once per process; the class also carries the engine git hash. */
export declare function loadSchemaEngineClass(): Promise<typeof SchemaEngine & { gitHash: string }>;

export declare function createSchemaEngine(options: {
  datamodels?: Datamodels;
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** receives the engine's JSON log lines */
  log?: (line: string) => void;
}): Promise<SchemaEngine>;

/** Reads a migrations directory into the shape the engine expects (as the Prisma CLI does). */
export declare function readMigrationsList(dir: string, shadowDbInitScript?: string): Promise<MigrationList>;
