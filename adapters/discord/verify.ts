// Discord interaction signing: Ed25519 over X-Signature-Timestamp + raw body with the application's
// public key. Discord sends bad signatures on purpose to test the endpoint; we also refuse timestamps
// more than 5 minutes old or ahead so a captured request cannot be replayed later.
import { createPublicKey, verify, type KeyObject } from "node:crypto";

export const MAX_SKEW_SECONDS = 5 * 60;
/** DER SubjectPublicKeyInfo header for a raw 32-byte Ed25519 key (RFC 8410). */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export type VerifyResult = { ok: true } | { ok: false; reason: string };

export function discordPublicKey(hex: string): KeyObject {
  const raw = Buffer.from(hex, "hex");
  if (raw.length !== 32) throw new Error("DISCORD_PUBLIC_KEY must be 32 bytes (64 hex characters)");
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

export function verifyDiscordRequest(opts: {
  publicKey: KeyObject;
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: Buffer;
  nowMs?: number;
}): VerifyResult {
  const { signature, timestamp } = opts;
  if (!signature || !timestamp) return { ok: false, reason: "missing signature headers" };
  if (!/^[0-9a-f]{128}$/i.test(signature)) return { ok: false, reason: "malformed signature" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed timestamp" };
  const skew = Math.abs(Math.floor((opts.nowMs ?? Date.now()) / 1000) - Number(timestamp));
  if (skew > MAX_SKEW_SECONDS) return { ok: false, reason: "stale or future timestamp" };
  const signed = Buffer.concat([Buffer.from(timestamp, "utf8"), opts.rawBody]);
  let good = false;
  try {
    good = verify(null, signed, opts.publicKey, Buffer.from(signature, "hex"));
  } catch {
    good = false;
  }
  return good ? { ok: true } : { ok: false, reason: "signature mismatch" };
}
