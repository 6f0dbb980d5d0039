// The digest of a workspace for a period: pipeline, deal flow, velocity, forecast, stalled deals,
// support, activity, the leaderboard and campaign results. The SQL in digestQueries.ts does every sum;
// this file runs those queries side by side and names their rows.
import { healthOf } from "../health/accountHealth.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { NotFoundError } from "../../errors.ts";
import * as q from "./digestQueries.ts";
import { periodFor, type Period, type PeriodName } from "./period.ts";
import type { Reply } from "../../reply/reply.ts";

export interface Change {
  cur: number;
  prev: number;
}
export interface MoneyChange {
  currency: string;
  cur: string;
  prev: string;
}
export interface DealFlow {
  count: Change;
  amounts: MoneyChange[];
}

export interface Digest {
  workspace: string;
  period: Period;
  pipeline: {
    stage: string;
    probability: number;
    count: number;
    amounts: { currency: string; amount: string; weighted: string; count: number }[];
  }[];
  newDeals: DealFlow;
  won: DealFlow;
  lost: DealFlow;
  /** won / (won + lost) closed in the window, percent; null when nothing closed */
  winRate: { cur: number | null; prev: number | null };
  /** average days in a stage, over stays that ended in the window */
  velocity: { stage: string; cur: number | null; prev: number | null; moves: number }[];
  /** won so far + open weighted by stage probability with expected close before the period's end */
  forecast: { currency: string; won: string; weighted: string; deals: number; total: string }[];
  stalled: { days: number; count: number; top: { key: string; title: string; amount: string; currency: string; idleDays: number }[] };
  tickets: {
    opened: Change;
    resolved: Change;
    breached: Change;
    firstResponseS: { cur: number | null; prev: number | null };
    resolutionS: { cur: number | null; prev: number | null };
  };
  interactions: { total: Change; byKind: ({ kind: string } & Change)[] };
  leaderboard: { name: string; wonDeals: number; won: { currency: string; amount: string }[]; interactions: number }[];
  /** null when the workspace has no campaigns */
  campaigns: { sent: Change; failed: Change } | null;
  /** open deals closing in the period weighted by the fitted win model (stage probability where none) */
  predicted: { currency: string; total: string; modelled: number; deals: number }[];
  /** customer ratings answered in the window, per agent */
  csat: { name: string; answers: number; average: number }[];
  /** accounts judged "at risk" by account health, among those whose tickets flag them (top 5) */
  atRisk: { key: string; name: string; reasons: string[] }[];
}

/** Draws a digest as a message (src/commands/digestReply.ts, handed in by src/app.ts): the domain computes, commands draw. */
export type DigestRenderer = (d: Digest, opts: { chart: boolean; ephemeral: boolean }) => Promise<Reply>;

/** The part of a digest its pipeline chart draws, known before the slower sections are summed. */
export type DigestPipeline = Pick<Digest, "workspace" | "pipeline">;

const KINDS = ["call", "email", "meeting", "note", "chat"];

function flow(rows: q.FlowRow[], metric: q.FlowRow["metric"]): DealFlow {
  const mine = rows.filter((r) => r.metric === metric);
  const count = (b: q.Bucket) => mine.find((r) => r.b === b && r.currency === null)?.n ?? 0;
  const currencies = [...new Set(mine.flatMap((r) => (r.currency === null ? [] : [r.currency])))].sort();
  return {
    count: { cur: count("cur"), prev: count("prev") },
    amounts: currencies
      .map((currency) => ({
        currency,
        cur: mine.find((r) => r.currency === currency && r.b === "cur")?.amount ?? "0.00",
        prev: mine.find((r) => r.currency === currency && r.b === "prev")?.amount ?? "0.00",
      }))
      .sort((a, b) => Number(b.cur) - Number(a.cur) || a.currency.localeCompare(b.currency)),
  };
}

/** Open pipeline per stage: its deal count and, per currency, amount and weighted amount. */
function pipelineRows(stages: q.StageRow[]): Digest["pipeline"] {
  const pipeline: Digest["pipeline"] = [];
  for (const r of stages) {
    let row = pipeline.find((x) => x.stage === r.name);
    if (!row) pipeline.push((row = { stage: r.name, probability: r.probability, count: 0, amounts: [] }));
    if (!r.currency) {
      row.count = r.n;
      continue;
    }
    row.amounts.push({ currency: r.currency, amount: r.amount ?? "0.00", weighted: r.weighted ?? "0.00", count: r.n });
  }
  return pipeline;
}

const rate = (won: number, lost: number) => (won + lost ? Math.round((won / (won + lost)) * 1000) / 10 : null);

export class DigestService {
  constructor(private db: PrismaClient) {}

