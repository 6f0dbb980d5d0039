// The team talking in a thread started on a ticket's card in the tickets channel (/crm notify tickets): a
// thread started on a message has the message's id, so the thread is the card's when its id is a card's
// message id. A member's message there is an internal note on the ticket (src/domain/conversations/cards.ts),
// never sent to the customer; anyone who is not on the team (no member, no server role the role map names)
// records nothing, and writing never makes anyone a member.
import type { Services } from "../../src/domain/services.ts";
import type { Logger } from "../../src/log.ts";
import type { InboxMessage } from "./customerInbox.ts";
import { messageText, type ResolvedMessage } from "./tickets.ts";

export function cardThreads(services: Services, log: Logger) {
  return {
    /**
     * True when the message's channel is the thread of a ticket's card, whoever wrote it (the gateway then
     * never takes that thread for one that is no ticket's); a member's message there becomes a note.
     */
    async said(workspaceId: string, d: InboxMessage): Promise<boolean> {
      const ticket = await services.ticketCards.ticketOf(workspaceId, "discord", { messageId: d.channel_id });
      if (!ticket) return false;
      if (!d.content?.trim() && !d.attachments?.length && !d.embeds?.length) return true; // a sticker, a poll: no note
      const actor = await services.identity.knownMember({
        platform: "discord",
        externalId: d.guild_id,
        userId: d.author.id,
        userName: d.member?.nick || d.author.global_name || d.author.username || d.author.id,
        platformRoles: Array.isArray(d.member?.roles) ? d.member.roles.slice(0, 250) : undefined,
      });
      if (!actor || actor.workspaceId !== workspaceId) return true;
      const got = await services.ticketCards.note(actor, ticket.id, {
        platform: "discord",
        channelId: d.channel_id,
        messageId: d.id,
        text: messageText(d as ResolvedMessage),
      });
      log.info({ outcome: got.outcome, thread: d.channel_id }, "team message in a ticket card's thread");
      return true;
    },
  };
}
