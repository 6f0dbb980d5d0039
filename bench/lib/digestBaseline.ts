// bench/digest.ts's hand-written side: the digest's figures from plain SQL on a plain pg pool, every section
// the digest has, each statement in the fastest form found while tuning, run side by side like the service
// runs its own, with the last sums and rules (totals, ranking, the at-risk judgement) done in JS. Also the
// service's digest in the same shape (`numbersOf`) and the comparison of both (`sameNumbers`).
import type pg from "pg";
import type { Period } from "../../src/domain/analytics/period.ts";
import type { Digest } from "../../src/domain/analytics/digest.ts";

const SQL = {
  pipeline: `
    SELECT s.name, s.position, trim(d.currency) AS currency, count(d.id)::int AS n, sum(d.amount)::text AS amount,
           round(sum(d.amount) * s.probability / 100.0, 2)::text AS weighted,
           count(d.id) FILTER (WHERE d."expectedCloseAt" >= $2 AND d."expectedCloseAt" < $3)::int AS fn,
           (coalesce(sum(d.amount) FILTER (WHERE d."expectedCloseAt" >= $2 AND d."expectedCloseAt" < $3), 0) * s.probability / 100.0)::float8 AS fw
    FROM "Stage" s JOIN "Pipeline" p ON p.id = s."pipelineId" AND p."isDefault"
    LEFT JOIN "Deal" d ON d."stageId" = s.id AND d."workspaceId" = $1
    WHERE s."workspaceId" = $1 AND NOT s."isWon" AND NOT s."isLost"
    GROUP BY s.id, d.currency ORDER BY s.position`,
  flows: `
    SELECT r.m, w.b, trim(r.currency) AS currency, count(*)::int AS n, sum(r.amount)::text AS amount
    FROM (VALUES ('cur', $2::timestamp, $3::timestamp), ('prev', $4::timestamp, $5::timestamp)) w(b, lo, hi)
    CROSS JOIN LATERAL (
      SELECT 'new' AS m, currency, amount FROM "Deal" WHERE "workspaceId" = $1 AND "createdAt" >= w.lo AND "createdAt" < w.hi
      UNION ALL SELECT CASE WHEN s."isWon" THEN 'won' ELSE 'lost' END, d.currency, d.amount FROM "Deal" d JOIN "Stage" s ON s.id = d."stageId" AND (s."isWon" OR s."isLost")
        WHERE d."workspaceId" = $1 AND d."closedAt" >= w.lo AND d."closedAt" < w.hi) r
    GROUP BY 1, 2, 3`,
  // each stay that ended in a window: its change minus the deal's previous change, found by a backward index probe
  velocity: `
    SELECT s.name, c.b, (avg(extract(epoch FROM c.at - p.at)) / 86400)::float8 AS days
    FROM (SELECT "dealId", "fromStageId", at, 'cur' AS b FROM "DealStageChange" WHERE "workspaceId" = $1 AND "fromStageId" IS NOT NULL AND at >= $2 AND at < $3
          UNION ALL SELECT "dealId", "fromStageId", at, 'prev' FROM "DealStageChange" WHERE "workspaceId" = $1 AND "fromStageId" IS NOT NULL AND at >= $4 AND at < $5) c
    CROSS JOIN LATERAL (SELECT max(p.at) AS at FROM "DealStageChange" p WHERE p."dealId" = c."dealId" AND p.at < c.at) p
    JOIN "Stage" s ON s.id = c."fromStageId"
    WHERE p.at IS NOT NULL GROUP BY 1, 2`,
  stalled: `
    WITH s AS MATERIALIZED (
      SELECT d.number, d.amount FROM "Deal" d JOIN "Stage" st ON st.id = d."stageId" AND NOT st."isWon" AND NOT st."isLost"
      WHERE d."workspaceId" = $1 AND d."stageEnteredAt" < $2
        AND d.id NOT IN (SELECT "dealId" FROM "Interaction" WHERE "workspaceId" = $1 AND "occurredAt" >= $2 AND "dealId" IS NOT NULL))
    SELECT (SELECT count(*) FROM s)::int AS total, array(SELECT number FROM s ORDER BY amount DESC, number LIMIT 5) AS top`,
  tickets: `
    SELECT w.b, o.opened, o.breached, r.resolved, r.res_s, f.first_s
    FROM (VALUES ('cur', $2::timestamp, $3::timestamp), ('prev', $4::timestamp, $5::timestamp)) w(b, lo, hi)
    CROSS JOIN LATERAL (SELECT count(*)::int AS opened, count(*) FILTER (WHERE breached OR "firstResponseAt" > "firstResponseDueAt" OR "resolvedAt" > "resolutionDueAt"
             OR (status = 'open' AND (("firstResponseAt" IS NULL AND "firstResponseDueAt" < $3) OR "resolutionDueAt" < $3))
             OR (status = 'waiting' AND (("firstResponseAt" IS NULL AND "firstResponseDueAt" < "waitingSince") OR "resolutionDueAt" < "waitingSince")))::int AS breached
      FROM "Ticket" WHERE "workspaceId" = $1 AND "createdAt" >= w.lo AND "createdAt" < w.hi) o
    CROSS JOIN LATERAL (SELECT count(*)::int AS resolved, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "resolvedAt" - "createdAt"))::float8 AS res_s
      FROM "Ticket" WHERE "workspaceId" = $1 AND "resolvedAt" >= w.lo AND "resolvedAt" < w.hi) r
    CROSS JOIN LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "firstResponseAt" - "createdAt"))::float8 AS first_s
      FROM "Ticket" WHERE "workspaceId" = $1 AND "firstResponseAt" >= w.lo AND "firstResponseAt" < w.hi) f`,
  kinds: `
    SELECT w.b, k.kind, k.n
    FROM (VALUES ('cur', $2::timestamp, $3::timestamp), ('prev', $4::timestamp, $5::timestamp)) w(b, lo, hi)
    CROSS JOIN LATERAL (SELECT kind::text, count(*)::int AS n FROM "Interaction" WHERE "workspaceId" = $1 AND "occurredAt" >= w.lo AND "occurredAt" < w.hi GROUP BY 1) k`,
  wonBy: `
    SELECT d."ownerId" AS id, trim(d.currency) AS currency, count(*)::int AS n, sum(d.amount)::float8 AS amount
    FROM "Deal" d JOIN "Stage" s ON s.id = d."stageId" AND s."isWon"
    WHERE d."workspaceId" = $1 AND d."ownerId" IS NOT NULL AND d."closedAt" >= $2 AND d."closedAt" < $3 GROUP BY 1, 2`,
  actsBy: `
    SELECT m.id, m.name, count(i.*)::int AS n FROM "Member" m
    LEFT JOIN "Interaction" i ON i."authorId" = m.id AND i."workspaceId" = $1 AND i."occurredAt" >= $2 AND i."occurredAt" < $3
    WHERE m."workspaceId" = $1 GROUP BY 1, 2`,
  // open deals closing before the period's end, weighted by the model's probability (else the stage's): grouped
  // by the raw char(3) currency, trimmed in JS
  predicted: `
    SELECT d.currency, round(sum(d.amount * coalesce(d."winProbability"::numeric, s.probability / 100.0)), 2)::text AS total,
           count(*) FILTER (WHERE d."winProbability" IS NOT NULL AND d."winReasons"->>'source' = 'model')::int AS modelled, count(*)::int AS deals
    FROM "Deal" d JOIN "Stage" s ON s.id = d."stageId"
    WHERE d."workspaceId" = $1 AND d."closedAt" IS NULL AND d."expectedCloseAt" < $2 GROUP BY 1`,
  csat: `
    SELECT coalesce(m.name, 'unassigned') AS name, count(*)::int AS n, round(avg(r.rating), 2)::float8 AS average
    FROM "CsatResponse" r JOIN "Ticket" t ON t.id = r."ticketId" LEFT JOIN "Member" m ON m.id = t."assigneeId"
    WHERE r."workspaceId" = $1 AND r."answeredAt" >= $2 AND r."answeredAt" < $3 AND r.rating IS NOT NULL GROUP BY 1`,
  // the 50 companies with the most open tickets among those flagged by them (ties by id), with the facts the
  // at-risk judgement needs: each company's deals once, its contacts' tickets once, a backward index probe per deal
  atRisk: `
    WITH f AS (
      SELECT c."companyId" AS id, count(*) AS n FROM "Ticket" t JOIN "Contact" c ON c.id = t."requesterId"
      WHERE t."workspaceId" = $1 AND t."archivedAt" IS NULL AND t.status IN ('open', 'waiting') AND c."companyId" IS NOT NULL
      GROUP BY 1 HAVING bool_or(t.breached) OR count(*) >= 2 ORDER BY 2 DESC, 1 LIMIT 50)
    SELECT co.number, dl.won, dl.pipeline, tk.open, tk.breached,
           greatest((SELECT max("occurredAt") FROM "Interaction" WHERE "companyId" = co.id),
                    (SELECT max("lastInteractionAt") FROM "Contact" WHERE "companyId" = co.id), dl.last) AS last
    FROM f JOIN "Company" co ON co.id = f.id
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(d.amount) FILTER (WHERE s."isWon"), 0)::float8 AS won, coalesce(sum(d.amount) FILTER (WHERE NOT s."isWon" AND NOT s."isLost"), 0)::float8 AS pipeline,
             max((SELECT max("occurredAt") FROM "Interaction" WHERE "dealId" = d.id)) AS last
      FROM "Deal" d JOIN "Stage" s ON s.id = d."stageId" WHERE d."companyId" = co.id) dl
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS open, count(*) FILTER (WHERE t.breached)::int AS breached
      FROM "Contact" c JOIN "Ticket" t ON t."requesterId" = c.id WHERE c."companyId" = co.id AND t.status <> 'resolved') tk
    ORDER BY f.n DESC, f.id`,
};

