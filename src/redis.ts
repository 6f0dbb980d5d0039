// Redis connections. They reconnect forever and never throw into the process: a Redis outage turns
// /readyz to 503 and back, it does not crash the server.
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "./log.ts";

export function redisOptions(extra: RedisOptions = {}): RedisOptions {
  return {
    maxRetriesPerRequest: null, // required by BullMQ workers
    retryStrategy: (times) => Math.min(200 * times, 2000),
    ...extra,
  };
}

export function createRedis(url: string, logger: Logger, extra: RedisOptions = {}): Redis {
  const r = new Redis(url, redisOptions(extra));
  let down = false;
  r.on("error", (e) => {
    if (!down) logger.warn({ err: e.message }, "redis connection error");
    down = true;
  });
  r.on("ready", () => {
    if (down) logger.info("redis connection restored");
    down = false;
  });
  return r;
}

/** A client for health probes: no offline queue, so a ping fails at once while Redis is down. */
export function createProbeRedis(url: string, logger: Logger): Redis {
  return createRedis(url, logger, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000 });
}
