// Record links, /r/<workspace>/<key>: where they lead, and the page that gets a signed-in browser there.
import type { Request, Response } from "express";

const KINDS: Record<string, string> = { C: "contact", A: "company", D: "deal", T: "ticket" };

/** The console address that shows the record (`/console?ws=…&cmd=deal show D-7`); undefined when key is not a record key. */
export function recordTarget(workspace: string, key: string): string | undefined {
  const k = key.toUpperCase();
  if (!/^[CADT]-\d{1,9}$/.test(k)) return undefined;
  return `/console?ws=${encodeURIComponent(workspace)}&cmd=${encodeURIComponent(`${KINDS[k[0]]} show ${k}`)}`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** With ADMIN_TOKEN, a record link opened without credentials. The session cookie is SameSite=Strict,
 *  so a link clicked in Slack or Discord (a cross-site navigation) arrives without it even when the
 *  browser is signed in; a 302 would not help (a redirect chain that began cross-site stays cross-site).
 *  So the answer is a small page that moves on from this origin (meta refresh, and a link for clients
 *  that do not follow it): that navigation is same-site and carries the cookie. The page names only
 *  what the link itself holds (workspace id and key); without a session, /console then answers 401. */
export function recordBounce(req: Request, res: Response): void {
  const target = recordTarget(String(req.params.workspace), String(req.params.key));
  if (!target) {
    res.status(404).json({ error: "not a record key (C-12, A-3, D-7, T-42)" });
    return;
  }
  sameSiteBounce(res, target, "Open the record in the console");
}

/** A 200 page that moves the browser on to target (a same-origin path) from this origin, so the
 *  SameSite=Strict session cookie goes with it: record links, and sign-in (a sign-in link opened from
 *  a chat or a mail is a cross-site navigation too; after a 302 its first page would arrive without
 *  the cookie it just set). A meta refresh replaces the page in the history. */
export function sameSiteBounce(res: Response, target: string, label: string): void {
  const href = escapeHtml(target);
  res.setHeader("Content-Security-Policy", "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Cache-Control", "no-store");
  res.type("html").send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=${href}"><title>${escapeHtml(label)}</title></head>
<body><p><a href="${href}">${escapeHtml(label)}</a></p></body></html>
`);
}
