// Customers writing in an inbox channel (/crm inbox add; typically a Slack Connect channel shared with the
// customer): Slack marks a person of another organization with a user_team other than the installation's
// team. Their top-level message opens a ticket (the bot answers in its thread with the key), their replies
// in that thread join it; a member of the team writing in the thread answers them (the first response).
// Nothing a customer writes runs a command or acts beyond their own conversation.
import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { ChatMessageIn } from "../../src/domain/conversations/chat.ts";
import { slackActor, slackTeamId } from "./identity.ts";
import type { SlackDeps } from "./deps.ts";

interface MessageEvent {
  subtype?: string;
  bot_id?: string;
  user?: string;
  user_team?: string;
  user_profile?: { real_name?: string; display_name?: string };
  channel: string;
  text?: string;
  ts: string;
  thread_ts?: string;
}

async function nameOf(client: WebClient, e: MessageEvent): Promise<string> {
  const given = e.user_profile?.real_name || e.user_profile?.display_name;
  if (given) return given;
  const info = await client.users.info({ user: e.user! }).catch(() => undefined);
  const u = info?.user as { real_name?: string; profile?: { real_name?: string; display_name?: string } } | undefined;
  return u?.profile?.real_name || u?.real_name || u?.profile?.display_name || e.user!;
}

export function registerCustomerInbox(app: App, deps: SlackDeps): void {
  const { services, logger } = deps;
  app.event("message", async ({ event, body, client }) => {
    const e = event as unknown as MessageEvent;
    // edits, joins, bots (our own answers included) and file-only messages are not customers writing
    if (e.subtype || e.bot_id || !e.user || !e.text?.trim()) return;
    const inbox = await services.chatInbox.find("slack", e.channel);
    if (!inbox) return;
    const team = slackTeamId(body as Record<string, unknown>);
    // only the workspace whose installation heard the message owns the channel's conversations
    if (!team || (await services.identity.existingWorkspace("slack", team)) !== inbox.workspaceId) return;
    const message: ChatMessageIn = {
      platform: "slack",
      channelId: e.channel,
      messageId: e.ts,
      threadId: e.thread_ts,
      userId: e.user,
      userName: "",
      text: e.text,
    };
    if (e.user_team && e.user_team !== team) {
      const got = await services.chatInbox.customerSaid(inbox, { ...message, userName: await nameOf(client, e) });
      logger.info({ outcome: got.outcome, channel: e.channel }, "customer message in an inbox channel");
      if (got.outcome === "opened")
        await client.chat.postMessage({
          channel: e.channel,
          thread_ts: e.ts,
          text: `🎫 ${got.ticket}: thanks, the team has it. Replies in this thread reach them.`,
        });
      return;
    }
    if (!e.thread_ts || e.thread_ts === e.ts) return; // the team's own top-level talk is not a conversation
    const actor = await slackActor(services, body as Record<string, unknown>, e.user).catch(() => undefined);
    if (!actor) return; // not a member of the CRM
    await services.chatInbox.teamSaid(actor, message);
  });
}
