// `npm start` as a process manager or a container runtime runs it: the signal goes to the npm process only
// (npm 11 runs the script through `sh -c` and forwards SIGTERM/SIGINT to its child). The server must still
// log "shutting down", release its port, and leave no process behind, npm included, within 10 s.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { deleteKeys, testPrefix } from "./helpers/redis.ts";
import { until } from "./helpers/until.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const HOST = "127.0.0.1";

/** A port nothing listens on now (the kernel picks it; we close it at once). */
async function unusedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, HOST, r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** True when this process can listen on the port: nobody holds it. */
async function portIsFree(port: number): Promise<boolean> {
  const s = net.createServer();
  const ok = await new Promise<boolean>((r) => {
    s.once("error", () => r(false));
    s.listen(port, HOST, () => r(true));
  });
  if (ok) await new Promise((r) => s.close(r));
  return ok;
}

/** True while any process of the group is alive (npm leads it; sh and node join it). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

// npm leads its own process group, so a test that fails can still kill whatever npm left running
const groups = new Set<number>();
afterEach(() => {
  for (const g of groups) if (groupAlive(g)) process.kill(-g, "SIGKILL");
  groups.clear();
});

function npmStart(env: Record<string, string>): { npm: ChildProcess; out: () => string } {
  const npm = spawn("npm", ["start"], {
    cwd: ROOT,
    detached: true,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, npm_config_update_notifier: "false", ...env },
  });
  groups.add(npm.pid!);
  let out = "";
  npm.stdout!.on("data", (d) => (out += d));
  npm.stderr!.on("data", (d) => (out += d));
  return { npm, out: () => out };
}

describe("npm start under a process manager", () => {
  let t: TestDb;
  const prefix = testPrefix();
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t.drop();
    await deleteKeys(prefix);
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(
      `${signal} sent to the npm process shuts the server down cleanly: logged, port released, every process gone within 10 s`,
      {
        timeout: 90_000,
      },
      async () => {
        const port = await unusedPort();
        const { npm, out } = npmStart({ PORT: String(port), HOST, DATABASE_URL: t.url, QUEUE_PREFIX: prefix, LOG_LEVEL: "info" });
        await until(
          "the server started by npm start to be ready",
          async () => npm.exitCode === null && (await fetch(`http://${HOST}:${port}/readyz`).catch(() => undefined))?.status === 200,
          { ms: 60_000, stepMs: 200, seen: () => out().slice(-3000) },
        );
        expect(await portIsFree(port)).toBe(false);

        const signalled = Date.now();
        process.kill(npm.pid!, signal);
        await until("npm to exit", () => npm.exitCode !== null || npm.signalCode !== null, {
          ms: 10_000,
          stepMs: 50,
          seen: () => out().slice(-3000),
        });
        await until("every process npm started to exit", () => !groupAlive(npm.pid!), {
          ms: 10_000,
          stepMs: 50,
          seen: () => out().slice(-3000),
        });
        const took = Date.now() - signalled;

        expect(out()).toMatch(new RegExp(`"signal":"${signal}".*"msg":"shutting down"`));
        expect(out()).not.toContain("shutdown took over 10 s");
        expect(npm.exitCode).toBe(0);
        expect(took).toBeLessThan(10_000);
        expect(await portIsFree(port)).toBe(true);
      },
    );
  }
});
