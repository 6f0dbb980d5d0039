import path from "node:path";
import { defineConfig } from "prisma/config";

// Offline: Prisma's CLI would download a native schema-engine from binaries.prisma.sh.
// Point it at our wasm-backed shim instead (an explicit env var still wins).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve(import.meta.dirname, "../prisma/engine-shim/schema-engine-shim.mjs");

export default defineConfig({
  schema: path.resolve(import.meta.dirname, "../prisma/schema.prisma"),
  migrations: { path: path.resolve(import.meta.dirname, "../prisma/migrations") },
  datasource: {
    // env("DATABASE_URL") would throw when unset, which breaks `prisma generate` in CI
    url: process.env.DATABASE_URL ?? "",
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
