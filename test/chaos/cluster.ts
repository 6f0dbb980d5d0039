// Helpers for the chaos suite: server/worker child processes (`node --import tsx src/main.ts --role=…`),
// a TCP proxy in front of PostgreSQL that can be cut and restored, a private redis-server, and the console
// API calls the tests make. (A private PostgreSQL cluster to crash and restart: ./postgres.ts.)
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import type { Reply } from "../../src/reply/reply.ts";
import { expect } from "vitest";
import { plainText } from "../helpers/console.ts";
import type { FakeServer } from "../helpers/fakeHttp.ts";
import { slash } from "../helpers/slack.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

export interface Proc {
  role: "server" | "worker";
  url?: string;
  out: () => string;
  kill(sig?: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

/** Starts one process and resolves when it is serving (server) or its workers run (worker). */
export async function startProcess(role: "server" | "worker", env: Record<string, string>): Promise<Proc> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", `--role=${role}`], {
    cwd: ROOT,
    detached: true,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, LOG_LEVEL: "info", HOST: "127.0.0.1", PORT: "0", ...env },
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  const proc: Proc = {
    role,
    out: () => out,
    exited,
    kill: (sig = "SIGTERM") => {
      try {
        if (sig === "SIGKILL") process.kill(-child.pid!, sig);
        else child.kill(sig);
      } catch {
        /* gone */
      }
    },
  };
  const end = Date.now() + 60_000;
  const ready = role === "server" ? /"url":"(http:\/\/[^"]+)","msg":"http server listening"/ : /sla timers worker started/;
  for (;;) {
    const m = ready.exec(out);
    if (m) {
      if (role === "server") proc.url = m[1];
      return proc;
    }
    if (Date.now() > end || child.exitCode !== null) {
      proc.kill("SIGKILL");
      throw new Error(`${role} did not start: ${out.slice(-1500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopAll(procs: Proc[]) {
  for (const p of procs) p.kill("SIGTERM");
  await Promise.all(procs.map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 12_000))])));
  for (const p of procs) p.kill("SIGKILL");
}

/** A TCP proxy to target; cut() refuses new connections and drops open ones, restore() listens again. */
export interface Proxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}
export async function startProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<Proxy> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = () =>
    new Promise<void>((r, j) => {
      server.once("error", j);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", j);
        r();
      });
    });
  await listen();
  const cut = async () => {
    await new Promise<void>((r) => {
      server.close(() => r());
      for (const s of sockets) s.destroy();
    });
  };
  return {
    port,
    cut,
    restore: listen,
    close: async () => {
      if (server.listening) await cut();
      for (const s of sockets) s.destroy();
    },
  };
}

/** A throw-away redis-server (no persistence) on port; kill() and start again on the same port to restart it. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const p = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"],
    { stdio: "pipe" },
  );
  await new Promise<void>((resolve, reject) => {
    let out = "";
    p.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("Ready to accept connections")) resolve();
    });
    p.on("exit", (c) => reject(new Error(`redis-server exited ${c}: ${out}`)));
  });
  return p;
}
export const stopRedis = (p: ChildProcess) =>
  new Promise<void>((r) => {
    if (p.exitCode !== null) return r();
    p.once("exit", () => r());
    p.kill("SIGKILL");
  });

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Still running (not exited) right now. */
export const running = async (p: Proc) => (await Promise.race([p.exited.then(() => "exited"), Promise.resolve("running")])) === "running";

/** The command reply when the database is away (src/commands/engine.ts), not just any "try again". */
export const DB_TRY_AGAIN = /database is not answering right now; try again/i;

/** A console workspace with its admin (the console API is open when ADMIN_TOKEN is unset). */
export async function consoleWorkspace(url: string, name: string): Promise<{ wsId: string; adminId: string }> {
  const res = await fetch(`${url}/console/api/workspaces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, adminName: "Cy Admin" }),
  });
  if (res.status !== 200 && res.status !== 201) throw new Error(`create workspace → HTTP ${res.status}`);
  const ws = await res.json();
  return { wsId: ws.workspace.id as string, adminId: ws.admin.id as string };
}

/** One command through the console API: its reply (kind, summary, blocks) and all its text as plain. */
export async function consoleRun(url: string, workspaceId: string, memberId: string, text: string): Promise<Reply & { plain: string }> {
  const res = await fetch(`${url}/console/api/command`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ workspaceId, memberId, text }),
  });
  if (res.status !== 200) throw new Error(`console ${text} → HTTP ${res.status}`);
  const reply = (await res.json()).reply as Reply;
  return { ...reply, plain: plainText(reply) };
}

/** While the database is away, on every server: the console API and a Slack /crm answer "try again"
 *  inside 3 s (writing nothing), and /readyz names the database. */
export async function expectDatabaseAway(servers: Proc[], ws: { wsId: string; adminId: string }, fake: FakeServer, label: string) {
  for (const s of servers) {
    const t0 = Date.now();
    const reply = await consoleRun(s.url!, ws.wsId, ws.adminId, `contact add During ${label}`);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(reply.kind).toBe("error");
    expect(reply.summary).toMatch(DB_TRY_AGAIN);

    const t1 = Date.now();
    const res = await slash(s.url!, "contact add Slack During", fake);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(Date.now() - t1).toBeLessThan(3000);
    expect(text).toMatch(DB_TRY_AGAIN);

    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).down).toContain("database");
  }
}
