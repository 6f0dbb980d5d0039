// `deal move` and `contact find` through the command engine (parse → service → Postgres → reply) over a
// workspace of 100k contacts / 50k deals, next to a baseline of the same Prisma queries alone, measured
// alternately in the same run. Target: engine p50 ≤ 20 ms and ≤ 2× the baseline p50.
//
//   npx tsx bench/commands.ts [--iterations 500] [--warmup 50] [--contacts 100000] [--deals 50000]
//                             [--companies 5000] [--explain] [--proposed] [--keep]
//
// --explain   prints EXPLAIN (ANALYZE, BUFFERS) of every statement one engine command issues
// --quick     (npm run bench:check) 10k contacts / 1k companies / 5k deals, 150 iterations after 30 warm-ups
//             (unless given), and one RATIO line per ratio target; the verdict is bench:check's
// --proposed  also applies PROPOSED_INDEXES (not yet in prisma/migrations) and measures proposedFind, the
//             query shape proposed for ContactService.find, against today's queries (what-if table)
//
// Needs a local PostgreSQL (BENCH_PG_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/postgres).
// Creates crm_bench_<random> and drops it at the end, also on failure and Ctrl-C (unless --keep).
import os from "node:os";
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, type Prisma } from "../src/generated/prisma/client.ts";
import { runText } from "../src/commands/engine.ts";
import { commands } from "../src/commands/registry.ts";
import { createServices } from "../src/domain/services.ts";
import type { Actor } from "../src/domain/actor.ts";
import type { Reply } from "../src/reply/reply.ts";
import { createBenchDb } from "./lib/db.ts";
import { FIRST_NAMES, LAST_NAMES, pick, rng, seedWorkspace, type SeedResult } from "./lib/seed.ts";
import { measurePair, summarize, type Summary } from "./lib/stats.ts";
import { ms, table } from "./lib/table.ts";
import { ratioLine } from "./lib/ratios.ts";

const { values: opt } = parseArgs({
  options: {
    iterations: { type: "string" },
    warmup: { type: "string" },
    contacts: { type: "string" },
    deals: { type: "string" },
    companies: { type: "string" },
    seed: { type: "string", default: "42" },
    explain: { type: "boolean", default: false },
    proposed: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
  },
});
// defaults: the full run, or --quick's tenth of the data and fewer iterations
for (const [k, full, quick] of [
  ["iterations", "500", "150"],
  ["warmup", "50", "30"],
  ["contacts", "100000", "10000"],
  ["deals", "50000", "5000"],
  ["companies", "5000", "1000"],
] as const)
  opt[k] ??= opt.quick ? quick : full;
const N = Number(opt.iterations),
  WARMUP = Number(opt.warmup);
const TARGET_P50_MS = 20,
  TARGET_RATIO = 2;

// what DealService.move loads and returns (src/domain/deals/service.ts)
const dealInclude = { stage: true, owner: true, company: true, contact: true } satisfies Prisma.DealInclude;

/** DealService.move's queries, issued directly: ref lookup, load, stage lookup, then the write transaction. */
async function baselineMove(db: PrismaClient, actor: Actor, number: number, stageName: string): Promise<void> {
  const ws = actor.workspaceId;
  const hit = await db.deal.findUnique({
    where: { workspaceId_number: { workspaceId: ws, number } },
    select: { id: true, number: true, title: true },
  });
  if (!hit) throw new Error(`baseline: no D-${number}`);
  const deal = await db.deal.findFirstOrThrow({ where: { id: hit.id, workspaceId: ws }, include: dealInclude });
  const pipeline = await db.pipeline.findFirst({
    where: { workspaceId: ws, isDefault: true },
    include: { stages: { orderBy: { position: "asc" } } },
  });
  const to = pipeline!.stages.find((s) => s.name === stageName)!;
  await db.$transaction(async (tx) => {
    const res = await tx.deal.updateMany({
      where: { id: deal.id, workspaceId: ws, stageId: deal.stageId },
      data: { stageId: to.id, stageEnteredAt: new Date(), closedAt: null, lostReason: null },
    });
    if (res.count !== 1) throw new Error(`baseline: D-${number} not updated`);
    await tx.dealStageChange.create({
      data: { workspaceId: ws, dealId: deal.id, fromStageId: deal.stageId, toStageId: to.id, actorId: actor.memberId },
    });
    await tx.auditLog.create({
      data: {
        workspaceId: ws,
        actorId: actor.memberId,
        action: "deal.move",
        entity: "deal",
        entityId: deal.id,
        before: { stage: deal.stage.name },
        after: { stage: to.name },
      },
    });
    return tx.deal.findUniqueOrThrow({ where: { id: deal.id }, include: dealInclude });
  });
}

