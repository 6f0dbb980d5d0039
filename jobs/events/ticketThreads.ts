// ticket.opened on Discord → one discord-threads job per ticket, however often it is asked for:
// - by a member (command, form, 🎫, Create ticket): the ticket's private thread in the support channel, with
//   the author of the message the ticket came from, if any;
// - by a customer writing in an inbox channel or posting in an inbox forum (the event's inboxThread): the
//   public thread on their message, or the key in their post. The adapter only opens the ticket, so a crash
//   or a refusal from Discord after the commit costs a retry, not the thread.
// A customer's ticket from the "Open a ticket" panel asks for nothing: the panel made its private thread.
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
      const customer = e.data.inboxThread;
      if (e.actor.platform !== "discord" || (!e.actor.memberId && !customer)) return;
      const t = await services.tickets.card(e.workspaceId, e.recordId);
      if (!t) return;
      await threads.request(
        customer
          ? { workspaceId: e.workspaceId, ticket: `T-${t.number}`, extraUserIds: [], customer }
          : { workspaceId: e.workspaceId, ticket: `T-${t.number}`, extraUserIds: e.data.authorUserId ? [e.data.authorUserId] : [] },
      );
    },
  };
}
