// A private PostgreSQL cluster for the chaos suite, so a test can crash and restart PostgreSQL without
// touching the shared server on 5432: initdb into a temporary directory, pg_ctl start/stop on a free port
// (sockets in the same directory). PostgreSQL refuses to run as root, so when we are root the binaries run
// as the `postgres` user (runuser) and the directory is handed to that user. destroy() stops it and removes
// the directory; an exit hook does the same if the test process dies first.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./cluster.ts";

/** The directory holding initdb and pg_ctl: the PATH first, then Debian's /usr/lib/postgresql/<major>/bin. */
function pgBinDir(): string {
  const debian = existsSync("/usr/lib/postgresql")
    ? readdirSync("/usr/lib/postgresql")
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  const dir = [...(process.env.PATH ?? "").split(":"), ...debian].find(
    (d) => d && existsSync(path.join(d, "initdb")) && existsSync(path.join(d, "pg_ctl")),
  );
  if (!dir) throw new Error("initdb and pg_ctl not found (PATH, /usr/lib/postgresql/*/bin): install PostgreSQL");
  return dir;
}

export interface PgCluster {
  port: number;
  dir: string;
  /** a connection URL for database `name` (created by applyMigrations when missing) */
  url(name: string): string;
  /** pg_ctl start -w on the same port and data directory (after a stop: crash recovery) */
  start(): Promise<void>;
  /** pg_ctl stop: "immediate" is a crash (no checkpoint, every backend killed) */
  stop(mode?: "immediate" | "fast"): Promise<void>;
  destroy(): Promise<void>;
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = pgBinDir();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), "crm-chaos-pg-"));
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, "data");
  const port = await freePort();
  const command = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", path.join(bin, tool), ...args]] : [path.join(bin, tool), args];
  // async, so the fake HTTP servers in this process keep answering while PostgreSQL starts or stops
  const run = (tool: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const [cmd, argv] = command(tool, args);
      execFile(cmd, argv, { cwd: dir, timeout: 60_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${tool} ${args.join(" ")} failed: ${err.message} ${stdout}${stderr}`)) : resolve(),
      );
    });
  // fsync=off is safe here: we crash the server, not the machine, and what PostgreSQL wrote stays in the OS
  // cache (synchronous_commit stays on: off would lose the last commits on an immediate stop)
  const options = [`-p ${port}`, `-k ${dir}`, "-c listen_addresses=127.0.0.1", "-c fsync=off", "-c max_connections=100"].join(" ");
  let running = false;
  const stopNow = () => {
    if (!running) return;
    running = false;
    const [cmd, argv] = command("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    spawnSync(cmd, argv, { cwd: dir, timeout: 30_000, stdio: "ignore" });
  };
  const onExit = () => {
    stopNow();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);

  const cluster: PgCluster = {
    port,
    dir,
    url: (name) => `postgresql://postgres@127.0.0.1:${port}/${name}`,
    async start() {
      running = true; // from here on the exit hook stops it, even if start-up fails half way
      await run("pg_ctl", ["-D", data, "-l", path.join(dir, "server.log"), "-o", options, "-w", "-t", "60", "start"]);
    },
    async stop(mode = "immediate") {
      await run("pg_ctl", ["-D", data, "-m", mode, "-w", "stop"]);
      running = false;
    },
    async destroy() {
      process.off("exit", onExit);
      onExit();
    },
  };
  try {
    await run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]);
    await cluster.start();
  } catch (e) {
    await cluster.destroy();
    throw e;
  }
  return cluster;
}