  /** early: told the pipeline as soon as it is read (the chart can be drawn while the other sections are summed) */
  async build(workspaceId: string, period: Period | PeriodName = "today", early?: (part: DigestPipeline) => void): Promise<Digest> {
    const p = typeof period === "string" ? periodFor(period) : period;
    const b = q.boundsFor(workspaceId, p);
    // the workspace is read beside the figures: only the stalled deals wait for it (its stalledDays)
    const workspace = Promise.resolve(
      this.db.workspace.findUnique({ where: { id: workspaceId }, select: { name: true, stalledDays: true } }),
    );
    // the longest statements first: more statements than pool connections, and the last ones queue
    const pipelineAndForecast = q.pipelineAndForecast(this.db, b);
    if (early)
      void Promise.all([workspace, pipelineAndForecast]).then(
        ([w, pf]) => w && early({ workspace: w.name, pipeline: pipelineRows(pf.stages) }),
        () => undefined, // build() reports it
      );
    const [ws, candidates, pf, predicted, stalled, vel, flows, tickets, kinds, leaders, camp, csat] = await Promise.all([
      workspace,
      q.riskCandidates(this.db, b),
      pipelineAndForecast,
      q.predictedForecast(this.db, b),
      workspace.then((w) => (w ? q.stalled(this.db, b, w.stalledDays) : [])),
      q.velocity(this.db, b),
      q.dealFlows(this.db, b),
      q.tickets(this.db, b),
      q.interactionKinds(this.db, b),
      q.leaderboard(this.db, b),
      q.campaigns(this.db, b),
      q.csatByAgent(this.db, b),
    ]);
    if (!ws) throw new NotFoundError("No such workspace.");
    const atRisk = candidates
      .map((c) => ({ c, health: healthOf(c, p.now) }))
      .filter((x) => x.health.status === "at risk")
      .slice(0, 5)
      .map(({ c, health }) => ({ key: `A-${c.number}`, name: c.name, reasons: health.reasons }));

    const stageNames = new Map(pf.stages.map((s) => [s.stage_id, s.name]));
    const pipeline = pipelineRows(pf.stages);
    const newDeals = flow(flows, "new"),
      won = flow(flows, "won"),
      lost = flow(flows, "lost");
    const t = (bk: q.Bucket) => tickets.find((r) => r.b === bk);
    const k = (kind: string | null, bk: q.Bucket) => kinds.find((r) => r.kind === kind && r.b === bk)?.n ?? 0;
    const c = (bk: q.Bucket) => camp.find((r) => r.b === bk);
    const v = (id: string, bk: q.Bucket) => vel.find((r) => r.stage_id === id && r.b === bk);

    return {
      workspace: ws.name,
      period: p,
      pipeline,
      newDeals,
      won,
      lost,
      winRate: { cur: rate(won.count.cur, lost.count.cur), prev: rate(won.count.prev, lost.count.prev) },
      velocity: pf.stages
        .filter((s, i, all) => all.findIndex((x) => x.stage_id === s.stage_id) === i)
        .map((s) => ({
          stage: stageNames.get(s.stage_id)!,
          cur: v(s.stage_id, "cur")?.days ?? null,
          prev: v(s.stage_id, "prev")?.days ?? null,
          moves: v(s.stage_id, "cur")?.n ?? 0,
        })),
      forecast: pf.forecast,
      stalled: {
        days: ws.stalledDays,
        count: stalled[0]?.total ?? 0,
        top: stalled
          .filter((r) => r.number !== null)
          .map((r) => ({ key: `D-${r.number}`, title: r.title!, amount: r.amount!, currency: r.currency!, idleDays: r.idle_days ?? 0 })),
      },
      tickets: {
        opened: { cur: t("cur")?.opened ?? 0, prev: t("prev")?.opened ?? 0 },
        resolved: { cur: t("cur")?.resolved ?? 0, prev: t("prev")?.resolved ?? 0 },
        breached: { cur: t("cur")?.breached ?? 0, prev: t("prev")?.breached ?? 0 },
        firstResponseS: { cur: t("cur")?.first_response_s ?? null, prev: t("prev")?.first_response_s ?? null },
        resolutionS: { cur: t("cur")?.resolution_s ?? null, prev: t("prev")?.resolution_s ?? null },
      },
      interactions: {
        total: { cur: k(null, "cur"), prev: k(null, "prev") },
        byKind: KINDS.map((kind) => ({ kind, cur: k(kind, "cur"), prev: k(kind, "prev") })).filter((x) => x.cur || x.prev),
      },
      leaderboard: leaders.map((r) => ({ name: r.name, wonDeals: r.won_deals, won: r.won ?? [], interactions: r.interactions })),
      campaigns: camp.length
        ? {
            sent: { cur: c("cur")?.sent ?? 0, prev: c("prev")?.sent ?? 0 },
            failed: { cur: c("cur")?.failed ?? 0, prev: c("prev")?.failed ?? 0 },
          }
        : null,
      predicted,
      csat,
      atRisk,
    };
  }
}
