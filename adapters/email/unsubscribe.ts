// GET|POST /unsubscribe/:token — RFC 8058 one-click unsubscribe. GET only shows a page with a button
// (link scanners and previews open GETs); POST — the mail client's `List-Unsubscribe=One-Click` or the
// button's form — opts the contact out at once. A bad token is a 400 page; a repeat POST changes nothing.
import express, { type Request, type Response, type Router } from "express";
import type { Services } from "../../src/domain/services.ts";
import type { Logger } from "../../src/log.ts";
import type { OptOutState } from "../../src/domain/campaigns/optout.ts";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function page(res: Response, status: number, title: string, body: string) {
  res.status(status).set({
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    // the token is in the address: never leak it to other sites
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  }).send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#c0392b;color:#fff;cursor:pointer}</style></head>
<body><h1>${esc(title)}</h1>${body}</body></html>`);
}

const INVALID = "<p>This unsubscribe link is not valid. It may have been copied incompletely; use the link in the email itself.</p>";
const TEST = "<p>This link came from a test send of a campaign. Nobody was unsubscribed.</p>";

function answer(res: Response, s: OptOutState, token: string, justPosted: boolean) {
  if (s.state === "invalid") return page(res, 400, "Invalid link", INVALID);
  if (s.state === "test") return page(res, 200, "Test message", TEST);
  const who = `<p>${esc(s.contactName)}, you will not receive campaign emails from ${esc(s.workspaceName)} any more.</p>`;
  if (s.state === "unsubscribed") return page(res, 200, justPosted ? "You are unsubscribed" : "Already unsubscribed", who);
  return page(
    res,
    200,
    "Unsubscribe?",
    `<p>Stop campaign emails from ${esc(s.workspaceName)} to ${esc(s.contactName)}?</p>
<form method="post" action="/unsubscribe/${encodeURIComponent(token)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
  );
}

export function unsubscribeRoutes(deps: { services: Services; logger: Logger }): Router {
  const r = express.Router();
  const guard = (fn: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
    try {
      await fn(req, res);
    } catch (e) {
      deps.logger.error({ err: (e as Error).message }, "unsubscribe failed");
      page(res, 503, "Please try again", "<p>We could not process this right now. Please try again in a minute.</p>");
    }
  };
  r.get(
    "/unsubscribe/:token",
    guard(async (req, res) => {
      const token = String(req.params.token);
      answer(res, await deps.services.optOut.describe(token), token, false);
    }),
  );
  // the body (List-Unsubscribe=One-Click, urlencoded or multipart) is not needed: the token is the authority
  r.post(
    "/unsubscribe/:token",
    guard(async (req, res) => {
      const token = String(req.params.token);
      const s = await deps.services.optOut.optOut(token);
      if (s.state !== "invalid" && s.state !== "test" && "changed" in s && s.changed)
        deps.logger.info("contact opted out by unsubscribe link");
      answer(res, s, token, true);
    }),
  );
  return r;
}
