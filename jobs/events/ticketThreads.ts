// ticket.opened by someone on Discord → the ticket's private thread in the support channel (one
// discord-threads job per ticket, however often it is asked for), with the author of the message the ticket
// came from, if any.
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
      if (e.actor.platform !== "discord") return;
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