/** ContactService.find's queries, issued directly: matching companies first, then one index-backed findMany. */
async function baselineFind(db: PrismaClient, actor: Actor, query: string): Promise<void> {
  const q = query.trim();
  const companies = await db.company.findMany({
    where: { workspaceId: actor.workspaceId, name: { startsWith: q, mode: "insensitive" } },
    select: { id: true },
    take: 50,
  });
  const where = {
    workspaceId: actor.workspaceId,
    OR: [
      { name: { contains: q, mode: "insensitive" as const } },
      { email: { startsWith: q.toLowerCase() } },
      ...(companies.length ? [{ companyId: { in: companies.map((c) => c.id) } }] : []),
    ],
  };
  await db.contact.findMany({
    where,
    orderBy: { number: "asc" },
    take: 11,
    include: { company: { select: { name: true, number: true } } },
  });
}

/** Proposed for the contact find issue: trigram / pattern indexes so each OR arm can use an index (not in migrations yet). */
const PROPOSED_INDEXES = `
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "Contact_name_trgm_idx" ON "Contact" USING gin ("name" gin_trgm_ops);
CREATE INDEX "Contact_workspaceId_email_pattern_idx" ON "Contact" ("workspaceId", "email" text_pattern_ops);
CREATE INDEX "Company_name_trgm_idx" ON "Company" USING gin ("name" gin_trgm_ops);`;

/**
 * Proposed ContactService.find: resolve matching companies first, so the company arm becomes
 * `companyId IN (…)` on Contact. Every arm is then a column of Contact and Postgres can BitmapOr three index
 * scans; today's `company: { name }` filter is a LEFT JOIN that forces a scan of every contact.
 */
async function proposedFind(db: PrismaClient, actor: Actor, query: string): Promise<void> {
  const q = query.trim();
  const companies = await db.company.findMany({
    where: { workspaceId: actor.workspaceId, name: { startsWith: q, mode: "insensitive" } },
    select: { id: true },
  });
  const where = {
    workspaceId: actor.workspaceId,
    OR: [
      { name: { contains: q, mode: "insensitive" as const } },
      { email: { startsWith: q.toLowerCase() } },
      ...(companies.length ? [{ companyId: { in: companies.map((c) => c.id) } }] : []),
    ],
  };
  await Promise.all([
    db.contact.findMany({ where, orderBy: { number: "asc" }, take: 10, include: { company: { select: { name: true, number: true } } } }),
    db.contact.count({ where }),
  ]);
}

/** Runs one command through the engine; an error reply fails the bench with its cause. */
async function run(text: string, actor: Actor, services: ReturnType<typeof createServices>): Promise<Reply> {
  let cause: unknown;
  const reply = await runText(commands, text, actor, services, {
    onError: (e) => {
      cause = e;
    },
  });
  if (reply.kind !== "ok") throw new Error(`"${text}" answered an error: ${reply.summary}`, { cause });
  return reply;
}

/** Picks a deal and a different open stage for it, and records the move so the next pick stays a real change. */
function mover(seed: SeedResult, deals: number, r: () => number) {
  return () => {
    const n = 1 + Math.floor(r() * deals);
    const from = seed.dealStage[n];
    const to = (from + 1 + Math.floor(r() * (seed.openStages.length - 1))) % seed.openStages.length;
    seed.dealStage[n] = to;
    return { n, stage: seed.openStages[to].name };
  };
}

/** 3–4 leading letters of a name people have, typed in lower or title case ("mar", "Tho"). */
const prefixer = (r: () => number) => () => {
  const name = pick(r, r() < 0.5 ? FIRST_NAMES : LAST_NAMES);
  const p = name.slice(0, 3 + Math.floor(r() * 2));
  return r() < 0.5 ? p.toLowerCase() : p;
};

