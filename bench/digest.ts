// The digest (/crm digest today|week|month) on the large seed (100k contacts, 50k deals, 1M interactions,
// 100k tickets: `npm run seed -- --scale large`), next to a hand-written baseline: the same numbers from
// plain SQL on a plain pg pool, each statement in the fastest form found while tuning (velocity by a
// LATERAL max() probe instead of the service's window function; per-window LATERAL scans), run side by
// side like the service runs its own, with the last sums (totals, ranking) done in JS. Subject and baseline
// alternate in the same run and their numbers are compared first. Target: digest p50 < 300 ms and
// ≤ 1.5× the baseline p50, for every period. Also printed: the chart (vega-lite → SVG → PNG) and the whole
// `/crm digest` command through the engine.
//
//   npx tsx bench/digest.ts [--iterations 30] [--warmup 5] [--keep]
//
// Needs a local PostgreSQL (BENCH_PG_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/postgres).
// Creates crm_bench_<random>, seeds it with src/seed/large.ts (timed: the seed's own target is < 2 min)
// and drops it at the end, also on failure and Ctrl-C (unless --keep).
import os from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { createBenchDb } from "./lib/db.ts";
import { measurePair, summarize, timed, type Summary } from "./lib/stats.ts";
import { ms, table } from "./lib/table.ts";
import { createServices } from "../src/domain/services.ts";
import { seedLarge } from "../src/seed/large.ts";
import { periodFor, PERIODS, type Period, type PeriodName } from "../src/domain/analytics/period.ts";
import type { Digest } from "../src/domain/analytics/digest.ts";
import { digestReply } from "../src/commands/digestReply.ts";
import { runText } from "../src/commands/engine.ts";
import { commands } from "../src/commands/registry.ts";
import type { Actor } from "../src/domain/actor.ts";

const { values: opt } = parseArgs({
  options: {
    iterations: { type: "string", default: "30" },
    warmup: { type: "string", default: "5" },
    keep: { type: "boolean", default: false },
  },
});
const N = Number(opt.iterations),
  WARMUP = Number(opt.warmup);
const TARGET_MS = 300,
  TARGET_RATIO = 1.5;

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
};

interface Numbers {
  pipeline: Record<string, Record<string, { n: number; amount: string }>>;
  flows: Record<string, number>;
  velocity: Record<string, number>;
  stalled: { count: number; top: number[] };
  tickets: Record<string, number | null>;
  kinds: Record<string, number>;
  leaders: string[];
  forecast: Record<string, number>;
}

