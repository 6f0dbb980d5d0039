// The web console: pick a workspace and a member (local identities), type /crm …, see rendered replies
// with working buttons. Who may reach it: access.ts (a browser on this machine without ADMIN_TOKEN;
// with it, the token or a session cookie).
import { randomBytes } from "node:crypto";
import express, { Router, type Request, type Response, type NextFunction } from "express";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Config } from "../../src/config/env.ts";
import type { Command } from "../../src/commands/define.ts";
import { randomUUID } from "node:crypto";
import { toErrorReply } from "../../src/commands/engine.ts";
import type { Dispatch } from "../../src/commands/dispatch.ts";
import { toWire } from "../../src/reply/wire.ts";
import { MAX_COMMAND_LENGTH } from "../../src/parse/index.ts";
import type { Services } from "../../src/domain/services.ts";
import type { Logger } from "../../src/log.ts";
import { renderHtml } from "./render.ts";
import { consolePage } from "./page.ts";
import { consoleAccess, consoleAddressWithoutToken, consoleSignIn, consoleSignOut } from "./access.ts";
import { ConsoleSessions } from "./sessions.ts";
import { recordBounce, recordTarget } from "./recordLink.ts";

// text: any length the body allows (64 kB); an over-long command is the engine's to answer, as a normal
// error reply with the limit (MAX_COMMAND_LENGTH), like on every other surface
const commandBody = z.object({ workspaceId: z.string().min(1).max(100), memberId: z.string().min(1).max(100), text: z.string() });
const workspaceBody = z.object({ name: z.string().max(100), adminName: z.string().max(100) });
const memberBody = z.object({ name: z.string().max(100), role: z.enum(["admin", "manager", "agent", "viewer"]).optional() });

export function consoleRoutes(deps: {
  config: Config;
  services: Services;
  commands: Command[];
  logger: Logger;
  redis: Redis;
  /** runs a command by the one rule (src/commands/dispatch.ts); the console's people: adapters/console/surface.ts */
  dispatch: Dispatch;
}): Router {
  const { config, services, logger } = deps;
  const r = Router();
  const sessions = new ConsoleSessions(deps.redis, { prefix: config.QUEUE_PREFIX, adminToken: config.ADMIN_TOKEN ?? "" }); // unused without a token
  const guard = consoleAccess(config, sessions, { logger });
  const api = Router();
  api.use(express.json({ limit: "64kb" }));

  const bad = (res: Response, message: string) => res.status(400).json({ error: message });
  const fail = (res: Response, e: unknown) => {
    const reply = toErrorReply(e, undefined, { onError: (err) => logger.error({ err: (err as Error).message }, "console error") });
    res.status(reply.summary.startsWith("Something went wrong") ? 500 : 400).json({ error: reply.summary });
  };

  api.get("/workspaces", async (_req, res) => {
    try {
      res.json(await services.workspaces.list());
    } catch (e) {
      fail(res, e);
    }
  });
  api.post("/workspaces", async (req, res) => {
    const body = workspaceBody.safeParse(req.body);
    if (!body.success) return bad(res, 'Send {"name": "...", "adminName": "..."}');
    try {
      res.status(201).json(await services.workspaces.create(body.data.name, body.data.adminName));
    } catch (e) {
      fail(res, e);
    }
  });
  api.get("/workspaces/:id/members", async (req, res) => {
    try {
      res.json(await services.workspaces.members(req.params.id));
    } catch (e) {
      fail(res, e);
    }
  });
  api.post("/workspaces/:id/members", async (req, res) => {
    const body = memberBody.safeParse(req.body);
    if (!body.success) return bad(res, 'Send {"name": "...", "role": "agent"}');
    try {
      res.status(201).json(await services.workspaces.addMember(req.params.id, body.data.name, body.data.role));
    } catch (e) {
      fail(res, e);
    }
  });
  api.post("/command", async (req, res) => {
    const body = commandBody.safeParse(req.body);
    if (!body.success) return bad(res, 'Send {"workspaceId": "...", "memberId": "...", "text": "/crm help"}');
    const onError = (err: unknown) => logger.error({ err: (err as Error).message }, "console command failed");
    // the member picked in the page, through the same dispatcher and runner as Slack and Discord
    const reply = await deps
      .dispatch({
        surface: "console",
        id: randomUUID(),
        identity: { workspaceId: body.data.workspaceId, memberId: body.data.memberId },
        command: { text: body.data.text },
      })
      .then(
        (r) => r?.reply ?? toErrorReply(new Error("no answer came back"), undefined, { onError }),
        (e) => toErrorReply(e, undefined, { onError }),
      );
    // chart images travel as base64, as they do from a worker (src/reply/wire.ts)
    res.json({ reply: toWire(reply), html: renderHtml(reply) });
  });
  api.post("/logout", consoleSignOut(config, sessions, logger));
  api.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });
  api.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status < 500 ? err.status : 400;
    res.status(status).json({
      error:
        status === 413
          ? `Send at most 64 kB; a command is at most ${MAX_COMMAND_LENGTH} characters.`
          : "Send JSON (Content-Type: application/json), at most 64 kB.",
    });
  });

  r.use("/console/api", guard, api);
  r.get("/console", consoleSignIn(config, sessions, logger), guard, (req, res) => {
    if (req.query.token !== undefined) {
      // without ADMIN_TOKEN there is nothing to sign in to: drop the token from the address bar and history
      res.redirect(302, consoleAddressWithoutToken(req));
      return;
    }
    const nonce = randomBytes(16).toString("base64");
    res.setHeader(
      "Content-Security-Policy",
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src 'self' data: http: https:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    );
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Cache-Control", "no-store");
    res.type("html").send(consolePage(nonce));
  });
  // record links: open the record in the console (same access rules as the console; ?token= is not read
  // here). With ADMIN_TOKEN, a link clicked in Slack or Discord arrives without the SameSite=Strict
  // cookie (a cross-site navigation): recordBounce answers a page that sends the browser on from this
  // origin, a same-site navigation that carries the cookie.
  const recordGuard = consoleAccess(config, sessions, { logger, unauthenticated: recordBounce });
  r.get("/r/:workspace/:key", recordGuard, (req, res) => {
    const target = recordTarget(String(req.params.workspace), String(req.params.key));
    if (!target) {
      res.status(404).json({ error: "not a record key (C-12, A-3, D-7, T-42)" });
      return;
    }
    res.redirect(302, target);
  });
  return r;
}
