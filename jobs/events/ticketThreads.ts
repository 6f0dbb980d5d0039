// ticket.opened by someone on Discord → the ticket's private thread in the support channel (one
// discord-threads job per ticket, however often it is asked for), with the author of the message the ticket
// came from, if any. Not for a ticket a customer opened by writing in an inbox channel: the adapter starts
// the thread on their message (adapters/discord/customerInbox.ts).
import type { EventHandler } from "../../src/domain/events/dispatcher.ts";
import type { StoredEvent } from "../../src/domain/events/types.ts";
import type { Services } from "../../src/domain/services.ts";
import type { ThreadRequests } from "../ticketThreads.ts";

export function ticketThreads(services: Pick<Services, "tickets">, threads: ThreadRequests): EventHandler {
  return {
    name: "ticket-threads",
    handles: ["ticket.opened"],
    async run(event) {
      const e = event as StoredEvent<"ticket.opened">;
      // a customer's message in an inbox channel (no member) already has its thread: the customer's own
      if (e.actor.platform !== "discord" || !e.actor.memberId) return;
      const t = await services.tickets.card(e.workspaceId, e.recordId);
      if (!t) return;
      await threads.request({
        workspaceId: e.workspaceId,
        ticket: `T-${t.number}`,
        extraUserIds: e.data.authorUserId ? [e.data.authorUserId] : [],
      });
    },
  };
}
