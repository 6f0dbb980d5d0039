// Platform tokens at rest (src/crypto.ts): AES-256-GCM with the full 16-byte tag. GCM accepts shorter
// tags unless told not to, and a 4-byte tag is forged in about 2^32 tries, so a stored value whose tag
// was cut short must not open, not even with the right key and the real tag's first bytes.
import { describe, expect, it } from "vitest";
import { decrypt, encrypt } from "../src/crypto.ts";

const KEY = "k".repeat(40);
const SECRET = "xoxb-secret-token-1234";

/** The stored value with its tag cut to its first n bytes. */
function withTagBytes(stored: string, n: number): string {
  const [v, iv, tag, body] = stored.split(".");
  return [v, iv, Buffer.from(tag, "base64url").subarray(0, n).toString("base64url"), body].join(".");
}

describe("decrypt", () => {
  it("opens what encrypt wrote, with the same key only", () => {
    const stored = encrypt(SECRET, KEY);
    expect(decrypt(stored, KEY)).toBe(SECRET);
    expect(() => decrypt(stored, "w".repeat(40))).toThrow();
  });

  it("refuses a value whose tag was truncated to 4 bytes (or to anything but 16)", () => {
    const stored = encrypt(SECRET, KEY);
    expect(Buffer.from(stored.split(".")[2], "base64url")).toHaveLength(16);
    for (const n of [4, 8, 12, 15]) expect(() => decrypt(withTagBytes(stored, n), KEY), `${n} bytes`).toThrow(/tag/);
    const [v, iv, tag, body] = stored.split(".");
    const longer = [v, iv, Buffer.concat([Buffer.from(tag, "base64url"), Buffer.from([0])]).toString("base64url"), body].join(".");
    expect(() => decrypt(longer, KEY)).toThrow(/tag/);
  });

  it("refuses a full-length tag that is wrong", () => {
    const [v, iv, tag, body] = encrypt(SECRET, KEY).split(".");
    const flipped = Buffer.from(tag, "base64url");
    flipped[15] ^= 1;
    expect(() => decrypt([v, iv, flipped.toString("base64url"), body].join("."), KEY)).toThrow();
  });
});
