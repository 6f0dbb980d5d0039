// Win probability per open deal, from a logistic regression fitted on the workspace's own closed deals.
// Below MIN_CLOSED closed deals there is no model: deals get their stage's probability and say so.
// Refit writes a WinModel row and every open deal's winProbability/winReasons in one batch.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { contributions, fitLogistic, predictLogistic, brier, auc, type LogisticModel } from "./logistic.ts";
import { describeFeature, featureNames, featuresOf, smoothedRate, type DealFacts, type FeatureSpace } from "./features.ts";

export const MIN_CLOSED = 30;
const DAY = 86_400_000;

export interface WinReason {
  label: string;
  effect: number;
}
export interface StoredModel extends LogisticModel {
  stages: string[];
  names: string[];
}
export interface RefitResult {
  fitted: boolean;
  closed: number;
  openDeals: number;
  metrics?: { brier: number; baselineBrier: number; auc: number };
}

interface FactRow {
  id: string;
  won: boolean;
  closed: boolean;
  stage: string;
  probability: number;
  amount: number;
  ownerId: string | null;
  createdAt: Date;
  stageEnteredAt: Date;
  endAt: Date;
  recent: number;
}

export class WinModelService {
  constructor(private db: PrismaClient) {}

  /** Facts for every deal of the workspace: closed ones as of their closing, open ones as of now. */
  private async facts(workspaceId: string, now: Date): Promise<FactRow[]> {
    return this.db.$queryRaw<FactRow[]>`
      WITH d AS (
        SELECT d."id", d."amount"::float8 AS amount, d."ownerId", d."createdAt", d."stageEnteredAt", s."isWon" AS won,
          (s."isWon" OR s."isLost") AS closed, COALESCE(d."closedAt", ${now}) AS "endAt",
          CASE WHEN s."isWon" OR s."isLost" THEN lc."fromStageId" ELSE d."stageId" END AS "openStageId"
        FROM "Deal" d JOIN "Stage" s ON s."id" = d."stageId"
        LEFT JOIN LATERAL (SELECT c."fromStageId" FROM "DealStageChange" c WHERE c."dealId" = d."id" AND c."toStageId" = d."stageId"
          ORDER BY c."at" DESC LIMIT 1) lc ON true
        WHERE d."workspaceId" = ${workspaceId})
      SELECT d."id", d.won, d.closed, os."name" AS stage, os."probability", d.amount, d."ownerId", d."createdAt", d."endAt",
        CASE WHEN d.closed THEN COALESCE((SELECT max(c."at") FROM "DealStageChange" c WHERE c."dealId" = d."id" AND c."toStageId" = d."openStageId"), d."createdAt")
          ELSE d."stageEnteredAt" END AS "stageEnteredAt",
        (SELECT count(*) FROM "Interaction" i WHERE i."dealId" = d."id" AND i."workspaceId" = ${workspaceId}
          AND i."occurredAt" <= d."endAt" AND i."occurredAt" > d."endAt" - interval '14 days')::int AS recent
      FROM d JOIN "Stage" os ON os."id" = d."openStageId" AND NOT os."isWon" AND NOT os."isLost"`;
  }

