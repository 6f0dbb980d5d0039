// The app as `npm start` runs it, for benches that measure the process itself: package.json's start script
// without npm and sh around it (so the child's pid is the server's), on a free port, its own Redis key prefix
// (deleted on stop), timed to its first 200 on /readyz. Plus the console API the benches drive it through.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { Redis } from "ioredis";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** package.json's start script as argv: what `npm start` runs, without npm and sh around it. */
export function startCommand(): string[] {
  const script = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  return script
    .replace(/^exec\s+/, "")
    .split(/\s+/)
    .filter(Boolean);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** Resident memory now and at its peak (VmRSS, VmHWM), in bytes, from /proc (Linux). */
export function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitReady(url: string, child: ChildProcess, deadlineMs: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < deadlineMs) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before /readyz answered`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return performance.now() - t0;
    } catch {
      /* not listening yet */
    }
    await sleep(20);
  }
  throw new Error(`no 200 from ${url} in ${deadlineMs} ms`);
}

export interface BenchServer {
  child: ChildProcess;
  url: string;
  /** ms from spawn to the first 200 on /readyz */
  startMs: number;
  stop(): Promise<void>;
}

/** Starts the server (role, database by URL or an embedded one in dataDir); stop() ends it and deletes its Redis keys. */
export async function startServer(opts: {
  role: "all" | "server" | "worker";
  databaseUrl?: string;
  dataDir?: string;
}): Promise<BenchServer> {
  const port = await freePort();
  const prefix = `crm_benchsrv_${port}_${Date.now()}`;
  const [cmd, ...args] = startCommand();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    QUEUE_PREFIX: prefix,
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : { DATA_DIR: opts.dataDir }),
  };
  const child = spawn(cmd, [...args, `--role=${opts.role}`], { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r)));
    }
    const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    try {
      for (;;) {
        const keys = await redis.keys(`${prefix}*`);
        if (!keys.length) break;
        for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      }
    } finally {
      redis.disconnect();
    }
  };
  try {
    const startMs = await waitReady(`http://127.0.0.1:${port}/readyz`, child, 60_000);
    return { child, url: `http://127.0.0.1:${port}`, startMs, stop };
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${stderr}`);
  }
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(json).slice(0, 200)}`);
  return json;
}

export interface ConsoleReply {
  kind?: string;
  blocks?: unknown[];
}

/** A new workspace through the console API, and a function that runs a command as its admin. */
export async function consoleWorkspace(base: string, name: string) {
  const ws = await post(`${base}/console/api/workspaces`, { name, adminName: "Ada Admin" });
  const workspaceId = (ws.workspace as { id: string }).id;
  const memberId = (ws.admin as { id: string }).id;
  return {
    workspaceId,
    run: async (text: string): Promise<ConsoleReply> =>
      (await post(`${base}/console/api/command`, { workspaceId, memberId, text })).reply as ConsoleReply,
  };
}
