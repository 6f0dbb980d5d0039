// Pipelines and stages: the default pipeline of a workspace, stage lookup, and the board aggregate.
import { UserInputError } from "../../errors.ts";
import { LRUCache } from "lru-cache";
import type { Pipeline, PrismaClient, Stage } from "../../generated/prisma/client.ts";
import type { Actor } from "../actor.ts";

export interface BoardRow {
  stage: string;
  position: number;
  probability: number;
  count: number;
  amounts: { currency: string; amount: string; weighted: string }[];
}

type PipelineWithStages = Pipeline & { stages: Stage[] };

export class PipelineService {
  /**
   * Each workspace's default pipeline and its stages, read once per process: they are made with the workspace
   * (workspaces/defaults.ts) and nothing changes them, and every deal move, card and button read them (a statement
   * per command of a team's load, bench/README.md). Stage editing, if it comes, must clear this (a domain event).
   */
  private cache = new LRUCache<string, PipelineWithStages>({ max: 1000 });

  constructor(private db: PrismaClient) {}

  async defaultPipeline(workspaceId: string): Promise<PipelineWithStages> {
    const hit = this.cache.get(workspaceId);
    if (hit) return hit;
    const p = await this.db.pipeline.findFirst({
      where: { workspaceId, isDefault: true },
      include: { stages: { orderBy: { position: "asc" } } },
    });
    if (!p) throw new UserInputError("This workspace has no pipeline yet.");
    // shared by every caller from now on: frozen, so a caller that sorted or changed it in place would fail loudly
    const shared = Object.freeze({ ...p, stages: Object.freeze(p.stages.map((st) => Object.freeze(st))) as Stage[] });
    this.cache.set(workspaceId, shared);
    return shared;
  }

  async stages(workspaceId: string): Promise<Stage[]> {
    return (await this.defaultPipeline(workspaceId)).stages;
  }

  /** Stage by name (case-insensitive, unique prefix allowed) in the default pipeline. */
  async stageByName(workspaceId: string, name: string): Promise<Stage> {
    return this.pick(await this.stages(workspaceId), name);
  }

  /** stageByName among stages already read. */
  pick(stages: Stage[], name: string): Stage {
    const n = name.trim().toLowerCase();
    const exact = stages.find((s) => s.name.toLowerCase() === n);
    if (exact) return exact;
    const prefix = stages.filter((s) => s.name.toLowerCase().startsWith(n));
    if (prefix.length === 1) return prefix[0];
    throw new UserInputError(`"${name}" is not a stage. Stages: ${stages.map((s) => s.name).join(", ")}.`);
  }

  /** The next open stage after this one (for the "move on" button), or null at the end. */
  nextOpenStage(stages: Stage[], current: Stage): Stage | null {
    return stages.find((s) => s.position > current.position && !s.isWon && !s.isLost) ?? null;
  }

  /** Count, amount and probability-weighted amount per stage and currency, in SQL. */
  async board(actor: Actor): Promise<BoardRow[]> {
    const pipeline = await this.defaultPipeline(actor.workspaceId);
    const rows = await this.db.$queryRaw<
      { stage_id: string; currency: string | null; n: bigint; amount: string | null; weighted: string | null }[]
    >`
      SELECT s.id AS stage_id, d.currency, count(d.id) AS n,
             sum(d.amount)::text AS amount, round(sum(d.amount * s.probability / 100.0), 2)::text AS weighted
      FROM "Stage" s LEFT JOIN "Deal" d ON d."stageId" = s.id AND d."workspaceId" = ${actor.workspaceId} AND d."archivedAt" IS NULL
      WHERE s."workspaceId" = ${actor.workspaceId} AND s."pipelineId" = ${pipeline.id}
      GROUP BY s.id, d.currency`;
    return pipeline.stages.map((st) => {
      const mine = rows.filter((r) => r.stage_id === st.id && r.currency);
      return {
        stage: st.name,
        position: st.position,
        probability: st.probability,
        count: mine.reduce((a, r) => a + Number(r.n), 0),
        amounts: mine.map((r) => ({ currency: r.currency!.trim(), amount: r.amount ?? "0", weighted: r.weighted ?? "0" })),
      };
    });
  }
}
