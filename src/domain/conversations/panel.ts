// The Discord "Open a ticket" panel (/crm inbox panel #channel): a message in a channel with one button
// whose click opens a short form; submitting it opens a ticket in a private thread of that channel
// (adapters/discord/panel.ts). The channel becomes a customer inbox, because the ticket's thread is
// answered through the inbox's conversation (chat.ts): the customer's messages there join the ticket,
// a member's answer them.
import { UserInputError } from "../../errors.ts";
import type { Outbox } from "../../delivery/outbox.ts";
import type { ChatPlatform } from "../../delivery/port.ts";
import type { Reply } from "../../reply/reply.ts";
import { requireRole, type Actor } from "../actor.ts";
import type { ChatInbox } from "./chat.ts";

/** The panel button's custom_id: not a command, so the Discord adapter answers it with the form alone. */
export const PANEL_BUTTON = "crm_panel_open";

export class InboxPanels {
  constructor(
    private chatInbox: ChatInbox,
    private outbox: Outbox | undefined,
  ) {}

  /** Posts the panel in channel, making it an inbox first if it is not one (its company, if any, stays). */
  async post(actor: Actor, channel: { platform: ChatPlatform; channelId: string }, panel: Reply): Promise<{ madeInbox: boolean }> {
    requireRole(actor, "manager", "post a ticket panel");
    if (actor.platform !== "discord" || channel.platform !== "discord")
      throw new UserInputError("Ticket panels are a Discord thing. On Slack, make the channel an inbox instead: /crm inbox add #channel");
    if (!this.outbox) throw new UserInputError("This server posts nothing to chat (no job queue); try again later.");
    const inbox = await this.chatInbox.find("discord", channel.channelId);
    const madeInbox = inbox?.workspaceId !== actor.workspaceId;
    if (madeInbox) await this.chatInbox.add(actor, channel);
    await this.outbox.deliver({
      platform: "discord",
      workspaceId: actor.workspaceId,
      target: { channelId: channel.channelId },
      reply: panel,
    });
    return { madeInbox };
  }
}
