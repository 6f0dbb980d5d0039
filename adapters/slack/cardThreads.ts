// The team talking under a ticket's card in the tickets channel (/crm notify tickets): a member's reply in the
// card's thread is an internal note on the ticket (src/domain/conversations/cards.ts), never sent to the
// customer. Only members of the CRM write notes this way: a person of another organization (Slack Connect:
// their own user_team) or of the team who is no member records nothing, and writing never makes anyone one.
import type { App } from "@slack/bolt";
import { slackTeamId } from "./identity.ts";
import type { SlackDeps } from "./deps.ts";

interface MessageEvent {
  subtype?: string;
  bot_id?: string;
  user?: string;
  user_team?: string;
  channel: string;
  text?: string;
  ts: string;
  thread_ts?: string;
}

export function registerCardThreads(app: App, deps: SlackDeps): void {
  const { services, logger } = deps;
  app.event("message", async ({ event, body }) => {
    const e = event as unknown as MessageEvent;
    // edits, joins, bots (our own cards included) and file-only messages are no one writing a note
    if (e.subtype || e.bot_id || !e.user || !e.text?.trim()) return;
    if (!e.thread_ts || e.thread_ts === e.ts) return; // a card's thread only: top-level talk is not about a card
    const team = slackTeamId(body as Record<string, unknown>);
    if (!team || (e.user_team && e.user_team !== team)) return;
    const workspaceId = await services.identity.existingWorkspace("slack", team);
    if (!workspaceId) return;
    const ticket = await services.ticketCards.ticketOf(workspaceId, "slack", { channelId: e.channel, messageId: e.thread_ts });
    if (!ticket) return;
    const actor = await services.identity.knownMember({ platform: "slack", externalId: team, userId: e.user });
    if (!actor || actor.workspaceId !== workspaceId) return;
    const got = await services.ticketCards.note(actor, ticket.id, {
      platform: "slack",
      channelId: e.channel,
      messageId: e.ts,
      text: e.text,
    });
    logger.info({ outcome: got.outcome, channel: e.channel }, "team message in a ticket card's thread");
  });
}
