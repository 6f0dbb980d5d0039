// The digest's SQL. Every figure is aggregated in PostgreSQL (one round trip per query, run side by
// side); Node only receives the grouped rows. Each query is scoped by workspace and takes the period's
// bounds as parameters: "cur" is [start, now), "prev" the same stretch of the previous period.
// Amounts travel as decimal text, durations as seconds, counts as int.
import { Prisma, type PrismaClient } from "../../generated/prisma/client.ts";
import type { Period } from "./period.ts";
import { HEALTH_FACTS, type HealthRow } from "../health/accountHealth.ts";

type Db = Pick<PrismaClient, "$queryRaw">;
export type Bucket = "cur" | "prev";

export interface Bounds {
  ws: string;
  cs: Date;
  now: Date;
  ps: Date;
  pe: Date;
  end: Date;
}

export const boundsFor = (ws: string, p: Period): Bounds => ({ ws, cs: p.start, now: p.now, ps: p.prevStart, pe: p.prevEnd, end: p.end });

/** col in either window (for rows already at hand), and which one */
const inWindows = (col: Prisma.Sql, b: Bounds) =>
  Prisma.sql`((${col} >= ${b.cs}::timestamp AND ${col} < ${b.now}::timestamp) OR (${col} >= ${b.ps}::timestamp AND ${col} < ${b.pe}::timestamp))`;
const bucket = (col: Prisma.Sql, b: Bounds) => Prisma.sql`(CASE WHEN ${col} >= ${b.cs}::timestamp THEN 'cur' ELSE 'prev' END)`;

/**
 * The two windows as rows w(b, lo, hi), for `CROSS JOIN LATERAL (… WHERE col >= w.lo AND col < w.hi)`:
 * one small index range scan per window (index-only where the index covers the columns), never a bitmap
 * scan over an OR, and no parallel workers started for a few milliseconds of work.
 */
const windows = (b: Bounds) =>
  Prisma.sql`(VALUES ('cur'::text, ${b.cs}::timestamp, ${b.now}::timestamp), ('prev'::text, ${b.ps}::timestamp, ${b.pe}::timestamp)) AS w(b, lo, hi)`;

/** The same scan once per window, glued with UNION ALL (for a scan used inside another expression). */
function perWindow(b: Bounds, scan: (from: Prisma.Sql, to: Prisma.Sql, bucket: Prisma.Sql) => Prisma.Sql): Prisma.Sql {
  return Prisma.sql`${scan(Prisma.sql`${b.cs}::timestamp`, Prisma.sql`${b.now}::timestamp`, Prisma.sql`'cur'::text`)}
    UNION ALL ${scan(Prisma.sql`${b.ps}::timestamp`, Prisma.sql`${b.pe}::timestamp`, Prisma.sql`'prev'::text`)}`;
}

export interface StageRow {
  stage_id: string;
  name: string;
  position: number;
  probability: number;
  currency: string | null;
  n: number;
  amount: string | null;
  weighted: string | null;
}
export interface ForecastRow {
  currency: string;
  won: string;
  weighted: string;
  deals: number;
  total: string;
}

/**
 * Open pipeline now: per open stage of the default pipeline a total row (currency null; also for empty
 * stages) and a row per currency; then the forecast to the period's end per currency. Deals are summed per
 * stage first and weighted after (a stage has one probability), so no per-row multiplication.
 */
