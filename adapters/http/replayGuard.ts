// Replay protection for signed platform requests: a signature seen before inside the platforms' 5-minute
// window is a replay (neither Slack's commands/interactivity nor Discord's interactions are resent).
// The key is the signature's bytes, decoded by the caller, never its text: hex accepts upper and lower
// case, so keying on the text let the same signature in again written in capitals.
// SET NX EX in Redis; fails open after 250 ms so a Redis outage does not block chat.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { createRedis } from "../../src/redis.ts";
import type { Logger } from "../../src/log.ts";

const WINDOW_S = 300;
const CHECK_MS = 250;

export class ReplayGuard {
  private redis: Redis;
  constructor(
    redisUrl: string,
    private prefix: string,
    private platform: string,
    logger: Logger,
  ) {
    // no offline queue: while Redis is down the check fails at once and the request goes through
    this.redis = createRedis(redisUrl, logger, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000 });
  }

  /** true the first time these signature bytes are seen within 5 minutes; also true when Redis cannot tell. */
  async firstSeen(signature: Uint8Array): Promise<boolean> {
    const key = `${this.prefix}:${this.platform}-sig:${createHash("sha256").update(signature).digest("base64url")}`;
    try {
      const set = await Promise.race([
        this.redis.set(key, "1", "EX", WINDOW_S, "NX"),
        new Promise<"timeout">((r) => setTimeout(() => r("timeout"), CHECK_MS).unref()),
      ]);
      return set !== null;
    } catch {
      return true;
    }
  }

  close(): void {
    this.redis.disconnect();
  }
}