export interface Numbers {
  pipeline: Record<string, Record<string, { n: number; amount: string }>>;
  flows: Record<string, number>;
  velocity: Record<string, number>;
  stalled: { count: number; top: number[] };
  tickets: Record<string, number | null>;
  kinds: Record<string, number>;
  leaders: string[];
  forecast: Record<string, number>;
  predicted: Record<string, { total: number; modelled: number; deals: number }>;
  csat: Record<string, { answers: number; average: number }>;
  atRisk: string[];
}

/** The hand-written side: plain SQL, the pg pool, the few sums and rules that are left done in JS. */
export async function baseline(pool: pg.Pool, ws: string, p: Period, stalledDays: number): Promise<Numbers> {
  // timestamps as UTC text without an offset: the columns are timestamp(3) without time zone
  const t = (d: Date) => d.toISOString().replace("Z", "");
  const windows = [ws, t(p.start), t(p.now), t(p.prevStart), t(p.prevEnd)];
  const q = (sql: string, params: string[]) => pool.query(sql, params).then((r) => r.rows);
  // the longest statements first: 11 statements on 10 connections, the last one queues
  const [risk, pipe, predicted, stalled, vel, flows, tickets, kinds, wonBy, actsBy, csat] = await Promise.all([
    q(SQL.atRisk, [ws]),
    q(SQL.pipeline, [ws, t(p.start), t(p.end)]),
    q(SQL.predicted, [ws, t(p.end)]),
    q(SQL.stalled, [ws, t(new Date(p.now.getTime() - stalledDays * 86_400_000))]),
    q(SQL.velocity, windows),
    q(SQL.flows, windows),
    q(SQL.tickets, windows),
    q(SQL.kinds, windows),
    q(SQL.wonBy, windows.slice(0, 3)),
    q(SQL.actsBy, windows.slice(0, 3)),
    q(SQL.csat, windows.slice(0, 3)),
  ]);
  const out: Numbers = {
    pipeline: {},
    flows: {},
    velocity: {},
    stalled: { count: stalled[0].total, top: stalled[0].top },
    tickets: {},
    kinds: {},
    leaders: [],
    forecast: {},
    predicted: {},
    csat: {},
    atRisk: [],
  };
  for (const r of pipe) if (r.currency) (out.pipeline[r.name] ??= {})[r.currency] = { n: r.n, amount: Number(r.amount).toFixed(2) };
  for (const r of flows) out.flows[`${r.m}:${r.b}`] = (out.flows[`${r.m}:${r.b}`] ?? 0) + r.n;
  for (const r of vel) out.velocity[`${r.name}:${r.b}`] = Math.round(r.days * 1000) / 1000;
  for (const r of tickets)
    Object.assign(out.tickets, {
      [`opened:${r.b}`]: r.opened,
      [`breached:${r.b}`]: r.breached,
      [`resolved:${r.b}`]: r.resolved,
      [`res:${r.b}`]: r.res_s,
      [`first:${r.b}`]: r.first_s,
    });
  for (const r of kinds) out.kinds[`${r.kind}:${r.b}`] = r.n;
  const won = new Map<string, number>();
  for (const r of flows) if (r.m === "won" && r.b === "cur") won.set(r.currency, Number(r.amount));
  for (const r of pipe) if (r.currency) out.forecast[r.currency] = (out.forecast[r.currency] ?? 0) + r.fw;
  for (const [c, a] of won) out.forecast[c] = (out.forecast[c] ?? 0) + a;
  const lead = [...won].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  const rank = actsBy
    .map((m) => {
      const mine = wonBy.filter((w) => w.id === m.id);
      return {
        name: m.name,
        acts: m.n,
        deals: mine.reduce((a, w) => a + w.n, 0),
        amount: mine.find((w) => w.currency === lead)?.amount ?? 0,
      };
    })
    .filter((m) => m.acts || m.deals)
    .sort((a, b) => b.amount - a.amount || b.deals - a.deals || b.acts - a.acts || a.name.localeCompare(b.name));
  out.leaders = rank.slice(0, 5).map((m) => m.name);
  for (const r of predicted) out.predicted[r.currency.trim()] = { total: Number(r.total), modelled: r.modelled, deals: r.deals };
  for (const r of csat) out.csat[r.name] = { answers: r.n, average: r.average };
  // at risk: a breached open ticket, 5+ open, or 60+ days without contact while there is business
  const day = 86_400_000;
  for (const r of risk) {
    const idle = r.last ? Math.floor((p.now.getTime() - new Date(r.last).getTime()) / day) : null;
    const reasons = [
      ...(r.breached ? [`${r.breached} breached ticket${r.breached === 1 ? "" : "s"}`] : []),
      ...(r.open >= 5 ? [`${r.open} open tickets`] : []),
      ...(idle != null && idle > 60 && (r.won > 0 || r.pipeline > 0) ? [`no contact for ${idle} days`] : []),
    ];
    if (reasons.length && out.atRisk.length < 5) out.atRisk.push(`A-${r.number}: ${reasons.join(", ")}`);
  }
  return out;
}

