// Tickets and interactions from Slack messages: the 🎫 reaction and the two message shortcuts
// ("Create ticket from message", "Log message to CRM", which keeps the permalink).
import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { toErrorReply } from "../../src/commands/engine.ts";
import { clip } from "../../src/reply/format.ts";
import { slackActor } from "./identity.ts";
import { renderSlack } from "./render.ts";
import { responder } from "./responseUrl.ts";
import type { SlackDeps } from "./deps.ts";
import type { EventHelpers } from "./events.ts";

export const TICKET_REACTIONS = new Set(["ticket", "admission_tickets"]);
export const TICKET_SHORTCUT = "crm_ticket_from_message";
export const LOG_SHORTCUT = "crm_log_message";
const LOG_MODAL = "crm_log_message_modal";
const KINDS = ["chat", "call", "email", "meeting", "note"] as const;

async function messageAt(client: WebClient, channel: string, ts: string): Promise<{ text: string; user?: string } | undefined> {
  const hist = await client.conversations.history({ channel, latest: ts, oldest: ts, inclusive: true, limit: 1 });
  const m = hist.messages?.find((x) => x.ts === ts);
  if (m) return { text: m.text ?? "", user: m.user };
  const thread = await client.conversations.replies({ channel, ts, latest: ts, inclusive: true, limit: 1 });
  const r = thread.messages?.find((x) => x.ts === ts);
  return r ? { text: r.text ?? "", user: r.user } : undefined;
}

const permalinkOf = async (client: WebClient, channel: string, ts: string) =>
  (await client.chat.getPermalink({ channel, message_ts: ts }).catch(() => undefined))?.permalink as string | undefined;

export function registerMessageFlows(app: App, deps: SlackDeps, h: EventHelpers): void {
  const { services, logger } = deps;

  app.event("reaction_added", async ({ event, body, client }) => {
    if (!TICKET_REACTIONS.has(event.reaction) || event.item.type !== "message") return;
    const { channel, ts } = event.item as { channel: string; ts: string };
    const actor = await slackActor(services, body as Record<string, unknown>, event.user);
    const msg = await messageAt(client, channel, ts);
    const { ticket, created } = await services.ticketFromMessage(actor, {
      messageKey: `slack:${channel}:${ts}`,
      text: msg?.text ?? "(message not readable)",
      permalink: await permalinkOf(client, channel, ts),
      authorUserId: msg?.user ?? (event as { item_user?: string }).item_user,
    });
    if (!created) return;
    const card = await h.runAs({ ...body, user: { id: event.user } }, `ticket show T-${ticket.number}`, channel);
    await client.chat.postMessage({
      channel,
      thread_ts: ts,
      ...renderSlack({ ...card, ephemeral: false, summary: `🎫 Opened T-${ticket.number}: ${ticket.subject}` }),
    });
  });

  app.shortcut(TICKET_SHORTCUT, async ({ ack, shortcut, client }) => {
    await ack();
    const respond = responder((shortcut as { response_url?: unknown }).response_url, deps.config, logger);
    const s = shortcut as unknown as {
      channel: { id: string };
      message: { ts: string; text?: string; user?: string };
      user: { id: string };
    };
    try {
      const actor = await slackActor(services, shortcut as unknown as Record<string, unknown>);
      const { ticket, created } = await services.ticketFromMessage(actor, {
        messageKey: `slack:${s.channel.id}:${s.message.ts}`,
        text: s.message.text ?? "",
        permalink: await permalinkOf(client, s.channel.id, s.message.ts),
        authorUserId: s.message.user,
      });
      const card = await h.runAs(shortcut, `ticket show T-${ticket.number}`, s.channel.id);
      await respond({
        response_type: "ephemeral",
        ...renderSlack({ ...card, summary: created ? `Opened T-${ticket.number}` : `This message is already T-${ticket.number}` }),
      });
    } catch (e) {
      await respond({
        response_type: "ephemeral",
        ...renderSlack(
          toErrorReply(e, undefined, { onError: (err) => logger.error({ err: (err as Error).message }, "ticket shortcut failed") }),
        ),
      });
    }
  });

  app.shortcut(LOG_SHORTCUT, async ({ ack, shortcut, client }) => {
    await ack();
    const s = shortcut as unknown as { trigger_id: string; channel: { id: string }; message: { ts: string; text?: string } };
    const permalink = await permalinkOf(client, s.channel.id, s.message.ts);
    const actor = await slackActor(services, shortcut as unknown as Record<string, unknown>);
    const room = await services.rooms.dealKeyForRoom(actor, s.channel.id);
    await client.views.open({
      trigger_id: s.trigger_id,
      view: {
        type: "modal",
        callback_id: LOG_MODAL,
        title: { type: "plain_text", text: "Log message to CRM" },
        submit: { type: "plain_text", text: "Log" },
        private_metadata: JSON.stringify({ channelId: s.channel.id, permalink }),
        blocks: [
          {
            type: "input",
            block_id: "ref",
            label: { type: "plain_text", text: "Record (C-12, A-3, D-7, T-42 or an email)" },
            element: { type: "plain_text_input", action_id: "value", ...(room ? { initial_value: room } : {}) },
          },
          {
            type: "input",
            block_id: "kind",
            label: { type: "plain_text", text: "Kind" },
            element: {
              type: "static_select",
              action_id: "value",
              initial_option: { text: { type: "plain_text", text: "chat" }, value: "chat" },
              options: KINDS.map((k) => ({ text: { type: "plain_text", text: k }, value: k })),
            },
          },
          {
            type: "input",
            block_id: "summary",
            label: { type: "plain_text", text: "Summary" },
            element: { type: "plain_text_input", action_id: "value", multiline: true, initial_value: clip(s.message.text ?? "", 3000) },
          },
        ],
      },
    });
  });

  app.view(LOG_MODAL, async ({ ack, body, view, client }) => {
    const v = view.state.values as unknown as Record<
      string,
      { value: { value?: string | null; selected_option?: { value: string } | null } }
    >;
    const ref = v.ref?.value.value?.trim() ?? "";
    const kind = (v.kind?.value.selected_option?.value ?? "chat") as (typeof KINDS)[number];
    const summary = v.summary?.value.value?.trim() ?? "";
    if (!ref) {
      await ack({ response_action: "errors", errors: { ref: "Give a record key like D-7 or an email." } });
      return;
    }
    if (!summary) {
      await ack({ response_action: "errors", errors: { summary: "Write a summary." } });
      return;
    }
    const meta = JSON.parse(view.private_metadata || "{}") as { channelId?: string; permalink?: string };
    try {
      const actor = await slackActor(services, body as unknown as Record<string, unknown>);
      const logged = await services.interactions.log(actor, {
        kind,
        ref,
        summary: clip(summary, 2000),
        source: "slack",
        permalink: meta.permalink,
      });
      await ack();
      if (meta.channelId)
        await client.chat.postEphemeral({
          channel: meta.channelId,
          user: body.user.id,
          text: `Logged ${kind} on ${logged.record.key} ${logged.record.label}`,
        });
    } catch (e) {
      const reply = toErrorReply(e, undefined, { onError: (err) => logger.error({ err: (err as Error).message }, "log shortcut failed") });
      await ack({ response_action: "errors", errors: { ref: clip(reply.summary, 150) } });
    }
  });
}
