// Slack request signing: v0=HMAC_SHA256(secret, "v0:" + ts + ":" + rawBody). Unlike Bolt's default we
// also refuse timestamps more than 5 minutes in the future.
import { createHmac, timingSafeEqual } from "node:crypto";

export const MAX_SKEW_SECONDS = 5 * 60;

export type VerifyResult = { ok: true } | { ok: false; reason: string };

export function signSlack(secret: string, timestamp: string | number, rawBody: string): string {
  return "v0=" + createHmac("sha256", secret).update(`v0:${timestamp}:${rawBody}`).digest("hex");
}

export function verifySlackSignature(opts: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
  nowMs?: number;
}): VerifyResult {
  const { timestamp, signature } = opts;
  if (!timestamp || !signature) return { ok: false, reason: "missing signature headers" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed timestamp" };
  const skew = Math.abs(Math.floor((opts.nowMs ?? Date.now()) / 1000) - Number(timestamp));
  if (skew > MAX_SKEW_SECONDS) return { ok: false, reason: "stale or future timestamp" };
  const expected = Buffer.from(signSlack(opts.signingSecret, timestamp, opts.rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: "signature mismatch" };
  return { ok: true };
}
