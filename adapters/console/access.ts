// Who may use the console, its API and record links (and /admin/queues, which shares the rule):
// - the console is off → 404;
// - no ADMIN_TOKEN → only a direct request from this machine to a loopback HOST (local.ts), else 403;
// - ADMIN_TOKEN set → `Authorization: Bearer <token>` (scripts) or a session cookie (sessions.ts), else 401.
// The token is read from the URL (`?token=`) on one route only: sign-in, GET /console (consoleSignIn).
import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import type { Config } from "../../src/config/env.ts";
import { isLoopbackHost } from "../../src/config/loopback.ts";
import type { Logger } from "../../src/log.ts";
import { notLocal } from "./local.ts";
import { sameSiteBounce } from "./recordLink.ts";
import { clearedSessionCookie, type ConsoleSessions, secureCookies, sessionCookie, sessionIdFrom } from "./sessions.ts";

const NEEDS_TOKEN = "console access needs ADMIN_TOKEN: send Authorization: Bearer <token>, or sign in once at /console?token=<token>";
const WRONG_TOKEN = "wrong token: sign in at /console?token=<ADMIN_TOKEN>";
const STORE_DOWN = "console sessions are unavailable (Redis is not answering); try again, or send Authorization: Bearer <token>";

// compared as SHA-256 digests: constant time, and the length of the token does not show either
const digest = (s: string) => createHash("sha256").update(s).digest();
const sameSecret = (given: string, secret: string) => timingSafeEqual(digest(given), digest(secret));

/** Answers a request that has no credentials (ADMIN_TOKEN set); default: 401 JSON. */
export type Unauthenticated = (req: Request, res: Response) => void;

export function consoleAccess(
  config: Config,
  sessions: ConsoleSessions,
  opts: { logger?: Logger; unauthenticated?: Unauthenticated } = {},
): RequestHandler {
  const bindsLoopback = isLoopbackHost(config.HOST);
  return async (req, res, next) => {
    if (!config.consoleEnabled) {
      res.status(404).json({ error: "the console is off (set ADMIN_TOKEN or use a loopback HOST)" });
      return;
    }
    const token = config.ADMIN_TOKEN;
    if (!token) {
      const refusal = notLocal(bindsLoopback, req);
      if (refusal) {
        res.status(403).json({ error: refusal });
        return;
      }
      next();
      return;
    }
    const auth = req.headers.authorization;
    if (auth?.startsWith("Bearer ") && sameSecret(auth.slice(7), token)) {
      next();
      return;
    }
    const id = sessionIdFrom(req.headers.cookie);
    if (id) {
      try {
        if (await sessions.valid(id)) {
          next();
          return;
        }
      } catch (e) {
        opts.logger?.warn({ err: (e as Error).message }, "console session check failed");
        res.status(503).json({ error: STORE_DOWN });
        return;
      }
    }
    if (opts.unauthenticated) opts.unauthenticated(req, res);
    else res.status(401).json({ error: NEEDS_TOKEN });
  };
}

/** GET /console?token=<ADMIN_TOKEN>, the one route that reads the token from the URL: the right token
 *  gets a new session cookie and a page that moves on to the same address without the token (so it
 *  leaves the address bar and history, and the Strict cookie goes along: recordLink.ts); a wrong one 401. Requests without ?token= (or without ADMIN_TOKEN) go on. */
export function consoleSignIn(config: Config, sessions: ConsoleSessions, logger?: Logger): RequestHandler {
  const secure = secureCookies(config.PUBLIC_URL);
  return async (req, res, next) => {
    const given = req.query.token;
    if (given === undefined || !config.ADMIN_TOKEN || !config.consoleEnabled) {
      next();
      return;
    }
    if (typeof given !== "string" || !sameSecret(given, config.ADMIN_TOKEN)) {
      res.status(401).json({ error: WRONG_TOKEN });
      return;
    }
    let id: string;
    try {
      id = await sessions.create();
    } catch (e) {
      logger?.warn({ err: (e as Error).message }, "console sign-in failed");
      res.status(503).json({ error: STORE_DOWN });
      return;
    }
    res.setHeader("Set-Cookie", sessionCookie(id, secure));
    sameSiteBounce(res, consoleAddressWithoutToken(req), "Open the console");
  };
}

/** POST /console/api/logout (behind consoleAccess): ends the cookie's session and drops the cookie. */
export function consoleSignOut(config: Config, sessions: ConsoleSessions, logger?: Logger): RequestHandler {
  const secure = secureCookies(config.PUBLIC_URL);
  return async (req, res) => {
    const id = sessionIdFrom(req.headers.cookie);
    try {
      if (id) await sessions.end(id);
    } catch (e) {
      logger?.warn({ err: (e as Error).message }, "console sign-out failed");
      res.status(503).json({ error: STORE_DOWN });
      return;
    }
    res.setHeader("Set-Cookie", clearedSessionCookie(secure));
    res.status(204).end();
  };
}

/** /console with the request's other (single-valued) query parameters, token dropped. */
export function consoleAddressWithoutToken(req: Request): string {
  const rest = new URLSearchParams(
    Object.entries(req.query).filter(([k, v]) => k !== "token" && typeof v === "string") as [string, string][],
  );
  return `/console${rest.size ? `?${rest}` : ""}`;
}
