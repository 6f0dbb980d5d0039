// The digest's SQL. Every figure is aggregated in PostgreSQL (one round trip per query, run side by
// side); Node only receives the grouped rows. Each query is scoped by workspace and takes the period's
// bounds as parameters: "cur" is [start, now), "prev" the same stretch of the previous period.
// Amounts travel as decimal text, durations as seconds, counts as int.
import { Prisma, type PrismaClient } from "../../generated/prisma/client.ts";
import type { Period } from "./period.ts";

type Db = Pick<PrismaClient, "$queryRaw">;
export type Bucket = "cur" | "prev";

export interface Bounds { ws: string; cs: Date; now: Date; ps: Date; pe: Date; end: Date; stalledCutoff: Date }

export const boundsFor = (ws: string, p: Period, stalledDays: number): Bounds => ({
  ws, cs: p.start, now: p.now, ps: p.prevStart, pe: p.prevEnd, end: p.end,
  stalledCutoff: new Date(p.now.getTime() - stalledDays * 86_400_000),
});

/** col in either window, and which one */
const inWindows = (col: Prisma.Sql, b: Bounds) =>
  Prisma.sql`((${col} >= ${b.cs}::timestamp AND ${col} < ${b.now}::timestamp) OR (${col} >= ${b.ps}::timestamp AND ${col} < ${b.pe}::timestamp))`;
const bucket = (col: Prisma.Sql, b: Bounds) => Prisma.sql`(CASE WHEN ${col} >= ${b.cs}::timestamp THEN 'cur' ELSE 'prev' END)`;

export interface StageRow { stage_id: string; name: string; position: number; probability: number; currency: string | null; n: number; amount: string | null; weighted: string | null }
export interface ForecastRow { currency: string; won: string; weighted: string; deals: number; total: string }

/**
 * Open pipeline now: per open stage of the default pipeline a total row (currency null; also for empty
 * stages) and a row per currency; then the forecast to the period's end per currency. Deals are summed per
 * stage first and weighted after (a stage has one probability), so no per-row multiplication.
 */
export async function pipelineAndForecast(db: Db, b: Bounds): Promise<{ stages: StageRow[]; forecast: ForecastRow[] }> {
  const closes = Prisma.sql`d."expectedCloseAt" >= ${b.cs}::timestamp AND d."expectedCloseAt" < ${b.end}::timestamp`;
  const rows = await db.$queryRaw<(StageRow & { kind: "stage" } | ForecastRow & { kind: "forecast" })[]>`
    WITH st AS MATERIALIZED (
      SELECT s.id, s.name, s.position, s.probability FROM "Stage" s JOIN "Pipeline" p ON p.id = s."pipelineId" AND p."isDefault"
      WHERE s."workspaceId" = ${b.ws} AND NOT s."isWon" AND NOT s."isLost"),
    agg AS (
      SELECT d."stageId", trim(d.currency) AS currency, count(*)::int AS n, sum(d.amount) AS amount,
             count(*) FILTER (WHERE ${closes})::int AS fn, coalesce(sum(d.amount) FILTER (WHERE ${closes}), 0) AS famount
      FROM "Deal" d
      WHERE d."workspaceId" = ${b.ws} AND d."stageId" IN (SELECT id FROM st)
      GROUP BY 1, 2),
    won AS (
      SELECT trim(d.currency) AS currency, sum(d.amount) AS amount
      FROM "Deal" d JOIN "Stage" s ON s.id = d."stageId" AND s."isWon"
      WHERE d."workspaceId" = ${b.ws} AND d."closedAt" >= ${b.cs}::timestamp AND d."closedAt" < ${b.now}::timestamp
      GROUP BY 1),
    fc AS (
      SELECT a.currency, sum(a.fn)::int AS deals, sum(a.famount * st.probability / 100.0) AS weighted
      FROM agg a JOIN st ON st.id = a."stageId" GROUP BY 1)
    SELECT 'stage' AS kind, st.id AS stage_id, st.name, st.position, st.probability, NULL AS currency,
           coalesce((SELECT sum(n) FROM agg WHERE agg."stageId" = st.id), 0)::int AS n,
           NULL AS amount, NULL AS weighted, NULL AS won, NULL::int AS deals, NULL AS total, NULL::numeric AS ord
    FROM st
    UNION ALL
    SELECT 'stage', st.id, st.name, st.position, st.probability, a.currency, a.n,
           round(a.amount, 2)::text, round(a.amount * st.probability / 100.0, 2)::text, NULL, NULL, NULL, a.amount
    FROM agg a JOIN st ON st.id = a."stageId"
    UNION ALL
    SELECT 'forecast', NULL, NULL, NULL, NULL, coalesce(fc.currency, won.currency), NULL, NULL,
           round(coalesce(fc.weighted, 0), 2)::text, round(coalesce(won.amount, 0), 2)::text, coalesce(fc.deals, 0),
           round(coalesce(won.amount, 0) + coalesce(fc.weighted, 0), 2)::text, coalesce(won.amount, 0) + coalesce(fc.weighted, 0)
    FROM fc FULL JOIN won ON won.currency = fc.currency
    WHERE coalesce(won.amount, 0) + coalesce(fc.weighted, 0) > 0
    ORDER BY 1 DESC, 4, ord DESC NULLS FIRST`;
  return {
    stages: rows.filter((r) => r.kind === "stage") as StageRow[],
    forecast: rows.filter((r) => r.kind === "forecast").map((r) => {
      const f = r as ForecastRow;
      return { currency: f.currency, won: f.won, weighted: f.weighted, deals: f.deals, total: f.total };
    }),
  };
}

