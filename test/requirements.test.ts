// test/setup/requirements.sh, the pretest check: silent and quick when the machine has what the suites need,
// and one line naming what is missing otherwise. Every run here forbids installing and starting (--no-install /
// TEST_NO_INSTALL=1); missing pieces are simulated: a CHROMIUM_PATH that names nothing, a PATH without redis-*,
// URLs pointing at closed ports or at a role that does not exist.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const SCRIPT = path.resolve(import.meta.dirname, "setup", "requirements.sh");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      "bash",
      [SCRIPT, ...args],
      { env: { ...process.env, TEST_NO_INSTALL: "1", ...env }, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

/** what the one line names, without the install hint: "npm test needs: a, b; install with: …" → "a, b" */
function needs(r: Run, label = "npm test"): string {
  const lines = r.stderr.split("\n").filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0].startsWith(`${label} needs: `)).toBe(true);
  return lines[0].slice(`${label} needs: `.length).replace(/(; install with: .*| \(Debian package names\))$/, "");
}

/** a port of 127.0.0.1 that nothing listens on */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    sock.once("connect", () => (sock.destroy(), resolve(true)));
    sock.once("error", () => resolve(false));
  });
}

// a PATH of symlinks to every command of this one, except redis-server, redis-cli and the other redis-* tools
let noRedisPath = "";
beforeAll(() => {
  noRedisPath = mkdtempSync(path.join(os.tmpdir(), "crm-req-"));
  const bin = path.join(noRedisPath, "bin");
  mkdirSync(bin);
  const seen = new Set<string>(["node"]);
  symlinkSync(process.execPath, path.join(bin, "node"));
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir || !existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (name.startsWith("redis-") || seen.has(name)) continue;
      seen.add(name);
      symlinkSync(path.join(dir, name), path.join(bin, name));
    }
  }
  noRedisPath = bin;
});
afterAll(() => {
  if (noRedisPath) rmSync(path.dirname(noRedisPath), { recursive: true, force: true });
});

describe("npm test's pretest check (test/setup/requirements.sh)", () => {
  it("exits 0 in silence, in well under 2 s, on this machine where the suite runs", async () => {
    const r = await run([]);
    expect(r).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(r.ms).toBeLessThan(2000);
  });

  it("passes for the chaos suite too (--chaos: initdb and pg_ctl are found)", async () => {
    expect(await run(["--chaos"])).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });

  it("names the Chromium of CHROMIUM_PATH when that path holds none, in one line, exit 1", async () => {
    const r = await run(["--no-install"], { CHROMIUM_PATH: "/nonexistent/chromium" });
    expect(r.code).toBe(1);
    expect(needs(r)).toBe("chromium at /nonexistent/chromium (CHROMIUM_PATH names no executable)");
  });

  it("names redis-server when the PATH has none, for npm test and for the chaos suite", async () => {
    const plain = await run([], { PATH: noRedisPath });
    expect(plain.code).toBe(1);
    expect(needs(plain)).toBe("redis-server");
    const chaos = await run(["--chaos"], { PATH: noRedisPath });
    expect(chaos.code).toBe(1);
    expect(needs(chaos, "npm run test:chaos")).toBe("redis-server");
  });

  it("lists every missing piece in the one line and, told not to install, starts no server on the closed ports", async () => {
    const [pgPort, redisPort] = [await closedPort(), await closedPort()];
    const r = await run([], {
      PATH: noRedisPath,
      CHROMIUM_PATH: "/nonexistent/chromium",
      TEST_PG_ADMIN_URL: `postgresql://postgres@127.0.0.1:${pgPort}/postgres`,
      TEST_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    });
    expect(r.code).toBe(1);
    const items = needs(r);
    // "PostgreSQL running on …" where it is installed, "postgresql (running on …" where it is not
    expect(items).toMatch(new RegExp(`^(PostgreSQL running on|postgresql \\(running on) 127\\.0\\.0\\.1:${pgPort}\\b`));
    expect(items).toContain(", redis-server, chromium at /nonexistent/chromium (CHROMIUM_PATH names no executable)");
    expect(await answers(pgPort)).toBe(false);
    expect(await answers(redisPort)).toBe(false);
  });

  it("names a Redis that is installed but not answering at TEST_REDIS_URL, and leaves its port closed", async () => {
    const port = await closedPort();
    const r = await run([], { TEST_REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(needs(r)).toBe(
      `Redis running on 127.0.0.1:${port} (redis-server is installed but not answering: start it, or set TEST_REDIS_URL)`,
    );
    expect(await answers(port)).toBe(false);
  });

  it("says why PostgreSQL refuses the tests' login (a role that does not exist)", async () => {
    const url = new URL(inject("pgAdminUrl"));
    url.username = "crm_no_such_role";
    const r = await run([], { TEST_PG_ADMIN_URL: url.toString() });
    expect(r.code).toBe(1);
    expect(needs(r)).toMatch(/^PostgreSQL at .+ to let the tests log in \(role "crm_no_such_role" does not exist: /);
  });

  it("rejects an unknown argument with exit 2", async () => {
    const r = await run(["--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("requirements.sh: unknown argument --bogus (use --chaos, --no-install)\n");
  });
});