export async function pipelineAndForecast(db: Db, b: Bounds): Promise<{ stages: StageRow[]; forecast: ForecastRow[] }> {
  const closes = Prisma.sql`d."expectedCloseAt" >= ${b.cs}::timestamp AND d."expectedCloseAt" < ${b.end}::timestamp`;
  const rows = await db.$queryRaw<((StageRow & { kind: "stage" }) | (ForecastRow & { kind: "forecast" }))[]>`
    WITH st AS MATERIALIZED (
      SELECT s.id, s.name, s.position, s.probability FROM "Stage" s JOIN "Pipeline" p ON p.id = s."pipelineId" AND p."isDefault"
      WHERE s."workspaceId" = ${b.ws} AND NOT s."isWon" AND NOT s."isLost"),
    agg AS (
      SELECT d."stageId", d.currency, count(*)::int AS n, sum(d.amount) AS amount,
             count(*) FILTER (WHERE ${closes})::int AS fn, coalesce(sum(d.amount) FILTER (WHERE ${closes}), 0) AS famount
      FROM "Deal" d
      WHERE d."workspaceId" = ${b.ws} AND d."archivedAt" IS NULL AND d."stageId" IN (SELECT id FROM st)
      GROUP BY 1, 2),
    won AS (
      SELECT d.currency, sum(d.amount) AS amount
      FROM "Deal" d JOIN "Stage" s ON s.id = d."stageId" AND s."isWon"
      WHERE d."workspaceId" = ${b.ws} AND d."archivedAt" IS NULL AND d."closedAt" >= ${b.cs}::timestamp AND d."closedAt" < ${b.now}::timestamp
      GROUP BY 1),
    fc AS (
      SELECT a.currency, sum(a.fn)::int AS deals, sum(a.famount * st.probability / 100.0) AS weighted
      FROM agg a JOIN st ON st.id = a."stageId" GROUP BY 1)
    SELECT 'stage' AS kind, st.id AS stage_id, st.name, st.position, st.probability, NULL AS currency,
           coalesce((SELECT sum(n) FROM agg WHERE agg."stageId" = st.id), 0)::int AS n,
           NULL AS amount, NULL AS weighted, NULL AS won, NULL::int AS deals, NULL AS total, NULL::numeric AS ord
    FROM st
    UNION ALL
    SELECT 'stage', st.id, st.name, st.position, st.probability, trim(a.currency), a.n,
           round(a.amount, 2)::text, round(a.amount * st.probability / 100.0, 2)::text, NULL, NULL, NULL, a.amount
    FROM agg a JOIN st ON st.id = a."stageId"
    UNION ALL
    SELECT 'forecast', NULL, NULL, NULL, NULL, trim(coalesce(fc.currency, won.currency)), NULL, NULL,
           round(coalesce(fc.weighted, 0), 2)::text, round(coalesce(won.amount, 0), 2)::text, coalesce(fc.deals, 0),
           round(coalesce(won.amount, 0) + coalesce(fc.weighted, 0), 2)::text, coalesce(won.amount, 0) + coalesce(fc.weighted, 0)
    FROM fc FULL JOIN won ON won.currency = fc.currency
    WHERE coalesce(won.amount, 0) + coalesce(fc.weighted, 0) > 0
    ORDER BY 1 DESC, 4, ord DESC NULLS FIRST`;
  return {
    stages: rows.filter((r) => r.kind === "stage") as StageRow[],
    forecast: rows
      .filter((r) => r.kind === "forecast")
      .map((r) => {
        const f = r as ForecastRow;
        return { currency: f.currency, won: f.won, weighted: f.weighted, deals: f.deals, total: f.total };
      }),
  };
}

export interface FlowRow {
  metric: "new" | "won" | "lost";
  b: Bucket;
  /** null: all currencies (count only) */ currency: string | null;
  n: number;
  amount: string;
}

/** New deals (by createdAt), won and lost (by closedAt) in both windows, per currency and in all. */
export function dealFlows(db: Db, b: Bounds): Promise<FlowRow[]> {
  return db.$queryRaw<FlowRow[]>`
    WITH x AS (
      SELECT f.metric, w.b, f.currency, f.n, f.amount
      FROM ${windows(b)} CROSS JOIN LATERAL (
        SELECT metric, currency, count(*)::int AS n, sum(amount) AS amount
        FROM (SELECT 'new' AS metric, d.currency, d.amount
              FROM "Deal" d WHERE d."workspaceId" = ${b.ws} AND d."archivedAt" IS NULL AND d."createdAt" >= w.lo AND d."createdAt" < w.hi
              UNION ALL
              SELECT CASE WHEN s."isWon" THEN 'won' ELSE 'lost' END, d.currency, d.amount
              FROM "Deal" d JOIN "Stage" s ON s.id = d."stageId" AND (s."isWon" OR s."isLost")
              WHERE d."workspaceId" = ${b.ws} AND d."archivedAt" IS NULL AND d."closedAt" >= w.lo AND d."closedAt" < w.hi) r
        GROUP BY 1, 2) f)
    SELECT metric, b, trim(currency) AS currency, n, round(amount, 2)::text AS amount FROM x
    UNION ALL
    SELECT metric, b, NULL, sum(n)::int, NULL FROM x GROUP BY 1, 2`;
}

export interface VelocityRow {
  stage_id: string;
  b: Bucket;
  days: number;
  n: number;
}

/**
 * Average days a deal stayed in a stage, over the stays that ended in each window: a stage change's time
 * minus the deal's previous change (the latest one before it, one backward probe of the (dealId, at) index
 * per change), grouped by the stage it left. The changes of both windows are two index range scans.
 */
export function velocity(db: Db, b: Bounds): Promise<VelocityRow[]> {
  return db.$queryRaw<VelocityRow[]>`
    SELECT c."fromStageId" AS stage_id, c.b, (avg(extract(epoch FROM c.at - p.at)) / 86400)::float8 AS days, count(*)::int AS n
    FROM (${perWindow(
      b,
      (from, to, bucket) => Prisma.sql`
      SELECT "dealId", "fromStageId", at, ${bucket} AS b FROM "DealStageChange"
      WHERE "workspaceId" = ${b.ws} AND "fromStageId" IS NOT NULL AND at >= ${from} AND at < ${to}`,
    )}) c
    CROSS JOIN LATERAL (SELECT max(p.at) AS at FROM "DealStageChange" p WHERE p."dealId" = c."dealId" AND p.at < c.at) p
    WHERE p.at IS NOT NULL
    GROUP BY 1, 2`;
}

