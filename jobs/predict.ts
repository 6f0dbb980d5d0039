// Predictions on BullMQ: a debounced `score` job per changed contact (deduplicated per contact while it
// waits), `deals` (re-apply the stored win model after a deal changes), `refit` (on demand) and a
// nightly scheduler that rescores every workspace (engagement decays) and refits its win model.
// All of them are idempotent: they recompute from the database and only route an unowned lead once.
import type { Job } from "bullmq";
import type { Services } from "../src/domain/services.ts";
import type { PredictJobs } from "../src/domain/scoring/service.ts";
import type { Logger } from "../src/log.ts";
import { leadRoutedReply } from "../src/commands/scoring.ts";
import type { JobRuntime } from "./runtime.ts";

export type PredictJob =
  | { kind: "score"; workspaceId: string; contactIds: string[] }
  | { kind: "deals"; workspaceId: string }
  | { kind: "refit"; workspaceId: string }
  | { kind: "nightly" };

export const NIGHTLY_PATTERN = "0 30 3 * * *";

export function bullPredictJobs(rt: JobRuntime): PredictJobs {
  // PREDICT_DEBOUNCE_MS: how long a change waits for others before the rescore runs
  // a contact's notes come in runs: the first one's job stands for the rest until it runs (BullMQ's dedup
  // refuses the others), so for half that time this process does not even ask Redis again
  const asked = new Map<string, number>();
  const add = async (data: PredictJob, id: string, delay = rt.tuning.PREDICT_DEBOUNCE_MS) => {
    const now = Date.now();
    if ((asked.get(id) ?? 0) > now) return;
    await rt.add<PredictJob>("predict", data.kind, data, { delay, deduplication: { id, ttl: delay } });
    if (asked.size >= 10_000) asked.clear();
    if (delay > 0) asked.set(id, now + delay / 2);
  };
  return {
    async rescore(workspaceId, contactIds) {
      if (!contactIds.length) return add({ kind: "score", workspaceId, contactIds: [] }, `score:${workspaceId}:*`);
      for (const id of new Set(contactIds)) await add({ kind: "score", workspaceId, contactIds: [id] }, `score:${workspaceId}:${id}`);
    },
    refit: (workspaceId) => add({ kind: "refit", workspaceId }, `refit:${workspaceId}`, 0),
    rescoreDeals: (workspaceId) => add({ kind: "deals", workspaceId }, `deals:${workspaceId}`),
  };
}

export async function runPredictJob(services: Services, job: Job<PredictJob>, logger?: Logger) {
  const d = job.data;
  switch (d.kind) {
    case "score":
      return rescoreAndRoute(services, d.workspaceId, d.contactIds);
    case "deals":
      return services.winModel.refit(d.workspaceId, new Date(), { fit: false });
    case "refit":
      return services.winModel.refit(d.workspaceId);
    case "nightly": {
      const workspaces = await services.scoring.workspaceIds();
      for (const id of workspaces) {
        try {
          await rescoreAndRoute(services, id, []);
          await services.winModel.refit(id);
        } catch (e) {
          logger?.warn({ workspace: id, err: (e as Error).message }, "nightly prediction failed for a workspace");
        }
      }
      return { workspaces: workspaces.length };
    }
  }
}

async function rescoreAndRoute(services: Services, workspaceId: string, contactIds: string[]) {
  const r = await services.scoring.rescore(workspaceId, contactIds);
  for (const hit of r.routed) {
    await services.notify.announce(workspaceId, "deals", leadRoutedReply(hit), { dedupeKey: `lead:${hit.contactId}:${hit.ownerId}` });
    await services.scoring.tellOwner(workspaceId, hit, leadRoutedReply(hit, true));
  }
  return { scored: r.scored, routed: r.routed.length };
}

export function startPredictWorker(rt: JobRuntime, deps: { services: Services; logger: Logger }): { synced: Promise<void> } {
  rt.work<PredictJob>("predict", (job) => runPredictJob(deps.services, job, deps.logger));
  const synced = rt
    .queue("predict")
    .upsertJobScheduler("predict:nightly", { pattern: NIGHTLY_PATTERN, tz: "UTC" }, { name: "nightly", data: { kind: "nightly" } })
    .then(() => undefined)
    .catch((e: Error) => deps.logger.warn({ err: e.message }, "could not schedule the nightly prediction run"));
  return { synced };
}
