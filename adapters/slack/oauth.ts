// OAuth v2 install for many workspaces: /slack/install → Slack → /slack/oauth_redirect. The state is
// HMAC-signed, bound to the browser by a cookie, stored, and accepted once within 10 minutes.
import { Router, type Request } from "express";
import { WebClient } from "@slack/web-api";
import type { Config } from "../../src/config/env.ts";
import type { Services } from "../../src/domain/services.ts";
import type { Logger } from "../../src/log.ts";
import { escapeHtml } from "../console/render.ts";
import manifest from "./manifest.json" with { type: "json" };

export const BOT_SCOPES: string[] = manifest.oauth_config.scopes.bot;
const COOKIE = "crm_slack_state";

const page = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${escapeHtml(title)}</title><body style="font:16px system-ui;margin:3rem"><h1>${escapeHtml(title)}</h1><p>${body}</p></body>`;

const cookieOf = (req: Request) =>
  req.headers.cookie
    ?.split(/;\s*/)
    .find((c) => c.startsWith(`${COOKIE}=`))
    ?.slice(COOKIE.length + 1);

export function oauthRoutes(deps: { config: Config; services: Services; logger: Logger }): Router {
  const { config, services, logger } = deps;
  const r = Router();
  const redirectUri = config.PUBLIC_URL ? new URL("/slack/oauth_redirect", config.PUBLIC_URL).toString() : undefined;
  const apiUrl = config.SLACK_API_URL
    ? config.SLACK_API_URL.endsWith("/")
      ? config.SLACK_API_URL
      : `${config.SLACK_API_URL}/`
    : undefined;

  r.get("/slack/install", async (_req, res) => {
    const state = await services.installations.newState();
    const u = new URL("https://slack.com/oauth/v2/authorize");
    u.searchParams.set("client_id", config.SLACK_CLIENT_ID!);
    u.searchParams.set("scope", BOT_SCOPES.join(","));
    u.searchParams.set("state", state);
    if (redirectUri) u.searchParams.set("redirect_uri", redirectUri);
    res.setHeader("Set-Cookie", `${COOKIE}=${encodeURIComponent(state)}; HttpOnly; Secure; SameSite=Lax; Path=/slack; Max-Age=600`);
    res.redirect(302, u.toString());
  });

  r.get("/slack/oauth_redirect", async (req, res) => {
    const state = typeof req.query.state === "string" ? req.query.state : "";
    const code = typeof req.query.code === "string" ? req.query.code : "";
    if (typeof req.query.error === "string") {
      res
        .status(400)
        .type("html")
        .send(page("Install cancelled", `Slack said: ${escapeHtml(req.query.error)}`));
      return;
    }
    const cookie = cookieOf(req);
    if (!state || !code || !cookie || decodeURIComponent(cookie) !== state || !(await services.installations.consumeState(state))) {
      res
        .status(400)
        .type("html")
        .send(
          page("Install link expired", 'This install link is invalid, expired or already used. <a href="/slack/install">Start again</a>.'),
        );
      return;
    }
    try {
      const client = new WebClient(undefined, apiUrl ? { slackApiUrl: apiUrl } : {});
      const v2 = await client.oauth.v2.access({
        client_id: config.SLACK_CLIENT_ID!,
        client_secret: config.SLACK_CLIENT_SECRET!,
        code,
        redirect_uri: redirectUri,
      });
      const team = v2.team as { id?: string; name?: string } | undefined;
      const enterprise = v2.enterprise as { id?: string } | undefined;
      await services.installations.save({
        teamId: team?.id,
        teamName: team?.name,
        enterpriseId: enterprise?.id,
        isEnterprise: Boolean(v2.is_enterprise_install),
        botUserId: v2.bot_user_id as string | undefined,
        botToken: v2.access_token as string | undefined,
        userToken: (v2.authed_user as { access_token?: string } | undefined)?.access_token,
        installerUserId: (v2.authed_user as { id?: string } | undefined)?.id,
        raw: { ...v2, access_token: undefined, authed_user: { id: (v2.authed_user as { id?: string })?.id } },
      });
      res.setHeader("Set-Cookie", `${COOKIE}=; HttpOnly; Secure; SameSite=Lax; Path=/slack; Max-Age=0`);
      res
        .type("html")
        .send(
          page("Installed", `The CRM is installed in ${escapeHtml(team?.name ?? "your workspace")}. Type <code>/crm help</code> in Slack.`),
        );
    } catch (e) {
      logger.warn({ err: (e as Error).message }, "slack oauth exchange failed");
      res
        .status(502)
        .type("html")
        .send(page("Install failed", 'Slack did not accept the install. <a href="/slack/install">Try again</a>.'));
    }
  });
  return r;
}