export interface StalledRow {
  total: number;
  number: number | null;
  title: string | null;
  amount: string | null;
  currency: string | null;
  idle_days: number | null;
}

/**
 * Open deals with no interaction and no stage move since the cutoff: how many, and the five largest.
 * The deals touched since the cutoff come from the interaction index alone; NOT IN over them is a hashed
 * subplan (their ids are never null), one probe per open deal. Only the five get their titles read.
 */
export function stalled(db: Db, b: Bounds, stalledDays: number): Promise<StalledRow[]> {
  const cutoff = Prisma.sql`${new Date(b.now.getTime() - stalledDays * 86_400_000)}::timestamp`;
  return db.$queryRaw<StalledRow[]>`
    WITH s AS MATERIALIZED (
      SELECT d.id, d.number, d.amount
      FROM "Deal" d JOIN "Stage" st ON st.id = d."stageId" AND NOT st."isWon" AND NOT st."isLost"
      WHERE d."workspaceId" = ${b.ws} AND d."archivedAt" IS NULL AND d."stageEnteredAt" < ${cutoff}
        AND d.id NOT IN (SELECT "dealId" FROM "Interaction"
                         WHERE "workspaceId" = ${b.ws} AND "occurredAt" >= ${cutoff} AND "dealId" IS NOT NULL)),
    top AS (SELECT id FROM s ORDER BY amount DESC, number LIMIT 5)
    SELECT (SELECT count(*) FROM s)::int AS total, d.number, d.title, round(d.amount, 2)::text AS amount, trim(d.currency) AS currency,
           floor(extract(epoch FROM ${b.now}::timestamp - greatest(d."stageEnteredAt",
             (SELECT max(i."occurredAt") FROM "Interaction" i WHERE i."dealId" = d.id))) / 86400)::int AS idle_days
    FROM (SELECT 1) one LEFT JOIN (top JOIN "Deal" d ON d.id = top.id) ON true
    ORDER BY d.amount DESC NULLS LAST, d.number`;
}

export interface TicketRow {
  b: Bucket;
  opened: number;
  breached: number;
  resolved: number;
  resolution_s: number | null;
  first_responses: number;
  first_response_s: number | null;
}

/**
 * Per window: tickets opened (and of those, how many missed their SLA), resolved, and first responses,
 * with the median first-response and resolution times (wall clock from opening). One row per window;
 * each figure is a small index range scan, run as lateral subqueries (no parallel workers to start).
 */
export function tickets(db: Db, b: Bounds): Promise<TicketRow[]> {
  const missed = Prisma.sql`t.breached OR t."firstResponseAt" > t."firstResponseDueAt" OR t."resolvedAt" > t."resolutionDueAt"
    OR (t.status = 'open' AND ((t."firstResponseAt" IS NULL AND t."firstResponseDueAt" < ${b.now}::timestamp) OR t."resolutionDueAt" < ${b.now}::timestamp))
    OR (t.status = 'waiting' AND ((t."firstResponseAt" IS NULL AND t."firstResponseDueAt" < t."waitingSince") OR t."resolutionDueAt" < t."waitingSince"))`;
  return db.$queryRaw<TicketRow[]>`
    SELECT w.b, o.opened, o.breached, r.resolved, r.resolution_s, f.first_responses, f.first_response_s
    FROM ${windows(b)}
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS opened, count(*) FILTER (WHERE ${missed})::int AS breached
      FROM "Ticket" t WHERE t."workspaceId" = ${b.ws} AND t."archivedAt" IS NULL AND t."createdAt" >= w.lo AND t."createdAt" < w.hi) o
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS resolved, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t."resolvedAt" - t."createdAt"))::float8 AS resolution_s
      FROM "Ticket" t WHERE t."workspaceId" = ${b.ws} AND t."archivedAt" IS NULL AND t."resolvedAt" >= w.lo AND t."resolvedAt" < w.hi) r
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS first_responses, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t."firstResponseAt" - t."createdAt"))::float8 AS first_response_s
      FROM "Ticket" t WHERE t."workspaceId" = ${b.ws} AND t."archivedAt" IS NULL AND t."firstResponseAt" >= w.lo AND t."firstResponseAt" < w.hi) f`;
}

export interface KindRow {
  b: Bucket;
  /** null: all kinds */ kind: string | null;
  n: number;
}

