// Console sign-in sessions (with ADMIN_TOKEN). Signing in (GET /console?token=…) makes a session: a random
// id (32 bytes, base64url) that the browser keeps in an HttpOnly, SameSite=Strict cookie — never the
// token itself. The server keeps only HMAC-SHA256(ADMIN_TOKEN, id), as a Redis key under the app's prefix
// (`<QUEUE_PREFIX>:console-session:<hmac>`, SET … EX), so every server replica knows the session, a Redis
// dump holds no usable cookie, and changing ADMIN_TOKEN ends every session. A session lasts 12 hours from
// sign-in, absolute rather than sliding: a stolen cookie is good for 12 hours at most, and requests never
// write to Redis.
import { createHmac, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

export const SESSION_COOKIE = "crm_console";
export const SESSION_TTL_S = 12 * 60 * 60;
/** how long a session look-up may take before the request is answered 503 */
const REDIS_MS = 1000;
const ID_SHAPE = /^[A-Za-z0-9_-]{43}$/; // 32 bytes in base64url, unpadded

/** Redis did not answer (in time): the caller answers 503, never lets the request through. */
export class SessionStoreDown extends Error {
  override name = "SessionStoreDown";
}

export class ConsoleSessions {
  constructor(
    private redis: Redis,
    private opts: { prefix: string; adminToken: string },
  ) {}

  /** The Redis key of a session: an HMAC of its id under ADMIN_TOKEN, so the key names no usable cookie. */
  key(id: string): string {
    return `${this.opts.prefix}:console-session:${createHmac("sha256", this.opts.adminToken).update(id).digest("base64url")}`;
  }

  /** A new session, valid for SESSION_TTL_S; returns its id (the cookie value). */
  async create(): Promise<string> {
    const id = randomBytes(32).toString("base64url");
    await this.call(this.redis.set(this.key(id), "1", "EX", SESSION_TTL_S));
    return id;
  }

  /** Whether id is a live session; false for anything not shaped like one (no Redis call). */
  async valid(id: string): Promise<boolean> {
    if (!ID_SHAPE.test(id)) return false;
    return (await this.call(this.redis.exists(this.key(id)))) === 1;
  }

  async end(id: string): Promise<void> {
    if (ID_SHAPE.test(id)) await this.call(this.redis.del(this.key(id)));
  }

  private async call<T>(command: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SessionStoreDown("timeout")), REDIS_MS);
    });
    try {
      return await Promise.race([command, late]);
    } catch (e) {
      throw e instanceof SessionStoreDown ? e : new SessionStoreDown((e as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The session cookie; Secure when the console is served over https (PUBLIC_URL https://…). */
export function sessionCookie(id: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_S}${secure ? "; Secure" : ""}`;
}

/** A Set-Cookie value that makes the browser drop the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure ? "; Secure" : ""}`;
}

/** The session id in a Cookie header (the first crm_console cookie), if any. */
export function sessionIdFrom(cookieHeader: string | undefined): string | undefined {
  const pair = cookieHeader?.split(/;\s*/).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  return pair?.slice(SESSION_COOKIE.length + 1) || undefined;
}

/** Whether cookies should carry Secure: the console's public address is https. */
export const secureCookies = (publicUrl: string | undefined): boolean =>
  publicUrl !== undefined && URL.canParse(publicUrl) && new URL(publicUrl).protocol === "https:";
