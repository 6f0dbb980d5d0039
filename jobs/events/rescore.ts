// Changes to what a lead score or a win probability reads (a contact, its interactions, its deals) ask the
// predict worker to recompute; its jobs are debounced per contact, so asking twice recomputes once. A
// score that crosses the threshold routes the lead and tells its new owner (jobs/predict.ts).
import type { EventHandler } from "../../src/domain/events/dispatcher.ts";
import type { StoredEvent } from "../../src/domain/events/types.ts";
import type { PredictJobs } from "../../src/domain/scoring/service.ts";

const INPUTS = [
  "contact.created",
  "contact.changed",
  "contacts.imported",
  "interaction.logged",
  "deal.created",
  "deal.moved",
  "deal.won",
  "deal.lost",
] as const;
type Input = StoredEvent<(typeof INPUTS)[number]>;

/** The contacts whose scores this event moves (all: the whole workspace), and whether deals' win probabilities move. */
export function rescoreTargets(e: Input): { contactIds: string[]; all: boolean; deals: boolean } {
  switch (e.type) {
    case "contact.created":
    case "contact.changed":
      return { contactIds: [e.recordId], all: false, deals: false };
    case "contacts.imported":
      return { contactIds: e.data.contactIds, all: e.data.all, deals: false };
    case "interaction.logged":
      return { contactIds: e.data.contactId ? [e.data.contactId] : [], all: false, deals: !!e.data.dealId };
    default:
      return { contactIds: e.data.contactId ? [e.data.contactId] : [], all: false, deals: true };
  }
}

export function rescoreOnChange(jobs: PredictJobs | undefined): EventHandler {
  return {
    name: "rescore",
    handles: INPUTS,
    // asking for a debounced recompute, in Redis: no transaction needed around it (dispatcher.ts)
    outside: true,
    async run(event) {
      if (!jobs) return;
      const e = event as Input;
      const { contactIds, all, deals } = rescoreTargets(e);
      if (all) await jobs.rescore(e.workspaceId, []);
      else if (contactIds.length) await jobs.rescore(e.workspaceId, contactIds);
      if (deals) await jobs.rescoreDeals(e.workspaceId);
    },
  };
}
