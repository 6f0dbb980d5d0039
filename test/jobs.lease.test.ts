// A delivery whose worker stalls past its job lock (a long pause while Slack opens the DM) and is taken
// over by another worker must not post too: the post checks the lock right before its write.
// Real Redis, BullMQ and Slack adapter (against a fake Slack); the lock running out is made by deleting the
// lock key, which is what expiry does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { Redis } from "ioredis";
import { JobRuntime } from "../jobs/runtime.ts";
import { deliver } from "../jobs/workers.ts";
import { serializeReply, type DeliveryJob } from "../src/delivery/outbox.ts";
import { JobLockLostError, type ChatDelivery, type PostOptions } from "../src/delivery/port.ts";
import { createSlackDelivery } from "../adapters/slack/delivery.ts";
import { loadConfig } from "../src/config/env.ts";
import type { Services } from "../src/domain/services.ts";
import { apiArgs, slackEnv, startFakeSlack } from "./helpers/slack.ts";
import { reply } from "../src/reply/reply.ts";
import { createLogger } from "../src/log.ts";
import { deleteKeys, testPrefix } from "./helpers/redis.ts";

const prefix = testPrefix();
// the stall check runs every 200 ms here, so a job whose lock ran out is handed over quickly
const runtime = () =>
  new JobRuntime({ redisUrl: inject("redisUrl"), prefix, logger: createLogger("silent"), tuning: loadConfig({ JOBS_STALLED_MS: "200" }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let redis: Redis;
const runtimes: JobRuntime[] = [];

beforeAll(() => {
  redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  for (const rt of runtimes) await rt.close(2000);
  redis.disconnect();
  await deleteKeys(prefix);
});

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe("a delivery taken over after its lock ran out", () => {
  it("is posted once, by the run that took it over; the frozen run stops before chat.postMessage", async () => {
    // the real Slack adapter against a fake Slack whose first conversations.open hangs until released
    const fake = await startFakeSlack();
    let release!: () => void;
    const hold = new Promise<void>((r) => {
      release = r;
    });
    let opens = 0;
    fake.on("POST", "/api/conversations.open", async (r) => {
      if (++opens === 1) await hold;
      return { body: { ok: true, channel: { id: `D${apiArgs(r).users}` } } };
    });
    const config = loadConfig({ ...slackEnv(fake), DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/unused" });
    const slack = createSlackDelivery(config, {} as Services);
    const lost: unknown[] = [];
    const producer = runtime();
    runtimes.push(producer);
    const job: DeliveryJob = {
      platform: "slack",
      workspaceId: "w1",
      target: { userId: "U201" },
      reply: serializeReply(reply("SLA breached: T-1", false).build()),
    };
    await producer.add("deliver-slack", "deliver", job, { jobId: "breach-dm-1" });
    // two workers on the queue, as in production
    for (let i = 0; i < 2; i++) {
      const rt = runtime();
      runtimes.push(rt);
      rt.work<DeliveryJob>("deliver-slack", (j, lease) =>
        deliver({ slack }, j, lease).catch((e) => {
          lost.push(e);
          throw e;
        }),
      );
    }
    const queue = producer.queue("deliver-slack");
    const posts = () => fake.calls("/api/chat.postMessage").filter((r) => apiArgs(r).channel === "DU201");
    try {
      await until("a worker to wait on conversations.open", () => opens === 1);

      // the lock runs out (the process froze past JOBS_LOCK_MS); a stall check hands the job over and that run posts
      expect(await redis.del(`${prefix}:deliver-slack:breach-dm-1:lock`)).toBe(1);
      await until(
        "the run that took it over to post and complete the job",
        async () => (await (await queue.getJob("breach-dm-1"))?.getState()) === "completed",
      );
      expect(posts()).toHaveLength(1);

      // the frozen run gets its DM channel at last: it must not post
      release();
      await until("the frozen run to end", () => lost.length > 0 || posts().length > 1);
      await sleep(200);
      expect(posts()).toHaveLength(1);
      expect(lost[0]).toBeInstanceOf(JobLockLostError);
      expect(opens).toBe(2);
      expect(await (await queue.getJob("breach-dm-1"))?.getState()).toBe("completed");
    } finally {
      release();
      await fake.close();
    }
  });

  it("a delivery that keeps its lock posts normally through the same check", async () => {
    const posts: string[] = [];
    const rt = runtime();
    runtimes.push(rt);
    const discord: ChatDelivery = {
      platform: "discord",
      async post(_ws, target, _reply, opts?: PostOptions) {
        await opts?.beforeWrite?.();
        posts.push(`to ${target.userId}`);
        return { channelId: "DM7", messageId: "m1" };
      },
      async update(_ws, t) {
        return t;
      },
      async createRoom() {
        return { channelId: "C1" };
      },
    };
    rt.work<DeliveryJob>("deliver-discord", (j, lease) => deliver({ discord }, j, lease));
    const job: DeliveryJob = {
      platform: "discord",
      workspaceId: "w1",
      target: { userId: "U7" },
      reply: serializeReply(reply("hello", false).build()),
    };
    await rt.add("deliver-discord", "deliver", job, { jobId: "dm-2" });
    const q = rt.queue("deliver-discord");
    await until("the post", async () => (await (await q.getJob("dm-2"))?.getState()) === "completed");
    expect(posts).toEqual(["to U7"]);
    expect((await q.getJob("dm-2"))?.returnvalue).toBe("m1");
  });
});
