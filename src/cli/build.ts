// `npm run build` (and npm install's postinstall): compiles the app to dist/ with the TypeScript compiler, so
// `npm start` runs plain JavaScript (no compiler in the server's memory), and copies the engine shim's
// plain-JS files beside the compiled code that imports them. `--if-stale` (npm start's prestart) builds only
// when a source file is newer than the last build, so an edited checkout never starts yesterday's code.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DIST = path.join(ROOT, "dist");
const STAMP = path.join(DIST, ".built");
const SOURCES = ["src", "adapters", "jobs", "prisma/engine-shim", "prisma/schema.prisma", "tsconfig.json", "package.json"];

function newestSource(p: string): number {
  const full = path.join(ROOT, p);
  if (!existsSync(full)) return 0;
  const st = statSync(full);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(full, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && /\.(ts|mts|mjs|json|prisma)$/.test(e.name))
      newest = Math.max(newest, statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

export function isStale(): boolean {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.some((p) => newestSource(p) > built);
}

export function build(): void {
  // the package's bin (its exports map lists no bin path): <package>/bin/tsc
  const pkg = createRequire(import.meta.url).resolve("@typescript/native/package.json");
  const tsc = path.join(path.dirname(pkg), "bin", "tsc");
  // --noCheck: `npm run typecheck` is the type check; the build only emits (seconds, not minutes, at install)
  const r = spawnSync(process.execPath, [tsc, "-p", ROOT, "--noEmit", "false", "--outDir", DIST, "--rootDir", ROOT, "--noCheck"], {
    stdio: "inherit",
  });
  if (r.status !== 0) throw new Error(`tsc exited with ${r.status ?? r.signal}`);
  const shim = path.join(ROOT, "prisma/engine-shim");
  for (const f of readdirSync(shim)) if (f.endsWith(".mjs")) cpSync(path.join(shim, f), path.join(DIST, "prisma/engine-shim", f));
  writeFileSync(STAMP, new Date().toISOString() + "\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--if-stale") && !isStale()) process.exit(0);
  try {
    build();
  } catch (e) {
    console.error(`build failed: ${(e as Error).message}`);
    process.exit(1);
  }
}
