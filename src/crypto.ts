// AES-256-GCM for platform tokens at rest. The key is derived from ENCRYPTION_KEY; the stored form is
// "v1.<iv>.<tag>.<ciphertext>" (base64url), so a future key rotation can add v2 beside it.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const keyFrom = (secret: string) => createHash("sha256").update(`crm-token-key:${secret}`).digest();

export function encrypt(plain: string, secret: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", keyFrom(secret), iv);
  const body = Buffer.concat([c.update(plain, "utf8"), c.final()]);
  return ["v1", iv.toString("base64url"), c.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
}

/** GCM's full tag: a shorter one would be accepted by default, and 4 bytes are forged in 2^32 tries. */
const TAG_BYTES = 16;

export function decrypt(stored: string, secret: string): string {
  const [v, iv, tag, body] = stored.split(".");
  if (v !== "v1" || !iv || !tag || body === undefined) throw new Error("unknown ciphertext format");
  const authTag = Buffer.from(tag, "base64url");
  if (authTag.length !== TAG_BYTES) throw new Error(`the authentication tag is ${authTag.length} bytes, not ${TAG_BYTES}`);
  const d = createDecipheriv("aes-256-gcm", keyFrom(secret), Buffer.from(iv, "base64url"), { authTagLength: TAG_BYTES });
  d.setAuthTag(authTag);
  return Buffer.concat([d.update(Buffer.from(body, "base64url")), d.final()]).toString("utf8");
}

/** HMAC-signed opaque values (OAuth state, unsubscribe tokens): "<payload>.<sig>". */
export function signValue(payload: string, secret: string): string {
  return `${payload}.${createHmac("sha256", secret).update(payload).digest("base64url")}`;
}

export function verifySignedValue(value: string, secret: string): string | null {
  const i = value.lastIndexOf(".");
  if (i <= 0) return null;
  const payload = value.slice(0, i);
  const expected = Buffer.from(signValue(payload, secret).slice(i + 1));
  const given = Buffer.from(value.slice(i + 1));
  return expected.length === given.length && timingSafeEqual(expected, given) ? payload : null;
}
