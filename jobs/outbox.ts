// The domain's Outbox on BullMQ: a dedupe key becomes the job id, so asking twice enqueues once.
import { createHash } from "node:crypto";
import type { Outbox } from "../src/delivery/outbox.ts";
import { serializeReply } from "../src/delivery/outbox.ts";
import type { JobRuntime } from "./runtime.ts";

const jobIdFor = (key: string) => createHash("sha1").update(key).digest("hex");

export function bullOutbox(rt: JobRuntime): Outbox {
  return {
    async deliver(job) {
      await rt.add(
        `deliver-${job.platform}`,
        "deliver",
        { ...job, reply: serializeReply(job.reply) },
        job.dedupeKey ? { jobId: jobIdFor(job.dedupeKey) } : {},
      );
    },
    async createRoom(job) {
      await rt.add("rooms", "room", job, { jobId: jobIdFor(`room:${job.platform}:${job.dealId}`) });
    },
  };
}