/** The service's digest in the baseline's shape, to check both give the same numbers. */
export function numbersOf(d: Digest): Numbers {
  const out: Numbers = {
    pipeline: {},
    flows: {},
    velocity: {},
    stalled: { count: d.stalled.count, top: d.stalled.top.map((t) => Number(t.key.slice(2))) },
    tickets: {},
    kinds: {},
    leaders: d.leaderboard.map((l) => l.name),
    forecast: {},
    predicted: Object.fromEntries(d.predicted.map((x) => [x.currency, { total: Number(x.total), modelled: x.modelled, deals: x.deals }])),
    csat: Object.fromEntries(d.csat.map((x) => [x.name, { answers: x.answers, average: x.average }])),
    atRisk: d.atRisk.map((a) => `${a.key}: ${a.reasons.join(", ")}`),
  };
  for (const r of d.pipeline) for (const a of r.amounts) (out.pipeline[r.stage] ??= {})[a.currency] = { n: a.count, amount: a.amount };
  for (const [m, f] of Object.entries({ new: d.newDeals, won: d.won, lost: d.lost })) {
    if (f.count.cur) out.flows[`${m}:cur`] = f.count.cur;
    if (f.count.prev) out.flows[`${m}:prev`] = f.count.prev;
  }
  for (const v of d.velocity)
    for (const b of ["cur", "prev"] as const) if (v[b] !== null) out.velocity[`${v.stage}:${b}`] = Math.round(v[b]! * 1000) / 1000;
  const t = d.tickets;
  for (const b of ["cur", "prev"] as const)
    Object.assign(out.tickets, {
      [`opened:${b}`]: t.opened[b],
      [`breached:${b}`]: t.breached[b],
      [`resolved:${b}`]: t.resolved[b],
      [`res:${b}`]: t.resolutionS[b],
      [`first:${b}`]: t.firstResponseS[b],
    });
  for (const k of d.interactions.byKind) for (const b of ["cur", "prev"] as const) if (k[b]) out.kinds[`${k.kind}:${b}`] = k[b];
  for (const f of d.forecast) out.forecast[f.currency] = Number(f.total);
  return out;
}

export function sameNumbers(a: Numbers, b: Numbers): string[] {
  const diffs: string[] = [];
  // objects compare with their keys sorted, at every depth
  const canon = (v: unknown): unknown =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v)
            .sort(([k1], [k2]) => k1.localeCompare(k2))
            .map(([k, x]) => [k, canon(x)]),
        )
      : v;
  const cmp = (label: string, x: unknown, y: unknown) => {
    const [a1, b1] = [JSON.stringify(canon(x)), JSON.stringify(canon(y))];
    if (a1 !== b1) diffs.push(`${label}: service ${a1} vs baseline ${b1}`);
  };
  for (const k of ["pipeline", "flows", "velocity", "stalled", "tickets", "kinds", "leaders", "predicted", "csat", "atRisk"] as const)
    cmp(k, a[k], b[k]);
  for (const c of new Set([...Object.keys(a.forecast), ...Object.keys(b.forecast)])) {
    if (Math.abs((a.forecast[c] ?? 0) - (b.forecast[c] ?? 0)) > 0.05) diffs.push(`forecast ${c}: ${a.forecast[c]} vs ${b.forecast[c]}`);
  }
  return diffs;
}
