// How big and how quick to start the server is: each configuration is started the way `npm start` starts it
// (package.json's start script, run without npm so the measured process is the server itself), timed to its
// first 200 on /readyz, then its resident memory is read from /proc after a quiet moment (idle) and again
// after 1,000 console commands. Beside it, in the same run, a bare Node process with the same libraries a
// server cannot do without (express listening, a pg pool and ioredis connected): the floor. PGlite is started
// twice on one data directory: a first start (initdb, every migration; idle and peak only), then the start
// measured like PostgreSQL's, whose database is migrated before it starts.
//
//   npx tsx bench/footprint.ts [--commands 1000] [--idle-ms 5000] [--only all-pg,server-pg,all-pglite]
//
// Targets (issue #15): start ≤ 2 s (migrated database), idle RSS ≤ 200 MB for one process with PostgreSQL,
// ≤ 120 MB for --role=server, ≤ 350 MB with the embedded PGlite.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createBenchDb, type BenchDb } from "./lib/db.ts";
import { table } from "./lib/table.ts";
import { consoleWorkspace, freePort, rssOf, sleep, startCommand, startServer, waitReady } from "./lib/server.ts";

const { values: opt } = parseArgs({
  options: {
    commands: { type: "string", default: "1000" },
    "idle-ms": { type: "string", default: "5000" },
    only: { type: "string", default: "all-pg,server-pg,all-pglite" },
  },
});
const COMMANDS = Number(opt.commands);
const IDLE_MS = Number(opt["idle-ms"]);
const ROOT = path.resolve(import.meta.dirname, "..");
const MB = 1024 * 1024;

interface Config {
  name: string;
  label: string;
  role: "all" | "server";
  pglite: boolean;
  targetMb: number;
}
const CONFIGS: Config[] = [
  { name: "all-pg", label: "npm start (server + workers), PostgreSQL", role: "all", pglite: false, targetMb: 200 },
  { name: "server-pg", label: "npm start -- --role=server, PostgreSQL", role: "server", pglite: false, targetMb: 120 },
  { name: "all-pglite", label: "npm start, embedded PGlite", role: "all", pglite: true, targetMb: 350 },
];

/** A team's everyday mix through the console API; returns the number of error replies. */
async function runCommands(base: string, n: number): Promise<number> {
  const { run } = await consoleWorkspace(base, "Footprint Co");
  const verbs = (i: number) =>
    [
      `contact add "Person ${i}" email:p${i}@example.com`,
      `log note C-${1 + (i % 50)} called about the renewal ${i}`,
      `contact find Person ${i % 97}`,
      `deal new "Deal ${i}" 1200 contact:C-${1 + (i % 50)}`,
      `ticket new "Printer ${i} is on fire" contact:C-${1 + (i % 50)}`,
      `contact show C-${1 + (i % 50)}`,
      `deal list`,
      `ticket list`,
      `pipeline`,
      `help`,
    ][i % 10];
  // 50 contacts first, so every reference below resolves
  for (let i = 0; i < 50; i++) await run(verbs(i * 10));
  let errors = 0;
  for (let i = 0; i < n; i++) {
    // numbers past the 50 made above: every contact add is a new person
    const reply = await run(verbs(i + 10_000));
    if (reply.kind === "error") {
      if (!errors) console.log(`first error reply, to "${verbs(i + 10_000)}": ${JSON.stringify(reply).slice(0, 300)}`);
      errors++;
    }
  }
  return errors;
}

interface Row {
  label: string;
  startMs: number;
  idleMb: number;
  afterMb?: number;
  peakMb: number;
  commandsMs?: number;
  errors: number | string;
  targetMb: number;
  /** the ready ≤ 2 s target is for a migrated database; a first start on a new one is shown, not judged */
  judgeReady: boolean;
}

/** A first start on a new PGlite data directory (initdb and every migration), idle, stopped: no commands. */
async function measureFirstStart(cfg: Config, dataDir: string): Promise<Row> {
  const server = await startServer({ role: cfg.role, dataDir });
  try {
    await sleep(IDLE_MS);
    const idle = rssOf(server.child.pid!);
    const label = `${cfg.label}, first start (new data dir)`;
    return {
      label,
      startMs: server.startMs,
      idleMb: idle.rss / MB,
      peakMb: idle.hwm / MB,
      errors: "",
      targetMb: cfg.targetMb,
      judgeReady: false,
    };
  } finally {
    await server.stop();
  }
}

