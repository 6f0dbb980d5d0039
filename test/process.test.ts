// The real entry point as a child process: bad config, start-up, readiness, clean shutdown, PGlite.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { deleteKeys, testPrefix } from "./helpers/redis.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

interface Run {
  code: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill(sig: NodeJS.Signals): void;
  /** VmHWM (peak resident memory) of the process, in MB */
  peakMb(): number;
}
// every child this file starts; any still running when a test fails is killed before its keys are deleted
const children = new Set<ChildProcess>();
afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.clear();
});

function run(env: Record<string, string>, args: string[] = []): Run {
  // node --import tsx (the sources as they are; `npm start` runs the same entry compiled, dist/src/main.js): one process, so signals reach our handlers directly
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env },
  });
  let out = "",
    err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  children.add(child);
  return {
    code: new Promise((r) => child.on("exit", (c) => r(c))),
    stdout: () => out,
    stderr: () => err,
    kill: (s) => child.kill(s),
    peakMb: () => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]) / 1024,
  };
}

/** Readiness is polled, as a load balancer would: right after start-up a probe may still be connecting. */
async function waitReady(url: string, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await fetch(`${url}/readyz`)).status;
    if (status === 200) return status;
    await new Promise((r) => setTimeout(r, 200));
  }
  return status;
}

async function waitForUrl(r: Run, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /"url":"(http:\/\/[^"]+)"/.exec(r.stdout());
    if (m) return m[1];
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`server did not start: ${r.stdout()} ${r.stderr()}`);
}

describe("the start command", () => {
  it("PORT=abc exits 1 with one clear line and no stack trace", async () => {
    const r = run({ PORT: "abc" });
    expect(await r.code).toBe(1);
    expect(r.stderr().trim()).toBe('Invalid PORT: expected a port number 1-65535 (got "abc")');
  });

  it("a malformed DATABASE_URL exits 1 naming the variable", async () => {
    const r = run({ DATABASE_URL: "postgres//nope" });
    expect(await r.code).toBe(1);
    expect(r.stderr().trim().split("\n")).toHaveLength(1);
    expect(r.stderr()).toMatch(/^Invalid DATABASE_URL/);
  });

  it("an unknown --role exits 1", async () => {
    const r = run({}, ["--role=boss"]);
    expect(await r.code).toBe(1);
    expect(r.stderr()).toMatch(/^Invalid --role/);
  });

  describe("on PostgreSQL", () => {
    let t: TestDb;
    const prefix = testPrefix();
    beforeAll(async () => {
      t = await createTestDb();
    });
    afterAll(async () => {
      await t.drop();
      await deleteKeys(prefix);
    });

    it("serves /readyz and shuts down cleanly on SIGTERM within 10 s", async () => {
      const r = run({
        PORT: "0",
        DATABASE_URL: t.url,
        QUEUE_PREFIX: prefix,
        SLACK_BOT_TOKEN: "xoxb-secret-value-123",
        SLACK_SIGNING_SECRET: "signing-secret-value",
      });
      const url = await waitForUrl(r);
      expect(await waitReady(url)).toBe(200);
      const started = Date.now();
      r.kill("SIGTERM");
      expect(await r.code).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      // secrets never reach logs
      expect(r.stdout() + r.stderr()).not.toContain("secret-value");
    });
  });

  describe("embedded PGlite (no DATABASE_URL)", () => {
    let dir: string;
    const prefix = testPrefix();
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "crm-pglite-"));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
      await deleteKeys(prefix);
    });

    it("migrates under DATA_DIR, serves, and a second start applies nothing", { timeout: 90_000 }, async () => {
      const first = run({ PORT: "0", DATA_DIR: dir, QUEUE_PREFIX: prefix });
      const url = await waitForUrl(first, 60_000);
      expect(first.stdout()).toContain('"applied":["');
      expect(await waitReady(url)).toBe(200);
      // the new database is made (initdb) in a child process that has ended: done in the server itself it
      // peaked at ~940 MB under tsx, ~450 MB now (bench/README.md, "bench/footprint.ts")
      expect(first.peakMb()).toBeLessThan(650);
      first.kill("SIGINT");
      expect(await first.code).toBe(0);
      const second = run({ PORT: "0", DATA_DIR: dir, QUEUE_PREFIX: prefix });
      await waitForUrl(second, 60_000);
      expect(second.stdout()).toContain('"applied":[]');
      second.kill("SIGTERM");
      expect(await second.code).toBe(0);
    });

    it("a commit survives the process being killed (SIGKILL): the next start sees it", { timeout: 90_000 }, async () => {
      const post = async (url: string, p: string, body: unknown) => {
        const res = await fetch(url + p, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        expect(res.ok).toBe(true);
        return (await res.json()) as { workspace: { id: string }; admin: { id: string }; reply: unknown };
      };
      const first = run({ PORT: "0", DATA_DIR: dir, QUEUE_PREFIX: prefix });
      const url = await waitForUrl(first, 60_000);
      const ws = await post(url, "/console/api/workspaces", { name: "Crash Co", adminName: "Ada Admin" });
      const who = { workspaceId: ws.workspace.id, memberId: ws.admin.id };
      const added = await post(url, "/console/api/command", { ...who, text: 'contact add "Kept After Kill" email:kept@example.com' });
      expect(JSON.stringify(added.reply)).toContain("Kept After Kill");
      first.kill("SIGKILL"); // no shutdown, no checkpoint: what was committed must be in the data directory already
      await first.code;
      const second = run({ PORT: "0", DATA_DIR: dir, QUEUE_PREFIX: prefix });
      const url2 = await waitForUrl(second, 60_000);
      const found = await post(url2, "/console/api/command", { ...who, text: "contact find Kept" });
      expect(JSON.stringify(found.reply)).toContain("kept@example.com");
      second.kill("SIGTERM");
      expect(await second.code).toBe(0);
    });
  });
});
