// ticket.opened / assigned / resolved → the tickets channels see the same reply the person who made the
// change saw, saying who it was. The delivery's key is the event's id: a second run queues nothing new.
// The card of ticket.opened is recorded where it is posted (src/domain/conversations/cards.ts).
import type { EventHandler } from "../../src/domain/events/dispatcher.ts";
import type { StoredEvent } from "../../src/domain/events/types.ts";
import type { Services } from "../../src/domain/services.ts";
import type { Reply } from "../../src/reply/reply.ts";
import { announcedBy, ticketAssignedReply, ticketOpenedReply, ticketResolvedReply } from "../../src/commands/ticketReplies.ts";

const ANNOUNCED = ["ticket.opened", "ticket.assigned", "ticket.resolved"] as const;
type Announced = StoredEvent<(typeof ANNOUNCED)[number]>;

export function ticketAnnouncements(services: Pick<Services, "tickets" | "notify" | "csat" | "members">): EventHandler {
  return {
    name: "ticket-announcements",
    handles: ANNOUNCED,
    async run(event) {
      const e = event as Announced;
      const t = await services.tickets.card(e.workspaceId, e.recordId);
      if (!t) return; // the workspace (and with it the ticket) is gone
      let r: Reply;
      switch (e.type) {
        case "ticket.opened":
          r = ticketOpenedReply(t, { memberId: e.actor.memberId, auto: e.data.auto, now: e.createdAt });
          break;
        case "ticket.assigned": {
          // the assignee this change named, even when the ticket has moved on since
          const to = await services.members.byId(e.workspaceId, e.data.toId);
          r = ticketAssignedReply({ ...t, assignee: to ?? t.assignee }, { auto: e.data.auto, previous: e.data.previous });
          break;
        }
        case "ticket.resolved":
          r = ticketResolvedReply(t, await services.csat.channelFor(e.workspaceId, t.id, e.actor.platform));
          break;
      }
      // a new ticket's card is remembered where it lands: the team's messages in its thread become notes
      await services.notify.post(e.workspaceId, "tickets", announcedBy(r, e.actor.name), {
        dedupeKey: `event:${e.id}`,
        ticketCard: e.type === "ticket.opened" ? t.id : undefined,
      });
    },
  };
}
