// model refit — fit the workspace's win-probability model now (it also refits nightly)
import { defineCommand } from "./define.ts";
import { requireRole } from "../domain/actor.ts";
import { reply, s, b } from "../reply/reply.ts";
import { day } from "../reply/format.ts";
import { MIN_CLOSED } from "../domain/predict/winModel.ts";

export const modelRefit = defineCommand({
  path: ["model", "refit"],
  summary: "Refit the win-probability model on this workspace's closed deals (managers and admins)",
  usage: "/crm model refit",
  args: {},
  async run({ actor, services }) {
    requireRole(actor, "manager", "refit the win model");
    if (!services.scoring.jobs)
      return reply("Refit unavailable").text("No worker queue is configured, so the model cannot be refitted here.").build();
    await services.scoring.jobs.refit(actor.workspaceId);
    const last = await services.winModel.latest(actor.workspaceId);
    const m = last?.metrics as { brier?: number; baselineBrier?: number; auc?: number } | null | undefined;
    const r = reply("Refit queued").text([
      s("🔁 Refitting the win model in the background; "),
      b("deal show"),
      s(" has the new probabilities in a few seconds."),
    ]);
    r.context(
      last
        ? `Current model: ${last.sampleSize} closed deals, fitted ${day(last.fittedAt)}${m?.brier != null ? ` · held-out Brier ${m.brier.toFixed(3)} vs stage ${m.baselineBrier?.toFixed(3)} · AUC ${m.auc?.toFixed(2)}` : ""}.`
        : `No model yet. It needs at least ${MIN_CLOSED} closed deals; until then deals show their stage's probability.`,
    );
    return r.build();
  },
});

export const predictCommands = [modelRefit];