  /** Fits a new model on the closed deals (or, with fit false, re-applies the latest stored one) and scores open deals. */
  async refit(workspaceId: string, now = new Date(), opts: { fit?: boolean } = {}): Promise<RefitResult> {
    const rows = await this.facts(workspaceId, now);
    const closed = rows.filter((r) => r.closed).sort((a, b) => a.endAt.getTime() - b.endAt.getTime());
    const open = rows.filter((r) => !r.closed);
    const owners = new Map<string, { won: number; closed: number }>();
    for (const r of closed)
      if (r.ownerId) {
        const o = owners.get(r.ownerId) ?? { won: 0, closed: 0 };
        o.closed++;
        if (r.won) o.won++;
        owners.set(r.ownerId, o);
      }
    const toFacts = (r: FactRow): DealFacts => {
      const o = r.ownerId ? owners.get(r.ownerId) : undefined;
      // leave the deal's own outcome out of its owner's rate
      const rate = o ? smoothedRate(o.won - (r.closed && r.won ? 1 : 0), o.closed - (r.closed ? 1 : 0)) : 0.5;
      return {
        stage: r.stage,
        daysInStage: (r.endAt.getTime() - r.stageEnteredAt.getTime()) / DAY,
        ageDays: (r.endAt.getTime() - r.createdAt.getTime()) / DAY,
        amount: r.amount,
        recentInteractions: r.recent,
        ownerWinRate: rate,
      };
    };
    let model: StoredModel | null = null;
    let sampleSize = closed.length;
    let metrics: RefitResult["metrics"];
    if (opts.fit === false) {
      const last = await this.latest(workspaceId);
      if (last) {
        model = last.coefficients as unknown as StoredModel;
        sampleSize = last.sampleSize;
      }
    }
    // no stored model yet (or a refit): fit one as soon as there is enough history
    if (!model && closed.length >= MIN_CLOSED) {
      const stages = [...new Set(rows.map((r) => r.stage))].sort();
      const space: FeatureSpace = { stages };
      const x = closed.map((r) => featuresOf(space, toFacts(r)));
      const y = closed.map((r) => (r.won ? 1 : 0));
      // held-out check on the newest fifth (time-ordered), then the stored model uses every closed deal
      const cut = Math.floor(closed.length * 0.8);
      const holdout = fitLogistic(x.slice(0, cut), y.slice(0, cut));
      const p = x.slice(cut).map((row) => predictLogistic(holdout, row));
      const yt = y.slice(cut);
      metrics = {
        brier: brier(p, yt),
        baselineBrier: brier(
          closed.slice(cut).map((r) => r.probability / 100),
          yt,
        ),
        auc: auc(p, yt),
      };
      model = { ...fitLogistic(x, y), stages, names: featureNames(space) };
      await this.db.winModel.create({ data: { workspaceId, sampleSize, coefficients: model as object, metrics } });
    }
    if (!model) {
      await this.writeFallback(workspaceId, open, closed.length);
      return { fitted: false, closed: closed.length, openDeals: open.length };
    }
    const m = model;
    const scored = open.map((r) => {
      const facts = toFacts(r);
      const row = featuresOf({ stages: m.stages }, facts);
      const c = contributions(m, row);
      const reasons: WinReason[] = c
        .map((effect, j) => ({ j, effect }))
        .filter((e) => Math.abs(e.effect) > 0.01)
        .sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect))
        .slice(0, 3)
        .map((e) => ({ label: describeFeature(m.names[e.j], facts), effect: Math.round(e.effect * 100) / 100 }));
      return { id: r.id, probability: predictLogistic(m, row), reasons: { source: "model", sampleSize, reasons } };
    });
    await this.write(workspaceId, scored);
    return { fitted: true, closed: closed.length, openDeals: open.length, metrics };
  }

  private async writeFallback(workspaceId: string, open: FactRow[], closedCount: number) {
    await this.write(
      workspaceId,
      open.map((r) => ({
        id: r.id,
        probability: r.probability / 100,
        reasons: { source: "stage", sampleSize: closedCount, reasons: [{ label: `stage ${r.stage} probability`, effect: 0 }] },
      })),
    );
  }

  private async write(workspaceId: string, rows: { id: string; probability: number; reasons: object }[]) {
    for (let i = 0; i < rows.length; i += 500) {
      const batch = rows.slice(i, i + 500);
      await this.db.$executeRaw`
        UPDATE "Deal" d SET "winProbability" = v.p, "winReasons" = v.r::jsonb
        FROM (SELECT unnest(${batch.map((r) => r.id)}::text[]) AS id, unnest(${batch.map((r) => r.probability)}::float8[]) AS p,
          unnest(${batch.map((r) => JSON.stringify(r.reasons))}::text[]) AS r) v
        WHERE d."id" = v.id AND d."workspaceId" = ${workspaceId}`;
    }
  }

  async latest(workspaceId: string) {
    return this.db.winModel.findFirst({ where: { workspaceId }, orderBy: { fittedAt: "desc" } });
  }
}

/** For `deal show`: "62% (model, 48 closed deals): in proposal +0.8, …" or the stage fallback. */
export function describeWin(p: number | null, reasons: unknown): { value: string; detail?: string } | null {
  if (p == null) return null;
  const r = reasons as { source?: string; sampleSize?: number; reasons?: WinReason[] } | null;
  const pct = `${Math.round(p * 100)}%`;
  if (r?.source === "stage")
    return {
      value: `${pct} (stage probability)`,
      detail: `Only ${r.sampleSize ?? 0} closed deals; a fitted model needs ${MIN_CLOSED}, so this is the stage's probability.`,
    };
  const why = (r?.reasons ?? []).map((x) => `${x.label} ${x.effect >= 0 ? "+" : ""}${x.effect.toFixed(2)}`).join(", ");
  return { value: `${pct} (model of ${r?.sampleSize ?? "?"} closed deals)`, detail: why ? `Why: ${why}` : undefined };
}