/** Interactions per kind, and in all, in both windows (index-only scans of the (workspace, time, kind…) index). */
export function interactionKinds(db: Db, b: Bounds): Promise<KindRow[]> {
  return db.$queryRaw<KindRow[]>`
    WITH k AS (
      SELECT w.b, x.kind, x.n FROM ${windows(b)} CROSS JOIN LATERAL (
        SELECT kind::text AS kind, count(*)::int AS n FROM "Interaction"
        WHERE "workspaceId" = ${b.ws} AND "occurredAt" >= w.lo AND "occurredAt" < w.hi
        GROUP BY kind) x)
    SELECT b, kind, n FROM k
    UNION ALL
    SELECT b, NULL, sum(n)::int FROM k GROUP BY b`;
}

export interface LeaderRow {
  name: string;
  won_deals: number;
  won: { currency: string; amount: string }[] | null;
  interactions: number;
}

/**
 * The five members with the most won (in the period's leading currency), then most interactions.
 */
export function leaderboard(db: Db, b: Bounds): Promise<LeaderRow[]> {
  return db.$queryRaw<LeaderRow[]>`
    WITH won AS (
      SELECT d."ownerId" AS id, trim(d.currency) AS currency, count(*) AS n, sum(d.amount) AS amount
      FROM "Deal" d JOIN "Stage" s ON s.id = d."stageId" AND s."isWon"
      WHERE d."workspaceId" = ${b.ws} AND d."archivedAt" IS NULL AND d."ownerId" IS NOT NULL AND d."closedAt" >= ${b.cs}::timestamp AND d."closedAt" < ${b.now}::timestamp
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

export interface CampaignRow {
  b: Bucket | null;
  sent: number;
  failed: number;
}

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

/** Predicted forecast: open deals expected to close before the period's end, weighted by the fitted
 *  win probability where one exists (else the stage's), per currency; and how many a fitted model scored
 *  (the same test as `deal show`'s describeWin: winReasons.source = 'model'). */
export function predictedForecast(db: PrismaClient, b: Bounds) {
  return db.$queryRaw<{ currency: string; total: string; modelled: number; deals: number }[]>`
    SELECT trim(d."currency") AS currency,
           round(sum(d."amount" * coalesce(d."winProbability"::numeric, s."probability" / 100.0)), 2)::text AS total,
           -- a probability the stage fallback wrote (too few closed deals to fit) is not the model's
           (count(*) FILTER (WHERE d."winProbability" IS NOT NULL AND d."winReasons"->>'source' = 'model'))::int AS modelled,
           count(*)::int AS deals
    FROM "Deal" d JOIN "Stage" s ON s."id" = d."stageId"
    WHERE d."workspaceId" = ${b.ws} AND d."archivedAt" IS NULL AND d."closedAt" IS NULL AND d."expectedCloseAt" < ${b.end}
    GROUP BY 1 ORDER BY 1`;
}

/** CSAT answers per agent in the window. */
export function csatByAgent(db: PrismaClient, b: Bounds) {
  return db.$queryRaw<{ name: string; answers: number; average: number }[]>`
    SELECT coalesce(m."name", 'unassigned') AS name, count(*)::int AS answers, round(avg(r."rating")::numeric, 2)::float8 AS average
    FROM "CsatResponse" r JOIN "Ticket" t ON t."id" = r."ticketId" LEFT JOIN "Member" m ON m."id" = t."assigneeId"
    WHERE r."workspaceId" = ${b.ws} AND r."answeredAt" >= ${b.cs} AND r."answeredAt" < ${b.now} AND r."rating" IS NOT NULL
    GROUP BY 1 ORDER BY 3 DESC, 1`;
}

export interface RiskCandidateRow extends HealthRow {
  number: number;
  name: string;
}

/** Companies whose ticket load flags them (a breached open ticket, or 2+ open): the 50 with the most open
 *  tickets (ties by id), in that order, with the facts AccountHealthService judges them by (one statement).
 *  "Open" is every status but resolved, spelled as the two so that the (workspaceId, status, …) index finds them. */
export function riskCandidates(db: Db, b: Bounds) {
  return db.$queryRaw<RiskCandidateRow[]>`
    WITH f AS (
      SELECT c."companyId" AS id, count(*) AS n FROM "Ticket" t JOIN "Contact" c ON c."id" = t."requesterId"
      WHERE t."workspaceId" = ${b.ws} AND t."archivedAt" IS NULL AND t."status" IN ('open', 'waiting') AND c."companyId" IS NOT NULL
      GROUP BY 1 HAVING bool_or(t."breached") OR count(*) >= 2
      ORDER BY count(*) DESC, 1 LIMIT 50)
    SELECT co."id", co."number", co."name", h.* FROM f JOIN "Company" co ON co."id" = f.id AND co."workspaceId" = ${b.ws} ${HEALTH_FACTS}
    ORDER BY f.n DESC, f.id`;
}
