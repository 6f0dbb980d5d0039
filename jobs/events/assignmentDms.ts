// ticket.opened with an assignee, ticket.assigned → the new assignee gets a DM (not when they took it
// themselves), keyed on the event: a second run queues nothing new.
import type { EventHandler } from "../../src/domain/events/dispatcher.ts";
import type { StoredEvent } from "../../src/domain/events/types.ts";
import type { Services } from "../../src/domain/services.ts";

type Assigning = StoredEvent<"ticket.opened" | "ticket.assigned">;

export function assignmentDms(services: Pick<Services, "tickets" | "members" | "escalations">): EventHandler {
  return {
    name: "assignment-dms",
    handles: ["ticket.opened", "ticket.assigned"],
    async run(event) {
      const e = event as Assigning;
      const assigneeId = e.type === "ticket.opened" ? e.data.assigneeId : e.data.toId;
      if (!assigneeId) return;
      const [t, assignee] = await Promise.all([
        services.tickets.card(e.workspaceId, e.recordId),
        services.members.byId(e.workspaceId, assigneeId),
      ]);
      if (!t || !assignee) return;
      await services.escalations.tellAssignee(t, assignee, e.actor, e.data.auto, `event:${e.id}:assigned`);
    },
  };
}