/** Runs fn on a client that logs its SQL, then EXPLAIN (ANALYZE, BUFFERS) each statement on a plain pg client. */
async function explainStatements(url: string, label: string, fn: (db: PrismaClient) => Promise<unknown>): Promise<string> {
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }), log: [{ emit: "event", level: "query" }] });
  const seen: { query: string; params: unknown[]; duration: number }[] = [];
  db.$on("query", (e) => {
    seen.push({ query: e.query, params: JSON.parse(e.params) as unknown[], duration: e.duration });
  });
  await fn(db);
  await db.$disconnect();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const out: string[] = [`### ${label}: ${seen.length} statements`];
  try {
    for (const s of seen) {
      if (/^(BEGIN|COMMIT|ROLLBACK)/i.test(s.query.trim())) {
        out.push(`-- ${s.query.trim()}`);
        continue;
      }
      // writes are re-run inside a rolled-back transaction; one that cannot run twice (same id) gets a plain EXPLAIN
      await c.query("BEGIN");
      const plan = await c.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${s.query}`, s.params).catch(async () => {
        await c.query("ROLLBACK; BEGIN");
        return c.query<{ "QUERY PLAN": string }>(`EXPLAIN ${s.query}`, s.params);
      });
      await c.query("ROLLBACK");
      out.push(`-- ${s.query}\n-- params ${JSON.stringify(s.params)}\n${plan.rows.map((x) => x["QUERY PLAN"]).join("\n")}`);
    }
  } finally {
    await c.end();
  }
  return out.join("\n\n");
}

async function main() {
  const started = Date.now();
  const loadBefore = os.loadavg();
  const bench = await createBenchDb();
  console.error(`database ${bench.name} (migrated: ${bench.db.appliedMigrations.join(", ") || "none"})`);
  try {
    const db = bench.db.prisma;
    const services = createServices(db);
    const { workspace, admin } = await services.workspaces.create("Bench Co", "Bench Admin");
    const actor: Actor = { workspaceId: workspace.id, memberId: admin.id, name: admin.name, role: "admin", platform: "console" };

    const pgc = new pg.Client({ connectionString: bench.url });
    await pgc.connect();
    let seed: SeedResult;
    const tSeed = performance.now();
    try {
      seed = await seedWorkspace(pgc, {
        workspaceId: workspace.id,
        adminId: admin.id,
        contacts: Number(opt.contacts),
        companies: Number(opt.companies),
        deals: Number(opt.deals),
        agents: 12,
        seed: Number(opt.seed),
      });
      if (opt.proposed) {
        await pgc.query(PROPOSED_INDEXES);
        await pgc.query("ANALYZE");
      }
    } finally {
      await pgc.end();
    }
    const seedMs = performance.now() - tSeed;
    console.error(
      `seeded in ${(seedMs / 1000).toFixed(1)} s: ${Object.entries(seed.ms)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s`)
        .join(", ")}`,
    );

    const r = rng(Number(opt.seed) + 1);
    const nextMove = mover(seed, Number(opt.deals), r);
    const nextPrefix = prefixer(r);

    const move = await measurePair({
      warmup: WARMUP,
      iterations: N,
      subject: async () => {
        const m = nextMove();
        await run(`deal move D-${m.n} ${m.stage}`, actor, services);
      },
      baseline: async () => {
        const m = nextMove();
        await baselineMove(db, actor, m.n, m.stage);
      },
    });
    const find = await measurePair({
      warmup: WARMUP,
      iterations: N,
      subject: async () => {
        await run(`contact find ${nextPrefix()}`, actor, services);
      },
      baseline: async () => baselineFind(db, actor, nextPrefix()),
    });
    // since #13 contact find is a typo- and accent-tolerant search: the engine against its own search query
    const search = await measurePair({
      warmup: WARMUP,
      iterations: N,
      subject: async () => {
        await run(`contact find ${nextPrefix()}`, actor, services);
      },
      baseline: async () => {
        await services.search.search(actor, nextPrefix(), { kinds: ["contact"], perKind: 10, contactsByCompany: true });
      },
    });

    const whatIf = opt.proposed
      ? await measurePair({
          warmup: WARMUP,
          iterations: N,
          subject: () => proposedFind(db, actor, nextPrefix()),
          baseline: () => baselineFind(db, actor, nextPrefix()),
        })
      : undefined;
    const loadAfter = os.loadavg();

    const ratios: string[] = [];
    const rows = (
      [
        ["deal move", move, "commands.deal-move"],
        // since #13 the old prefix baseline is not the same work as the fuzzy search: no ratio target for it
        ["contact find", find, undefined],
        ["contact find vs its search query", search, "commands.contact-find"],
      ] as const
    ).map(([name, pair, ratioName]) => {
      const e: Summary = summarize(pair.subject),
        b: Summary = summarize(pair.baseline);
      const ratio = e.p50 / b.p50;
      if (ratioName) ratios.push(ratioLine(ratioName, ratio, TARGET_RATIO));
      const met = e.p50 <= TARGET_P50_MS && ratio <= TARGET_RATIO;
      return [name, ms(e.p50), ms(e.p99), ms(b.p50), ms(b.p99), `${ratio.toFixed(2)}×`, met ? "yes" : "no"];
    });

    const cpu = os.cpus();
    const pgVersion = (await db.$queryRaw<{ v: string }[]>`SELECT current_setting('server_version') AS v`)[0].v;
    let rev = "unknown";
    try {
      rev = execFileSync("git", ["describe", "--always", "--dirty"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      /* not a checkout */
    }
    console.log(`\nbench/commands.ts — ${new Date().toISOString()} — git ${rev}`);
    const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(" ");
    console.log(
      `machine: ${cpu.length} cores (${cpu[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; PostgreSQL ${pgVersion} on 127.0.0.1; pool ${process.env.DATABASE_POOL_SIZE ?? 10}`,
    );
    console.log(`load average (1/5/15 min): ${load(loadBefore)} at start, ${load(loadAfter)} after measuring`);
    console.log(
      `data: ${opt.contacts} contacts, ${opt.companies} companies, ${opt.deals} deals (+ history); seeded in ${(seedMs / 1000).toFixed(1)} s${opt.proposed ? "; with PROPOSED_INDEXES" : ""}`,
    );
    console.log(
      `runs: ${N} measured after ${WARMUP} warm-up, engine and baseline alternated; target p50 ≤ ${TARGET_P50_MS} ms and ≤ ${TARGET_RATIO}× baseline\n`,
    );
    console.log(table(["op", "p50", "p99", "baseline p50", "baseline p99", "ratio p50", "target met"], rows));
    if (opt.quick) console.log(`\n${ratios.join("\n")}`);

    if (whatIf) {
      const p = summarize(whatIf.subject),
        b = summarize(whatIf.baseline);
      console.log(
        `\nwhat-if (Prisma queries alone, not the engine): proposed ContactService.find query shape vs today's, both with PROPOSED_INDEXES\n`,
      );
      console.log(
        table(
          ["op", "proposed p50", "proposed p99", "today p50", "today p99", "proposed / today p50"],
          [["contact find", ms(p.p50), ms(p.p99), ms(b.p50), ms(b.p99), `${(p.p50 / b.p50).toFixed(2)}×`]],
        ),
      );
    }

    if (opt.explain) {
      const m = nextMove(),
        prefix = nextPrefix();
      console.log(`\n## EXPLAIN (ANALYZE, BUFFERS) of every statement one engine command issues\n`);
      console.log(
        await explainStatements(bench.url, `contact find ${prefix}`, (pdb) => run(`contact find ${prefix}`, actor, createServices(pdb))),
      );
      console.log();
      console.log(
        await explainStatements(bench.url, `deal move D-${m.n} ${m.stage}`, (pdb) =>
          run(`deal move D-${m.n} ${m.stage}`, actor, createServices(pdb)),
        ),
      );
      if (opt.proposed) {
        console.log();
        console.log(
          await explainStatements(bench.url, `proposed find ${prefix} (proposedFind, Prisma alone)`, (pdb) =>
            proposedFind(pdb, actor, prefix),
          ),
        );
      }
    }
    console.error(`\ntotal ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    if (opt.keep) {
      await bench.db.close();
      console.error(
        `kept database ${bench.name}; drop it with: psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE "${bench.name}" WITH (FORCE)'`,
      );
    } else await bench.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
