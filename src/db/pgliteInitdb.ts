// A new embedded database is made (PostgreSQL's initdb) in a short-lived child process, not in the server.
// PGlite's initdb runs a second PostgreSQL in memory and copies its result into the data directory: the
// process that does it peaks at ~700 MB and keeps ~50–80 MB of that, freed but not given back by malloc,
// for as long as it runs — the first `npm start` of an install is the server people then keep running
// (bench/README.md, "bench/footprint.ts"). The child ends, and its memory with it; the server then opens
// the data directory as on any later start.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

// CommonJS, so it runs the same whether the caller is compiled (dist/) or TypeScript (tests)
const CHILD = `
const [entry, dir, params] = process.argv.slice(1);
const { PGlite } = require(entry);
PGlite.create(dir, { startParams: JSON.parse(params) })
  .then((db) => db.close())
  .catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
`;

/** Runs initdb into dir (a folder that exists) unless it already holds a database. */
export async function initPgliteDataDir(dir: string, startParams: string[]): Promise<void> {
  if (existsSync(path.join(dir, "PG_VERSION"))) return;
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const child = spawn(process.execPath, ["-e", CHILD, entry, dir, JSON.stringify(startParams)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const code = await new Promise<number | string>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (c, signal) => resolve(c ?? signal ?? "unknown"));
  });
  if (code !== 0) throw new Error(`creating the embedded database in ${dir} failed (${code}): ${stderr.trim()}`);
}
