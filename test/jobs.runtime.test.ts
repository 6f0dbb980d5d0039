// The jobs runtime on real Redis: graceful close finishes the active job before it returns, a permanent
// delivery failure is not retried, a platform rate limit pauses the queue without costing an attempt.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { Job } from "bullmq";
import { JobRuntime } from "../jobs/runtime.ts";
import { PermanentDeliveryError, RateLimitedError } from "../src/delivery/port.ts";
import { createLogger } from "../src/log.ts";
import { loadConfig } from "../src/config/env.ts";
import { deleteKeys, testPrefix } from "./helpers/redis.ts";

const prefix = testPrefix();
const runtime = () => new JobRuntime({ redisUrl: inject("redisUrl"), prefix, logger: createLogger("silent"), tuning: loadConfig({}) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let producer: JobRuntime;

beforeAll(() => {
  producer = runtime();
});
afterAll(async () => {
  await producer.close();
  await deleteKeys(prefix);
});

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await sleep(25);
  }
}

describe("JobRuntime", () => {
  it("close() lets the active job finish, then returns: the job is completed, not handed back", async () => {
    const rt = runtime();
    let finished = 0;
    rt.work("rooms", async () => {
      await sleep(800);
      finished++;
      return "done";
    });
    await producer.add("rooms", "slow", { n: 1 }, { jobId: "slow-1" });
    const q = producer.queue("rooms");
    await until(
      () => q.getActiveCount(),
      (n) => n === 1,
    );
    const started = Date.now();
    await rt.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(finished).toBe(1);
    expect(await (await q.getJob("slow-1"))?.getState()).toBe("completed");
    expect(await q.getActiveCount()).toBe(0);
  });

  it("a PermanentDeliveryError fails the job at once (no retries); other errors retry", async () => {
    const rt = runtime();
    const seen: Record<string, number> = {};
    rt.work("deliver-slack", async (job: Job<{ kind: string }>) => {
      seen[job.data.kind] = (seen[job.data.kind] ?? 0) + 1;
      if (job.data.kind === "permanent") throw new PermanentDeliveryError("slack: channel_not_found");
      if (seen[job.data.kind] < 2) throw new Error("socket hang up");
      return "ok";
    });
    await producer.add("deliver-slack", "deliver", { kind: "permanent" }, { jobId: "perm-1" });
    await producer.add("deliver-slack", "deliver", { kind: "flaky" }, { jobId: "flaky-1", backoff: { type: "fixed", delay: 50 } });
    const q = producer.queue("deliver-slack");
    const perm = await until(
      async () => q.getJob("perm-1"),
      (j) => !!j?.failedReason,
    );
    const flaky = await until(
      async () => (await q.getJob("flaky-1"))?.getState(),
      (s) => s === "completed",
    );
    expect(flaky).toBe("completed");
    expect(perm?.failedReason).toBe("slack: channel_not_found");
    expect(perm?.attemptsMade).toBe(1);
    expect(seen).toEqual({ permanent: 1, flaky: 2 });
    await rt.close();
  });

  it("a RateLimitedError pauses the queue for retryAfter and does not count as a failed attempt", async () => {
    const rt = runtime();
    const at: number[] = [];
    rt.work("deliver-discord", async () => {
      at.push(Date.now());
      if (at.length === 1) throw new RateLimitedError(700);
      return "ok";
    });
    await producer.add("deliver-discord", "deliver", {}, { jobId: "limited-1" });
    const q = producer.queue("deliver-discord");
    const state = await until(
      async () => (await q.getJob("limited-1"))?.getState(),
      (s) => s === "completed",
    );
    expect(state).toBe("completed");
    expect(at).toHaveLength(2);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(600);
    expect((await q.getJob("limited-1"))?.attemptsMade).toBe(1); // the successful run only
    await rt.close();
  });
});
