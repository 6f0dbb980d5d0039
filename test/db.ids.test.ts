// Row ids made for raw-SQL writes (src/db/ids.ts): cuid-shaped, unique, and random in their tail across
// refills of the random pool they are cut from.
import { describe, expect, it } from "vitest";
import { newId } from "../src/db/ids.ts";

describe("newId", () => {
  it("is 25 lowercase base-36/hex characters starting with c, and 100,000 in a row are all different", () => {
    const ids = Array.from({ length: 100_000 }, () => newId());
    for (const id of ids.slice(0, 1000)) expect(id).toMatch(/^c[0-9a-z]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("sorts after an id made earlier (primary-key inserts append)", async () => {
    const a = newId();
    await new Promise((r) => setTimeout(r, 5));
    expect(newId() > a).toBe(true);
  });

  it("its random tails differ across several refills of the pool (no tail repeats among 5,000 ids)", () => {
    const tails = Array.from({ length: 5000 }, () => newId().slice(14));
    expect(tails.every((t) => /^[0-9a-f]{11}$/.test(t))).toBe(true);
    expect(new Set(tails).size).toBe(tails.length);
  });
});
