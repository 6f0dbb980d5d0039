// The gateway remembers channels that are not ticket threads (so their chatter costs no lookup), but never a
// channel made in the last two minutes: a customer's new thread or forum post gets its ticket a moment after it
// is made, and a second message in that moment used to hide the thread for the cache's 10 minutes.
import { describe, expect, it } from "vitest";
import { SnowflakeUtil } from "discord.js";
import { NotThreads } from "../adapters/discord/gateway.ts";

const idMadeAt = (ms: number) => SnowflakeUtil.generate({ timestamp: ms }).toString();

describe("the gateway's not-a-ticket-thread cache", () => {
  const now = Date.parse("2026-12-07T15:00:00Z");

  it("does not remember a channel made seconds ago: its ticket may still be on the way", () => {
    const cache = new NotThreads();
    const young = idMadeAt(now - 3_000);
    cache.add(young, now);
    expect(cache.has(young, now)).toBe(false);
  });

  it("remembers a channel older than two minutes", () => {
    const cache = new NotThreads();
    const old = idMadeAt(now - 3 * 60_000);
    cache.add(old, now);
    expect(cache.has(old, now)).toBe(true);
    expect(cache.has(old, now + 11 * 60_000)).toBe(false); // for ten minutes
  });
});
