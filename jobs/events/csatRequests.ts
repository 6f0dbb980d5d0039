// ticket.resolved → the requester, when they can be reached in chat, is asked for a one-click rating, once
// per ticket (the CsatResponse row is written in this handler's claim transaction).
import type { EventHandler } from "../../src/domain/events/dispatcher.ts";
import type { Services } from "../../src/domain/services.ts";

export function csatRequests(services: Pick<Services, "csat">): EventHandler {
  return {
    name: "csat-requests",
    handles: ["ticket.resolved"],
    async run(e, tx) {
      await services.csat.request(e.workspaceId, e.recordId, e.actor.platform, tx);
    },
  };
}