/** The hand-written side: plain SQL, the pg pool, the few sums that are left done in JS. */
async function baseline(pool: pg.Pool, ws: string, p: Period, stalledDays: number): Promise<Numbers> {
  // timestamps as UTC text without an offset: the columns are timestamp(3) without time zone
  const t = (d: Date) => d.toISOString().replace("Z", "");
  const windows = [ws, t(p.start), t(p.now), t(p.prevStart), t(p.prevEnd)];
  const q = (sql: string, params: string[]) => pool.query(sql, params).then((r) => r.rows);
  const [pipe, flows, vel, stalled, tickets, kinds, wonBy, actsBy] = await Promise.all([
    q(SQL.pipeline, [ws, t(p.start), t(p.end)]),
    q(SQL.flows, windows),
    q(SQL.velocity, windows),
    q(SQL.stalled, [ws, t(new Date(p.now.getTime() - stalledDays * 86_400_000))]),
    q(SQL.tickets, windows),
    q(SQL.kinds, windows),
    q(SQL.wonBy, windows.slice(0, 3)),
    q(SQL.actsBy, windows.slice(0, 3)),
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
  return out;
}

/** The service's digest in the baseline's shape, to check both give the same numbers. */
function numbersOf(d: Digest): Numbers {
  const out: Numbers = {
    pipeline: {},
    flows: {},
    velocity: {},
    stalled: { count: d.stalled.count, top: d.stalled.top.map((t) => Number(t.key.slice(2))) },
    tickets: {},
    kinds: {},
    leaders: d.leaderboard.map((l) => l.name),
    forecast: {},
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

function sameNumbers(a: Numbers, b: Numbers): string[] {
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
  cmp("pipeline", a.pipeline, b.pipeline);
  cmp("flows", a.flows, b.flows);
  cmp("velocity", a.velocity, b.velocity);
  cmp("stalled", a.stalled, b.stalled);
  cmp("tickets", a.tickets, b.tickets);
  cmp("kinds", a.kinds, b.kinds);
  cmp("leaders", a.leaders, b.leaders);
  for (const c of new Set([...Object.keys(a.forecast), ...Object.keys(b.forecast)])) {
    if (Math.abs((a.forecast[c] ?? 0) - (b.forecast[c] ?? 0)) > 0.05) diffs.push(`forecast ${c}: ${a.forecast[c]} vs ${b.forecast[c]}`);
  }
  return diffs;
}

async function main() {
  const loadBefore = os.loadavg();
  const bench = await createBenchDb();
  console.error(`database ${bench.name}`);
  const pool = new pg.Pool({ connectionString: bench.url, max: 10 });
  try {
    const db = bench.db.prisma;
    const seed = await seedLarge(db, { onStep: (l, t) => console.error(`  seed ${l}: ${(t / 1000).toFixed(1)} s`) });
    console.error(`seeded ${JSON.stringify(seed.counts)} in ${(seed.ms / 1000).toFixed(1)} s`);
    const services = createServices(db);
    const admin = await db.member.findFirstOrThrow({ where: { workspaceId: seed.workspaceId, role: "admin" } });
    const actor: Actor = { workspaceId: seed.workspaceId, memberId: admin.id, name: admin.name, role: "admin", platform: "console" };
    const ws = await db.workspace.findUniqueOrThrow({ where: { id: seed.workspaceId } });

    const rows: (string | number)[][] = [];
    const extra: (string | number)[][] = [];
    let pass = true;
    for (const name of PERIODS as readonly PeriodName[]) {
      const at = new Date(); // one instant for both sides: "to date" moves with the clock
      const diffs = sameNumbers(
        numbersOf(await services.analytics.digest(actor, name, at)),
        await baseline(pool, ws.id, periodFor(name, at), ws.stalledDays),
      );
      if (diffs.length) throw new Error(`service and baseline disagree for ${name}:\n  ${diffs.join("\n  ")}`);
      const pair = await measurePair({
        warmup: WARMUP,
        iterations: N,
        subject: () => services.analytics.digest(actor, name),
        baseline: () => baseline(pool, ws.id, periodFor(name), ws.stalledDays),
      });
      const s: Summary = summarize(pair.subject),
        b: Summary = summarize(pair.baseline);
      const ratio = s.p50 / b.p50;
      const ok = s.p50 < TARGET_MS && ratio <= TARGET_RATIO;
      pass &&= ok;
      rows.push([name, ms(s.p50), ms(s.p90), ms(b.p50), ms(b.p90), `${ratio.toFixed(2)}×`, ok ? "yes" : "NO"]);

      const d = await services.analytics.digest(actor, name);
      const chart: number[] = [],
        command: number[] = [];
      for (let i = 0; i < Math.max(5, Math.floor(N / 3)); i++) {
        chart.push(await timed(() => digestReply(d, { chart: true })));
        command.push(
          await timed(async () => {
            const r = await runText(commands, `digest ${name}`, actor, services);
            if (r.kind !== "ok") throw new Error(r.summary);
          }),
        );
      }
      extra.push([name, ms(summarize(chart).p50), ms(summarize(command).p50), ms(summarize(command).p90)]);
    }
    console.log(
      `\n${N} iterations after ${WARMUP} warm-up, subject and baseline alternating; ${os.cpus().length} CPUs, load ${loadBefore.map((x) => x.toFixed(1)).join(" ")} → ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(" ")}`,
    );
    console.log(`seed: ${(seed.ms / 1000).toFixed(1)} s (target < 120 s)\n`);
    console.log(
      table(
        ["period", "digest p50", "digest p90", "baseline p50", "baseline p90", "ratio p50", `p50 < ${TARGET_MS} ms and ≤ ${TARGET_RATIO}×`],
        rows,
      ),
    );
    console.log(`\n${table(["period", "reply + chart p50", "/crm digest (engine) p50", "p90"], extra)}`);
    console.log(pass ? "\nPASS" : "\nFAIL: a period missed its target");
    process.exitCode = pass ? 0 : 1;
  } finally {
    await pool.end();
    if (opt.keep) {
      console.error(`kept ${bench.url}`);
      await bench.db.close();
    } else await bench.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