export interface FlowRow { metric: "new" | "won" | "lost"; b: Bucket; /** null: all currencies (count only) */ currency: string | null; n: number; amount: string }

/** New deals (by createdAt), won and lost (by closedAt) in both windows, per currency and in all. */
export function dealFlows(db: Db, b: Bounds): Promise<FlowRow[]> {
  return db.$queryRaw<FlowRow[]>`
    SELECT metric, b, currency, count(*)::int AS n, round(sum(amount), 2)::text AS amount
    FROM (
      SELECT 'new' AS metric, ${bucket(Prisma.sql`d."createdAt"`, b)} AS b, trim(d.currency) AS currency, d.amount
      FROM "Deal" d
      WHERE d."workspaceId" = ${b.ws} AND ${inWindows(Prisma.sql`d."createdAt"`, b)}
      UNION ALL
      SELECT CASE WHEN s."isWon" THEN 'won' ELSE 'lost' END, ${bucket(Prisma.sql`d."closedAt"`, b)}, trim(d.currency), d.amount
      FROM "Deal" d JOIN "Stage" s ON s.id = d."stageId" AND (s."isWon" OR s."isLost")
      WHERE d."workspaceId" = ${b.ws} AND ${inWindows(Prisma.sql`d."closedAt"`, b)}) x
    GROUP BY GROUPING SETS ((metric, b, currency), (metric, b))`;
}

export interface VelocityRow { stage_id: string; b: Bucket; days: number; n: number }

/**
 * Average days a deal stayed in a stage, over the stays that ended in each window: a stage change's
 * time minus the deal's previous change (lag over the deal's history), grouped by the stage it left.
 */
export function velocity(db: Db, b: Bounds): Promise<VelocityRow[]> {
  return db.$queryRaw<VelocityRow[]>`
    WITH moved AS (
      SELECT DISTINCT "dealId" FROM "DealStageChange"
      WHERE "workspaceId" = ${b.ws} AND "fromStageId" IS NOT NULL AND ${inWindows(Prisma.sql`at`, b)}),
    stays AS (
      SELECT c."fromStageId", c.at, c.at - lag(c.at) OVER (PARTITION BY c."dealId" ORDER BY c.at) AS dwell
      FROM "DealStageChange" c JOIN moved m ON m."dealId" = c."dealId"
      WHERE c."workspaceId" = ${b.ws} AND c.at < ${b.now}::timestamp)
    SELECT "fromStageId" AS stage_id, ${bucket(Prisma.sql`at`, b)} AS b,
           (avg(extract(epoch FROM dwell)) / 86400)::float8 AS days, count(*)::int AS n
    FROM stays
    WHERE "fromStageId" IS NOT NULL AND dwell IS NOT NULL AND ${inWindows(Prisma.sql`at`, b)}
    GROUP BY 1, 2`;
}

