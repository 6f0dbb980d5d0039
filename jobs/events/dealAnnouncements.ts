// deal.created / moved / won / lost → the deals channels and the deal's room see the deal card, saying who
// made the change. The delivery's key is the event's id: a second run queues nothing new.
import type { EventHandler } from "../../src/domain/events/dispatcher.ts";
import { DEAL_CHANGES, type StoredEvent } from "../../src/domain/events/types.ts";
import type { Services } from "../../src/domain/services.ts";
import { dealCard } from "../../src/render/deal-card.ts";

type DealChange = StoredEvent<(typeof DEAL_CHANGES)[number]>;

/** What the command that made the change said of it (deal move into the won stage says "moved", deal won says "won"). */
function note(e: DealChange): string {
  if (e.type === "deal.created") return "created";
  if (e.type === "deal.won" && e.data.via === "won") return "won 🎉";
  if (e.type === "deal.lost" && e.data.via === "lost") return "lost";
  return `moved ${e.data.from} → ${e.data.to}`;
}

export function dealAnnouncements(services: Pick<Services, "deals" | "notify">): EventHandler {
  return {
    name: "deal-announcements",
    handles: DEAL_CHANGES,
    async run(event) {
      const e = event as DealChange;
      // where it would go first: with no deals channel and no room there is no card to draw
      const targets = await services.notify.targets(e.workspaceId, "deals", e.recordId);
      if (!targets.length) return;
      const { deal, stages } = await services.deals.card(e.workspaceId, e.recordId);
      // the stage this change moved the deal to, even when a later move has committed since
      const stageId = e.type === "deal.created" ? e.data.stageId : e.data.toStageId;
      const stage = stages.find((s) => s.id === stageId) ?? deal.stage;
      const card = dealCard({ ...deal, stage }, stages, `${note(e)} by ${e.actor.name}`, false).build();
      await services.notify.post(e.workspaceId, "deals", card, { dedupeKey: `event:${e.id}`, targets });
    },
  };
}
