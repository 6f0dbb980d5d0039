import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

function startRedis(port: number): Promise<ChildProcess> {
  const p = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "pipe" });
  return new Promise((resolve, reject) => {
    p.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("Ready to accept")) resolve(p);
    });
    p.once("error", reject);
  });
}

async function waitForStatus(url: string, status: number, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  let last: Response | undefined;
  while (Date.now() < deadline) {
    last = await fetch(url);
    if (last.status === status) return last.json();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${status}, last was ${last?.status}`);
}

describe("health endpoints", () => {
  let t: TestApp;
  let redis: ChildProcess;
  let redisPort: number;
  beforeAll(async () => {
    // a private Redis this test may stop without disturbing other test files
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    t = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${redisPort}` });
  });
  afterAll(async () => {
    await t.stop();
    redis.kill("SIGKILL");
  });

  it("/healthz and /readyz answer 200 when database and Redis are up", async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ok", down: [] });
  });

  it("/metrics serves Prometheus text", async () => {
    const res = await fetch(`${t.url}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("http_request_duration_seconds");
  });

  it("stopping Redis turns /readyz 503 naming redis, and back to 200 when it returns, without a restart", async () => {
    redis.kill("SIGKILL");
    const down = await waitForStatus(`${t.url}/readyz`, 503);
    expect(down).toMatchObject({ status: "unavailable", down: ["redis"] });
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    redis = await startRedis(redisPort);
    await waitForStatus(`${t.url}/readyz`, 200, 10_000);
  });

  it("unknown routes are a JSON 404, not a crash", async () => {
    const res = await fetch(`${t.url}/nope`);
    expect(res.status).toBe(404);
  });
});