async function measure(cfg: Config, db: BenchDb | null): Promise<Row[]> {
  const dataDir = cfg.pglite ? mkdtempSync(path.join(os.tmpdir(), "crm-footprint-")) : undefined;
  try {
    // PGlite: made and migrated by a first start, so the measured one finds it migrated as PostgreSQL's rows do
    const first = dataDir ? [await measureFirstStart(cfg, dataDir)] : [];
    const server = await startServer({ role: cfg.role, databaseUrl: db?.url, dataDir });
    try {
      await sleep(IDLE_MS);
      const idle = rssOf(server.child.pid!);
      const t0 = performance.now();
      const errors = await runCommands(server.url, COMMANDS);
      const commandsMs = performance.now() - t0;
      await sleep(1000);
      const after = rssOf(server.child.pid!);
      const label = dataDir ? `${cfg.label} (migrated data dir)` : cfg.label;
      return [
        ...first,
        {
          label,
          startMs: server.startMs,
          idleMb: idle.rss / MB,
          afterMb: after.rss / MB,
          peakMb: after.hwm / MB,
          commandsMs,
          errors,
          targetMb: cfg.targetMb,
          judgeReady: true,
        },
      ];
    } finally {
      await server.stop();
    }
  } finally {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The floor: express listening, a pg pool and ioredis connected, nothing else loaded. */
async function measureFloor(db: BenchDb): Promise<{ startMs: number; idleMb: number }> {
  const port = await freePort();
  const code = `
    import express from "express"; import pg from "pg"; import { Redis } from "ioredis";
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL }); await pool.query("select 1");
    const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379"); await redis.ping();
    const app = express(); app.get("/readyz", (_q, r) => r.send("ok")); app.listen(Number(process.env.PORT), "127.0.0.1");
    process.on("SIGTERM", () => process.exit(0));`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: String(port), DATABASE_URL: db.url },
    stdio: "ignore",
  });
  try {
    const startMs = await waitReady(`http://127.0.0.1:${port}/readyz`, child, 30_000);
    await sleep(IDLE_MS);
    return { startMs, idleMb: rssOf(child.pid!).rss / MB };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r)));
  }
}

async function main() {
  const only = new Set(opt.only.split(","));
  const db = await createBenchDb(); // migrated here, so every start below finds its schema up to date
  const stop = () => void db.drop().finally(() => process.exit(130));
  process.once("SIGINT", stop);
  try {
    console.log(`bench/footprint.ts — ${new Date().toISOString()} — start: ${startCommand().join(" ")}`);
    console.log(`machine: ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB; node ${process.version}`);
    console.log(
      `load average: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}; ${COMMANDS} console commands after ${IDLE_MS} ms idle\n`,
    );
    const floor = await measureFloor(db);
    const rows: Row[] = [];
    for (const cfg of CONFIGS.filter((c) => only.has(c.name))) rows.push(...(await measure(cfg, cfg.pglite ? null : db)));
    const mb = (x: number) => `${x.toFixed(0)} MB`;
    console.log(
      table(
        [
          "process",
          "ready in",
          "idle RSS",
          `RSS after ${COMMANDS} commands`,
          "peak RSS",
          "commands took",
          "errors",
          "idle ÷ floor",
          "target idle",
        ],
        [
          ["floor: express + pg + ioredis", `${floor.startMs.toFixed(0)} ms`, mb(floor.idleMb), "", "", "", "", "1.00", ""],
          ...rows.map((r) => [
            r.label,
            `${r.startMs.toFixed(0)} ms`,
            mb(r.idleMb),
            r.afterMb === undefined ? "" : mb(r.afterMb),
            mb(r.peakMb),
            r.commandsMs === undefined ? "" : `${(r.commandsMs / 1000).toFixed(1)} s`,
            String(r.errors),
            (r.idleMb / floor.idleMb).toFixed(2),
            `≤ ${r.targetMb} MB`,
          ]),
        ],
      ),
    );
    for (const r of rows) {
      const ok = r.idleMb <= r.targetMb;
      console.log(`${ok ? "met" : "NOT met"}: ${r.label} idle ${mb(r.idleMb)} (target ≤ ${r.targetMb} MB)`);
      if (r.judgeReady)
        console.log(`${r.startMs <= 2000 ? "met" : "NOT met"}: ${r.label} ready in ${r.startMs.toFixed(0)} ms (target ≤ 2000 ms)`);
      else console.log(`(not judged): ${r.label} ready in ${r.startMs.toFixed(0)} ms`);
    }
  } finally {
    await db.drop();
  }
}

await main();
