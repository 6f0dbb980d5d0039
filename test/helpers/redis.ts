// A Redis key prefix per test file; everything under it is deleted afterwards.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { inject } from "vitest";

export function testPrefix(): string {
  return `crmtest_${randomBytes(5).toString("hex")}`;
}

/** Deletes every key under prefix (BullMQ keys look like `<prefix>:<queue>:…`). */
export async function deleteKeys(prefix: string, url = inject("redisUrl")): Promise<number> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length) deleted += await r.del(...keys);
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
  return deleted;
}

export async function countKeys(prefix: string, url = inject("redisUrl")): Promise<number> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const keys = await r.keys(`${prefix}*`);
    return keys.length;
  } finally {
    r.disconnect();
  }
}