export interface StalledRow { total: number; number: number | null; title: string | null; amount: string | null; currency: string | null; idle_days: number | null }

/**
 * Open deals with no interaction and no stage move since the cutoff: how many, and the five largest.
 * The deals touched since the cutoff come from the interaction index alone, then one hash anti-join.
 */
export function stalled(db: Db, b: Bounds): Promise<StalledRow[]> {
  return db.$queryRaw<StalledRow[]>`
    WITH touched AS MATERIALIZED (
      SELECT DISTINCT "dealId" FROM "Interaction"
      WHERE "workspaceId" = ${b.ws} AND "occurredAt" >= ${b.stalledCutoff}::timestamp AND "dealId" IS NOT NULL),
    s AS MATERIALIZED (
      SELECT d.id, d.number, d.title, d.amount, d.currency, d."stageEnteredAt"
      FROM "Deal" d JOIN "Stage" st ON st.id = d."stageId" AND NOT st."isWon" AND NOT st."isLost"
      WHERE d."workspaceId" = ${b.ws} AND d."stageEnteredAt" < ${b.stalledCutoff}::timestamp
        AND NOT EXISTS (SELECT 1 FROM touched t WHERE t."dealId" = d.id)),
    top AS (SELECT * FROM s ORDER BY amount DESC, number LIMIT 5)
    SELECT (SELECT count(*) FROM s)::int AS total, t.number, t.title, round(t.amount, 2)::text AS amount, trim(t.currency) AS currency,
           floor(extract(epoch FROM ${b.now}::timestamp - greatest(t."stageEnteredAt",
             (SELECT max(i."occurredAt") FROM "Interaction" i WHERE i."dealId" = t.id))) / 86400)::int AS idle_days
    FROM (SELECT 1) one LEFT JOIN top t ON true
    ORDER BY t.amount DESC NULLS LAST, t.number`;
}

export interface TicketRow { metric: "opened" | "resolved" | "first_response"; b: Bucket; n: number; breached: number | null; median_s: number | null }

/**
 * Tickets opened (and of those, how many missed their SLA), resolved, and first responses in each window,
 * with the median first-response and resolution times (wall clock from opening).
 */
export function tickets(db: Db, b: Bounds): Promise<TicketRow[]> {
  return db.$queryRaw<TicketRow[]>`
    SELECT 'opened' AS metric, ${bucket(Prisma.sql`t."createdAt"`, b)} AS b, count(*)::int AS n,
           count(*) FILTER (WHERE t.breached OR t."firstResponseAt" > t."firstResponseDueAt" OR t."resolvedAt" > t."resolutionDueAt"
             OR (t.status = 'open' AND ((t."firstResponseAt" IS NULL AND t."firstResponseDueAt" < ${b.now}::timestamp) OR t."resolutionDueAt" < ${b.now}::timestamp))
             OR (t.status = 'waiting' AND ((t."firstResponseAt" IS NULL AND t."firstResponseDueAt" < t."waitingSince") OR t."resolutionDueAt" < t."waitingSince")))::int AS breached,
           NULL::float8 AS median_s
    FROM "Ticket" t WHERE t."workspaceId" = ${b.ws} AND ${inWindows(Prisma.sql`t."createdAt"`, b)}
    GROUP BY 2
    UNION ALL
    SELECT 'resolved', ${bucket(Prisma.sql`t."resolvedAt"`, b)}, count(*)::int, NULL,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t."resolvedAt" - t."createdAt"))::float8
    FROM "Ticket" t WHERE t."workspaceId" = ${b.ws} AND ${inWindows(Prisma.sql`t."resolvedAt"`, b)}
    GROUP BY 2
    UNION ALL
    SELECT 'first_response', ${bucket(Prisma.sql`t."firstResponseAt"`, b)}, count(*)::int, NULL,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t."firstResponseAt" - t."createdAt"))::float8
    FROM "Ticket" t WHERE t."workspaceId" = ${b.ws} AND ${inWindows(Prisma.sql`t."firstResponseAt"`, b)}
    GROUP BY 2`;
}

