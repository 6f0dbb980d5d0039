// Events API: retries never act twice (event_id claimed in the database), mentions answer with help,
// App Home shows the member's overdue and today's tasks, their deals, tickets and the pipeline.
import type { App } from "@slack/bolt";
import type { Reply } from "../../src/reply/reply.ts";
import { slackTeamId } from "./identity.ts";
import { renderSlack, type SlackBlock } from "./render.ts";
import type { SlackDeps } from "./deps.ts";

export interface EventHelpers {
  runAs(body: unknown, commandText: string, channelId?: string): Promise<Reply>;
}

export function registerEvents(app: App, deps: SlackDeps, h: EventHelpers): void {
  const { services, logger } = deps;

  // Slack retries a delivery it thinks failed (X-Slack-Retry-Num) with the same event_id: act once.
  app.use(async ({ body, next }) => {
    const b = body as { type?: string; event_id?: string };
    if (b.type === "event_callback" && b.event_id) {
      const team = slackTeamId(b as Record<string, unknown>);
      if (team) {
        const workspaceId = await services.identity.workspaceFor("slack", team);
        if (!(await services.processedEvents.claim(workspaceId, "slack", `event:${b.event_id}`))) {
          logger.info({ eventId: b.event_id }, "duplicate slack event ignored");
          return;
        }
      }
    }
    await next();
  });

  // uninstalled or tokens revoked: forget the tokens (the CRM data stays with the workspace)
  app.event("app_uninstalled", async ({ body }) => {
    await services.installations.revoke(
      slackTeamId(body as Record<string, unknown>),
      (body as { enterprise_id?: string }).enterprise_id,
      "all",
    );
  });
  app.event("tokens_revoked", async ({ event, body }) => {
    const tokens = (event as { tokens?: { bot?: string[]; oauth?: string[] } }).tokens ?? {};
    const team = slackTeamId(body as Record<string, unknown>),
      ent = (body as { enterprise_id?: string }).enterprise_id;
    if (tokens.bot?.length) await services.installations.revoke(team, ent, "bot");
    if (tokens.oauth?.length) await services.installations.revoke(team, ent, "user");
  });

  // record links unfurl into the card, only in the workspace that owns the record
  app.event("link_shared", async ({ event, body, client }) => {
    if (!deps.config.PUBLIC_URL) return;
    const team = slackTeamId(body as Record<string, unknown>);
    const workspaceId = team ? await services.identity.existingWorkspace("slack", team) : null;
    if (!workspaceId) return;
    const host = new URL(deps.config.PUBLIC_URL).host;
    const unfurls: Record<string, { blocks: SlackBlock[] }> = {};
    for (const { url } of event.links) {
      const u = URL.canParse(url) ? new URL(url) : null;
      const m = u && u.host === host ? /^\/r\/([^/]+)\/([CADT])-(\d{1,9})$/i.exec(u.pathname) : null;
      if (!m || m[1] !== workspaceId) continue;
      const kind = ({ C: "contact", A: "company", D: "deal", T: "ticket" } as Record<string, string>)[m[2].toUpperCase()];
      const card = await h.runAs({ ...body, user: { id: event.user } }, `${kind} show ${m[2].toUpperCase()}-${m[3]}`, event.channel);
      if (card.kind === "ok")
        unfurls[url] = {
          blocks: renderSlack(card)
            .blocks.filter((b) => b.type !== "actions")
            .slice(0, 20),
        };
    }
    if (Object.keys(unfurls).length) await client.chat.unfurl({ channel: event.channel, ts: event.message_ts, unfurls: unfurls as never });
  });

  app.event("app_mention", async ({ event, body, client }) => {
    const reply = await h.runAs({ ...body, user: { id: event.user } }, "help", event.channel);
    await client.chat.postMessage({
      channel: event.channel,
      thread_ts: event.thread_ts ?? event.ts,
      ...renderSlack({ ...reply, ephemeral: false }),
    });
  });

  app.event("app_home_opened", async ({ event, body, client }) => {
    if (event.tab && event.tab !== "home") return;
    const asUser = { ...body, user: { id: event.user } };
    const parts = await Promise.all(["task list today", "deal list mine", "ticket list mine", "pipeline"].map((c) => h.runAs(asUser, c)));
    const blocks: SlackBlock[] = [{ type: "header", text: { type: "plain_text", text: "Your CRM" } }];
    for (const p of parts) blocks.push(...renderSlack(p).blocks, { type: "divider" });
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: "Type `/crm help` anywhere to see every command." }] });
    await client.views.publish({ user_id: event.user, view: { type: "home", blocks: blocks.slice(0, 100) as never } });
  });
}
