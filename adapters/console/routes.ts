// The web console: pick a workspace and a member (local identities), type /crm …, see rendered replies
// with working buttons. Open on a loopback HOST; elsewhere only with ADMIN_TOKEN.
import { randomBytes, timingSafeEqual } from "node:crypto";
import express, { Router, type Request, type Response, type NextFunction } from "express";
import { z } from "zod";
import type { Config } from "../../src/config/env.ts";
import type { Command } from "../../src/commands/define.ts";
import { runText, toErrorReply } from "../../src/commands/engine.ts";
import type { Services } from "../../src/domain/services.ts";
import { consoleActorFor } from "../../src/domain/workspaces/console.ts";
import type { Logger } from "../../src/log.ts";
import { renderHtml } from "./render.ts";
import { consolePage } from "./page.ts";

const COOKIE = "crm_console";

const same = (a: string, b: string) => {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function tokenFrom(req: Request): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7);
  const cookie = req.headers.cookie?.split(/;\s*/).find((c) => c.startsWith(`${COOKIE}=`));
  return cookie ? decodeURIComponent(cookie.slice(COOKIE.length + 1)) : undefined;
}

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);
const hostName = (host: string | undefined) => (host ?? "").toLowerCase().replace(/:\d+$/, "");

/** Access rule shared by /console and /r/…: ADMIN_TOKEN when set; otherwise open (loopback only). */
export function consoleAccess(config: Config) {
  const loopbackOnly = LOOPBACK_NAMES.has(config.HOST.toLowerCase());
  return (req: Request, res: Response, next: NextFunction) => {
    if (!config.consoleEnabled) { res.status(404).json({ error: "the console is off (set ADMIN_TOKEN or use a loopback HOST)" }); return; }
    if (!config.ADMIN_TOKEN) {
      // open only to loopback names: a page on another site that re-points its own name at 127.0.0.1
      // (DNS rebinding) or a proxy forwarding a public Host gets nothing without ADMIN_TOKEN
      if (loopbackOnly && !LOOPBACK_NAMES.has(hostName(req.headers.host))) {
        res.status(403).json({ error: "the console without ADMIN_TOKEN answers only on localhost / 127.0.0.1 (set ADMIN_TOKEN to reach it by another name)" });
        return;
      }
      next();
      return;
    }
    const q = typeof req.query.token === "string" ? req.query.token : undefined;
    if (q && same(q, config.ADMIN_TOKEN)) {
      // Lax (not Strict) so record links clicked in Slack/Discord carry it; the page only auto-runs `… show KEY`
      res.setHeader("Set-Cookie", `${COOKIE}=${encodeURIComponent(q)}; HttpOnly; SameSite=Lax; Path=/`);
      next();
      return;
    }
    const t = tokenFrom(req);
    if (t && same(t, config.ADMIN_TOKEN)) { next(); return; }
    res.status(401).json({ error: "console access needs ADMIN_TOKEN (Authorization: Bearer <token>, or ?token=<token> once)" });
  };
}

const commandBody = z.object({ workspaceId: z.string().min(1).max(100), memberId: z.string().min(1).max(100), text: z.string().max(4000) });
const workspaceBody = z.object({ name: z.string().max(100), adminName: z.string().max(100) });
const memberBody = z.object({ name: z.string().max(100), role: z.enum(["admin", "manager", "agent", "viewer"]).optional() });

export function consoleRoutes(deps: { config: Config; services: Services; commands: Command[]; logger: Logger }): Router {
  const { services, commands, logger } = deps;
  const r = Router();
  const guard = consoleAccess(deps.config);
  const api = Router();
  api.use(express.json({ limit: "64kb" }));

  const bad = (res: Response, message: string) => res.status(400).json({ error: message });
  const fail = (res: Response, e: unknown) => {
    const reply = toErrorReply(e, undefined, { onError: (err) => logger.error({ err: (err as Error).message }, "console error") });
    res.status(reply.summary.startsWith("Something went wrong") ? 500 : 400).json({ error: reply.summary });
  };

  api.get("/workspaces", async (_req, res) => {
    try { res.json(await services.workspaces.list()); } catch (e) { fail(res, e); }
  });
  api.post("/workspaces", async (req, res) => {
    const body = workspaceBody.safeParse(req.body);
    if (!body.success) return bad(res, 'Send {"name": "...", "adminName": "..."}');
    try { res.status(201).json(await services.workspaces.create(body.data.name, body.data.adminName)); } catch (e) { fail(res, e); }
  });
  api.get("/workspaces/:id/members", async (req, res) => {
    try { res.json(await services.workspaces.members(req.params.id)); } catch (e) { fail(res, e); }
  });
  api.post("/workspaces/:id/members", async (req, res) => {
    const body = memberBody.safeParse(req.body);
    if (!body.success) return bad(res, 'Send {"name": "...", "role": "agent"}');
    try { res.status(201).json(await services.workspaces.addMember(req.params.id, body.data.name, body.data.role)); } catch (e) { fail(res, e); }
  });
  api.post("/command", async (req, res) => {
    const body = commandBody.safeParse(req.body);
    if (!body.success) return bad(res, 'Send {"workspaceId": "...", "memberId": "...", "text": "/crm help"}');
    let reply;
    try {
      const actor = await consoleActorFor(services, body.data.workspaceId, body.data.memberId);
      reply = await runText(commands, body.data.text, actor, services, {
        onError: (e, cmd) => logger.error({ err: (e as Error).message, stack: (e as Error).stack, command: cmd?.path.join(" ") }, "command failed"),
      });
    } catch (e) {
      reply = toErrorReply(e, undefined, { onError: (err) => logger.error({ err: (err as Error).message }, "console command failed") });
    }
    res.json({ reply: { ...reply, blocks: reply.blocks.map((b) => (b.type === "image" && b.png ? { ...b, png: undefined, pngBase64: Buffer.from(b.png).toString("base64") } : b)) }, html: renderHtml(reply) });
  });
  api.use((_req, res) => { res.status(404).json({ error: "not found" }); });
  api.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(err.status && err.status < 500 ? err.status : 400).json({ error: "Send JSON (Content-Type: application/json), at most 64 kB." });
  });

  r.use("/console/api", guard, api);
  r.get("/console", guard, (req, res) => {
    if (typeof req.query.token === "string") {
      // the cookie is set; drop the token from the address bar and history
      const rest = new URLSearchParams(Object.entries(req.query).filter(([k, v]) => k !== "token" && typeof v === "string") as [string, string][]);
      res.redirect(302, `/console${rest.size ? `?${rest}` : ""}`);
      return;
    }
    const nonce = randomBytes(16).toString("base64");
    res.setHeader("Content-Security-Policy", `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src 'self' data: http: https:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`);
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Cache-Control", "no-store");
    res.type("html").send(consolePage(nonce));
  });
  // record links: open the record in the console (same access rules as the console)
  r.get("/r/:workspace/:key", guard, (req, res) => {
    const key = String(req.params.key).toUpperCase();
    const kind = ({ C: "contact", A: "company", D: "deal", T: "ticket" } as Record<string, string>)[key[0]];
    if (!kind || !/^[CADT]-\d{1,9}$/.test(key)) { res.status(404).json({ error: "not a record key (C-12, A-3, D-7, T-42)" }); return; }
    res.redirect(302, `/console?ws=${encodeURIComponent(String(req.params.workspace))}&cmd=${encodeURIComponent(`${kind} show ${key}`)}`);
  });
  return r;
}