export interface KindRow { b: Bucket; /** null: all kinds */ kind: string | null; n: number }

/** Interactions per kind, and in all, in both windows. */
export function interactionKinds(db: Db, b: Bounds): Promise<KindRow[]> {
  return db.$queryRaw<KindRow[]>`
    SELECT b, kind, count(*)::int AS n
    FROM (SELECT ${bucket(Prisma.sql`"occurredAt"`, b)} AS b, kind::text AS kind FROM "Interaction"
          WHERE "workspaceId" = ${b.ws} AND ${inWindows(Prisma.sql`"occurredAt"`, b)}) x
    GROUP BY GROUPING SETS ((b, kind), (b))`;
}

export interface LeaderRow { name: string; won_deals: number; won: { currency: string; amount: string }[] | null; interactions: number }

/**
 * The five members with the most won (in the period's leading currency), then most interactions.
 */
export function leaderboard(db: Db, b: Bounds): Promise<LeaderRow[]> {
  return db.$queryRaw<LeaderRow[]>`
    WITH won AS (
      SELECT d."ownerId" AS id, trim(d.currency) AS currency, count(*) AS n, sum(d.amount) AS amount
      FROM "Deal" d JOIN "Stage" s ON s.id = d."stageId" AND s."isWon"
      WHERE d."workspaceId" = ${b.ws} AND d."ownerId" IS NOT NULL AND d."closedAt" >= ${b.cs}::timestamp AND d."closedAt" < ${b.now}::timestamp
      GROUP BY 1, 2),
    lead AS (SELECT currency FROM won GROUP BY 1 ORDER BY sum(amount) DESC, 1 LIMIT 1),
    per AS (
      SELECT id, sum(n)::int AS deals, json_agg(json_build_object('currency', currency, 'amount', round(amount, 2)::text) ORDER BY amount DESC) AS won,
             coalesce(sum(amount) FILTER (WHERE currency = (SELECT currency FROM lead)), 0) AS rank_amount
      FROM won GROUP BY 1),
    acts AS (
      SELECT "authorId" AS id, count(*)::int AS n FROM "Interaction"
      WHERE "workspaceId" = ${b.ws} AND "authorId" IS NOT NULL AND "occurredAt" >= ${b.cs}::timestamp AND "occurredAt" < ${b.now}::timestamp
      GROUP BY 1)
    SELECT m.name, coalesce(per.deals, 0) AS won_deals, per.won, coalesce(acts.n, 0) AS interactions
    FROM "Member" m LEFT JOIN per ON per.id = m.id LEFT JOIN acts ON acts.id = m.id
    WHERE m."workspaceId" = ${b.ws} AND (per.id IS NOT NULL OR acts.id IS NOT NULL)
    ORDER BY coalesce(per.rank_amount, 0) DESC, coalesce(per.deals, 0) DESC, coalesce(acts.n, 0) DESC, m.name
    LIMIT 5`;
}

export interface CampaignRow { b: Bucket | null; sent: number; failed: number }

/** Campaign messages sent (sentAt) and failed (last attempt) in each window; no rows when the workspace has no campaigns. */
export function campaigns(db: Db, b: Bounds): Promise<CampaignRow[]> {
  return db.$queryRaw<CampaignRow[]>`
    WITH y AS (
      SELECT r.status::text AS status, CASE WHEN r.status = 'sent' THEN r."sentAt" ELSE r."claimedAt" END AS at
      FROM "CampaignRecipient" r
      WHERE r."workspaceId" = ${b.ws} AND r.status IN ('sent', 'failed'))
    SELECT ${bucket(Prisma.sql`at`, b)} AS b, count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status = 'failed')::int AS failed
    FROM y WHERE ${inWindows(Prisma.sql`at`, b)} AND EXISTS (SELECT 1 FROM "Campaign" c WHERE c."workspaceId" = ${b.ws})
    GROUP BY 1
    UNION ALL
    SELECT NULL, 0, 0 WHERE EXISTS (SELECT 1 FROM "Campaign" c WHERE c."workspaceId" = ${b.ws})`;
}
