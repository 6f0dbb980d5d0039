// Email into the CRM through its SMTP listener (adapters/email/inbound/smtpListener.ts, which answers 250
// only once InboxService.receive has committed), next to a bare smtp-server that accepts into nothing, in
// the same run with the same client: N messages over C connections, ~70 % new threads (a ticket each, from
// ~2,000 senders so contacts repeat) and ~30 % replies (In-Reply-To a message of this run that was already
// accepted: an append to its ticket). Target: CRM msgs/s ≥ 0.3 × bare msgs/s, p99 from DATA end to 250
// (= to the committed ticket) < 200 ms, 0 lost, 0 duplicated (checked in the database).
//
//   npx tsx bench/inbound.ts [--messages 10000] [--connections 8] [--reply-share 0.3] [--rounds 4]
//                            [--warmup 200] [--senders 2000] [--seed 42] [--statements] [--without-permalink-index] [--keep]
//                            [--profile file.cpuprofile]
//
// --quick                    (npm run bench:check) 800 messages to the CRM and 4× as many to the bare server (its rounds
//                            are otherwise a few ms long) in 4 rounds after 100 warm-up (the bare server 3,000) (unless given), and a RATIO
//                            line from the median round of each side (one cold round moves it little); fails itself only
//                            on a lost, duplicated, misthreaded or refused message
// --statements               lists the SQL one new thread and one reply issue
// --without-permalink-index  drops Interaction_workspaceId_permalink_idx first (the state before migration
//                            20261207130000): InboxService.seen() then reads every email interaction of the workspace
//
// The CRM runs in this process (startApp, role server, INBOUND_SMTP_PORT=0) and so does the bare server;
// the client runs in a child process. The two sides alternate in rounds of N / rounds messages each, so
// drift in the machine (autovacuum, checkpoints, the database growing) lands on both.
// Needs PostgreSQL and Redis on localhost; creates crm_bench_<random> and a Redis prefix, removes both,
// also on failure and Ctrl-C.
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Session } from "node:inspector/promises";
import { Redis } from "ioredis";
import pg from "pg";
import { SMTPServer } from "smtp-server";
import { loadConfig } from "../src/config/env.ts";
import { startApp, type App } from "../src/app.ts";
import { createLogger } from "../src/log.ts";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../src/generated/prisma/client.ts";
import { createServices } from "../src/domain/services.ts";
import { parseMail } from "../adapters/email/inbound/parse.ts";
import { createBenchDb } from "./lib/db.ts";
import { FIRST_NAMES, LAST_NAMES, pick, rng } from "./lib/seed.ts";
import { RawSmtpConnection } from "./lib/smtpClient.ts";
import { summarize } from "./lib/stats.ts";
import { ms, table } from "./lib/table.ts";
import { ratioLine } from "./lib/ratios.ts";

const { values: opt } = parseArgs({
  options: {
    messages: { type: "string" },
    connections: { type: "string", default: "8" },
    "reply-share": { type: "string", default: "0.3" },
    rounds: { type: "string", default: "4" },
    warmup: { type: "string" },
    senders: { type: "string", default: "2000" },
    seed: { type: "string", default: "42" },
    // drops the migrations' Interaction_workspaceId_permalink_idx first: what InboxService.seen() cost before it
    "without-permalink-index": { type: "boolean", default: false },
    keep: { type: "boolean", default: false }, // leave the database for a look afterwards (psql)
    statements: { type: "boolean", default: false },
    client: { type: "boolean", default: false }, // child mode: the SMTP client
    quick: { type: "boolean", default: false },
    // a CPU profile of this process (the CRM and the bare server) over the measured rounds, for DevTools
    profile: { type: "string" },
  },
});
const N = Number(opt.messages ?? (opt.quick ? 800 : 10000)),
  C = Number(opt.connections),
  REPLY_SHARE = Number(opt["reply-share"]),
  ROUNDS = Number(opt.rounds),
  WARMUP = Number(opt.warmup ?? (opt.quick ? 100 : 200)),
  SENDERS = Number(opt.senders);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const DOMAIN = "inbound.bench.test";
const TARGET_RATIO = 0.3,
  TARGET_P99_MS = 200;

type Side = "bare" | "crm";
/** one message as the client sent it and what it was answered */
interface Outcome {
  id: string;
  /** the Message-ID of its thread's first message (itself for a new thread) */
  root: string;
  reply: boolean;
  code: number;
  text: string;
  dataMs: number;
  totalMs: number;
}
interface RunRequest {
  side: Side;
  label: string;
  port: number;
  to: string;
  count: number;
}
interface RunResult {
  outcomes: Outcome[];
  seconds: number;
}

// ---- client (child process) ----

const BODY = [
  "Hello,",
  "",
  "since this morning the export of our monthly invoices stops halfway with an error, and the file we get",
  "has only the first few hundred lines. We tried two browsers and a different account with the same result.",
  "Could you have a look? The last export that worked was on Friday. Our order number is in the subject.",
  "",
  "Thanks a lot,",
];

function clientProcess() {
  // per side: what the client sent so far and which of it was accepted (replies only answer accepted mail)
  const state = new Map<Side, { r: () => number; next: number; accepted: { id: string; root: string; from: string; subject: string }[] }>();
  const senders = Array.from({ length: SENDERS }, (_, k) => {
    const r = rng(Number(opt.seed) * 7919 + k);
    const name = `${pick(r, FIRST_NAMES)} ${pick(r, LAST_NAMES)}`;
    return { name, address: `customer${k}@c${k % 97}.bench-customer.example` };
  });

  async function run(req: RunRequest): Promise<RunResult> {
    let s = state.get(req.side);
    if (!s) state.set(req.side, (s = { r: rng(Number(opt.seed) + (req.side === "crm" ? 1 : 2)), next: 0, accepted: [] }));
    const st = s;
    const conns = await Promise.all(Array.from({ length: C }, () => RawSmtpConnection.open(req.port)));
    const outcomes: Outcome[] = [];
    let left = req.count;
    const t0 = performance.now();
    await Promise.all(
      conns.map(async (conn) => {
        while (left > 0) {
          left--;
          const i = st.next++;
          const id = `${req.side}-${req.label}-${String(i).padStart(6, "0")}@bench-customer.example`;
          const parent = st.accepted.length && st.r() < REPLY_SHARE ? st.accepted[Math.floor(st.r() * st.accepted.length)] : undefined;
          const sender = parent ? { address: parent.from, name: "" } : pick(st.r, senders);
          const subject = parent ? parent.subject : `Invoice export stops halfway (order ${100000 + Math.floor(st.r() * 900000)})`;
          const root = parent ? parent.root : id;
          const headers = [
            `From: ${sender.name ? `"${sender.name}" ` : ""}<${sender.address}>`,
            `To: <${req.to}>`,
            `Subject: ${parent ? `Re: ${subject}` : subject}`,
            `Date: ${new Date().toUTCString()}`,
            `Message-ID: <${id}>`,
            ...(parent
              ? [`In-Reply-To: <${parent.id}>`, `References: <${parent.root}>${parent.root === parent.id ? "" : ` <${parent.id}>`}`]
              : []),
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 7bit",
          ];
          const text = [...headers, "", ...BODY, sender.name || sender.address, ""].join("\r\n");
          const res = await conn.send(sender.address, req.to, text);
          outcomes.push({ id, root, reply: Boolean(parent), code: res.code, text: res.text, dataMs: res.dataMs, totalMs: res.totalMs });
          if (res.code === 250) st.accepted.push({ id, root, from: sender.address, subject });
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(conns.map((c) => c.quit().catch(() => undefined)));
    return { outcomes, seconds };
  }

  process.on("message", (req: RunRequest) => {
    run(req).then(
      (r) => process.send!({ ok: true, ...r }),
      (e: Error) => process.send!({ ok: false, error: e.message }),
    );
  });
  process.on("disconnect", () => process.exit(0));
  process.send!({ ready: true });
}

// ---- measuring side (this process: the CRM and the bare server) ----

function ask<T>(child: ChildProcess, msg?: RunRequest): Promise<T> {
  return new Promise((resolve) => {
    child.once("message", (m) => resolve(m as T));
    if (msg) child.send(msg);
  });
}

async function runOn(child: ChildProcess, req: RunRequest): Promise<RunResult> {
  const r = await ask<{ ok: boolean; error?: string } & RunResult>(child, req);
  if (!r.ok) throw new Error(`client: ${r.error}`);
  return r;
}

/** smtp-server with the listener's settings, accepting every message into nothing. */
async function startBareSmtp(maxBytes: number): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    name: DOMAIN,
    banner: "bare",
    size: maxBytes,
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      stream.on("end", () => callback());
      stream.resume();
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { port: (server.server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** CPU time (user + system) of the PostgreSQL backends serving this database, from /proc, in ms. */
async function pgBackendCpuMs(c: pg.Client, datname: string): Promise<number> {
  const { rows } = await c.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [
    datname,
  ]);
  let total = 0;
  for (const { pid } of rows) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      total += ((Number(f[11]) + Number(f[12])) * 1000) / 100;
    } catch {
      return NaN; // PostgreSQL on another host, or gone
    }
  }
  return total;
}

/**
 * The statements InboxService.receive issues for one new thread and one reply to it, on a client that logs
 * its SQL (services without Redis: the SLA timers and event nudges the real app adds are not counted).
 */
async function statementsOf(
  url: string,
  workspaceId: string,
  to: string,
): Promise<{ opened: string[]; appended: string[]; batch: string[]; batchSize: number }> {
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }), log: [{ emit: "event", level: "query" }] });
  const seen: string[] = [];
  db.$on("query", (e) => {
    seen.push(e.query.replace(/\s+/g, " ").slice(0, 160));
  });
  try {
    const inbox = createServices(db, { inboundDomain: DOMAIN }).inbox;
    const target = (await inbox.recipient(to))!;
    const mail = (extra: string[]) =>
      parseMail(
        Buffer.from(
          [
            `From: "Stat Ement" <statement@bench-customer.example>`,
            `To: <${to}>`,
            `Subject: Statements`,
            ...extra,
            "",
            "count me",
            "",
          ].join("\r\n"),
        ),
        "statement@bench-customer.example",
      );
    const first = await mail([`Message-ID: <stmt-1@bench-customer.example>`]);
    const second = await mail([`Message-ID: <stmt-2@bench-customer.example>`, `In-Reply-To: <stmt-1@bench-customer.example>`]);
    // a sender seen before, as most senders are by the end of a run
    await inbox.receive(workspaceId, target, await mail([`Message-ID: <stmt-0@bench-customer.example>`]));
    seen.length = 0;
    await inbox.receive(workspaceId, target, first);
    const opened = seen.splice(0);
    await inbox.receive(workspaceId, target, second);
    const appended = seen.splice(0);
    // what the listener does with mails arriving together: 6 new threads (3 known senders, 3 new) and 2 replies
    const together = await Promise.all(
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
        mail([
          `Message-ID: <stmt-b${i}@bench-customer.example>`,
          ...(i >= 6 ? [`In-Reply-To: <stmt-${i - 5}@bench-customer.example>`] : []),
        ]).then((m) => (i >= 3 && i < 6 ? { ...m, from: { address: `stmt-new-${i}@bench-customer.example` } } : m)),
      ),
    );
    seen.length = 0;
    await inbox.receiveMany(together.map((m) => ({ workspaceId, target, mail: m })));
    return { opened, appended, batch: seen.splice(0), batchSize: together.length };
  } finally {
    await db.$disconnect();
  }
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main() {
  const loadBefore = os.loadavg();
  const prefix = `crmbench_in_${randomBytes(4).toString("hex")}`;
  const bench = await createBenchDb();
  await bench.db.close();
  let app: App | undefined;
  let bare: Awaited<ReturnType<typeof startBareSmtp>> | undefined;
  let client: ChildProcess | undefined;
  let stats: pg.Client | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      client?.kill();
      await stats?.end().catch(() => undefined);
      await bare?.close().catch(() => undefined);
      await app?.close().catch(() => undefined);
      if (opt.keep) console.error(`kept database ${bench.name} (drop it with: psql -U postgres -c 'DROP DATABASE "${bench.name}"')`);
      else await bench.drop().catch((e: Error) => console.error(`could not drop ${bench.name}: ${e.message}`));
      const r = new Redis(REDIS_URL);
      const keys = await r.keys(`${prefix}*`);
      if (keys.length) await r.del(...keys);
      r.disconnect();
    })());
  // one cleanup for Ctrl-C: the app, the client, the database and the Redis keys (createBenchDb's own drops the database only)
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
  for (const sig of ["SIGINT", "SIGTERM"] as const)
    process.once(sig, () => void cleanup().finally(() => process.exit(sig === "SIGINT" ? 130 : 143)));
  try {
    const step = (m: string) => process.stderr.write(`… ${m}\n`);
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: bench.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      INBOUND_SMTP_PORT: "0",
      INBOUND_DOMAIN: DOMAIN,
      LOG_LEVEL: "warn",
      CONSOLE: "off",
      ...(process.env.DATABASE_POOL_SIZE ? { DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE } : {}),
    });
    if (opt["without-permalink-index"]) {
      const c = new pg.Client({ connectionString: bench.url });
      await c.connect();
      await c.query(`DROP INDEX "Interaction_workspaceId_permalink_idx"`).finally(() => c.end());
    }
    app = await startApp(config, { role: "server", logger: createLogger("warn") });
    const { workspace } = await app.services.workspaces.create("Bench Support", "Ada Admin");
    const support = (await app.services.inbox.addresses(workspace.id))!.support;
    bare = await startBareSmtp(config.INBOUND_MAX_BYTES);
    client = fork(import.meta.filename, ["--client", ...process.argv.slice(2)], { stdio: "inherit" });
    await ask(client);
    stats = new pg.Client({ connectionString: bench.url });
    await stats.connect();
    const ports: Record<Side, number> = { bare: bare.port, crm: app.inboundSmtpPort! };

    step(`warming up: ${WARMUP} messages to each side`);
    for (const side of ["bare", "crm"] as const)
      // --quick: the bare path takes a few thousand messages to warm up (JIT), which cost it a fraction of a second
      await runOn(client, { side, label: "warm", port: ports[side], to: support, count: side === "bare" && opt.quick ? 3000 : WARMUP });

    const per = Math.ceil(N / ROUNDS);
    const all: Record<Side, Outcome[]> = { bare: [], crm: [] };
    const seconds: Record<Side, number> = { bare: 0, crm: 0 };
    const cpu: Record<Side, number> = { bare: 0, crm: 0 };
    const byRound: Record<Side, number[]> = { bare: [], crm: [] };
    let pgCpu = 0;
    const profiler = opt.profile ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post("Profiler.enable");
      await profiler.post("Profiler.start");
    }
    for (let round = 0; round < ROUNDS; round++) {
      const crmCount = Math.min(per, N - round * per);
      // alternate which side goes first
      const order: Side[] = round % 2 === 0 ? ["bare", "crm"] : ["crm", "bare"];
      for (const side of order) {
        const count = side === "bare" && opt.quick ? 4 * crmCount : crmCount;
        step(`round ${round + 1}/${ROUNDS}: ${count} messages to the ${side === "crm" ? "CRM" : "bare server"}`);
        const c0 = cpuMs(),
          p0 = side === "crm" ? await pgBackendCpuMs(stats, bench.name) : 0;
        const r = await runOn(client, { side, label: "run", port: ports[side], to: support, count });
        cpu[side] += cpuMs() - c0;
        if (side === "crm") pgCpu += (await pgBackendCpuMs(stats, bench.name)) - p0;
        all[side].push(...r.outcomes);
        seconds[side] += r.seconds;
        byRound[side].push(Math.round(count / r.seconds));
        step(`  ${byRound[side].at(-1)} msgs/s`);
      }
    }
    if (profiler) {
      const { profile } = await profiler.post("Profiler.stop");
      writeFileSync(opt.profile!, JSON.stringify(profile));
      profiler.disconnect();
    }
    const loadAfter = os.loadavg();

    // ---- what reached the database ----
    step("checking the database");
    const crm = all.crm;
    const accepted = crm.filter((o) => o.code === 250);
    const { rows: stored } = await stats.query<{ externalId: string; n: number; ticketId: string }>(
      `SELECT "externalId", count(*)::int AS n, min("ticketId") AS "ticketId" FROM "TicketMessage"
       WHERE "workspaceId" = $1 AND "channel" = 'email' AND "externalId" LIKE 'crm-%' GROUP BY 1`,
      [workspace.id],
    );
    const byId = new Map(stored.map((s) => [s.externalId, s]));
    const lost = accepted.filter((o) => !byId.has(o.id)).length;
    const duplicated = stored.filter((s) => s.n > 1).length;
    const refusedButStored = crm.filter((o) => o.code !== 250 && byId.has(o.id)).length;
    const newThreads = accepted.filter((o) => !o.reply);
    const misthreaded = accepted.filter((o) => o.reply && byId.get(o.id)?.ticketId !== byId.get(o.root)?.ticketId).length;
    const runTickets = new Set(newThreads.map((o) => byId.get(o.id)?.ticketId).filter(Boolean)).size;
    const { rows: tc } = await stats.query<{ tickets: number; contacts: number }>(
      `SELECT (SELECT count(*)::int FROM "Ticket" WHERE "workspaceId" = $1) AS tickets,
              (SELECT count(*)::int FROM "Contact" WHERE "workspaceId" = $1) AS contacts`,
      [workspace.id],
    );
    const { rows: warmNew } = await stats.query<{ n: number }>(
      `SELECT count(DISTINCT "ticketId")::int AS n FROM "TicketMessage" WHERE "workspaceId" = $1 AND "externalId" LIKE 'crm-warm-%'`,
      [workspace.id],
    );

    // ---- report ----
    const row = (side: Side, label: string) => {
      const o = all[side];
      const ok = o.filter((x) => x.code === 250);
      const d = summarize(ok.map((x) => x.dataMs)),
        t = summarize(ok.map((x) => x.totalMs));
      return [
        label,
        o.length,
        ok.length,
        o.length - ok.length,
        Math.round(o.length / seconds[side]),
        ms(d.p50),
        ms(d.p99),
        ms(d.max),
        ms(t.p50),
        ms(t.p99),
        `${Math.round((cpu[side] * 1000) / o.length)} µs`,
      ];
    };
    const perSecond = (side: Side) => all[side].length / seconds[side];
    const ratio = perSecond("crm") / perSecond("bare");
    const crmData = summarize(accepted.map((x) => x.dataMs));
    let rev = "unknown";
    try {
      rev = execFileSync("git", ["describe", "--always", "--dirty"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      /* not a checkout */
    }
    const cpus = os.cpus();
    const pgVersion = (await stats.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
    const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(" ");
    console.log(`\nbench/inbound.ts — ${new Date().toISOString()} — git ${rev}`);
    console.log(
      `machine: ${cpus.length} cores (${cpus[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; PostgreSQL ${pgVersion} on 127.0.0.1; pool ${config.DATABASE_POOL_SIZE}`,
    );
    console.log(`load average (1/5/15 min): ${load(loadBefore)} at start, ${load(loadAfter)} after measuring`);
    console.log(
      `runs: ${N} messages per side${opt.quick ? " (the bare server 4×)" : ""} over ${C} connections in ${ROUNDS} alternating rounds, after ${WARMUP} warm-up each; reply share ${REPLY_SHARE}, ${SENDERS} senders${opt["without-permalink-index"] ? "; without Interaction_workspaceId_permalink_idx" : ""}\n`,
    );
    console.log(
      table(
        ["side", "sent", "250", "refused", "msgs/s", "DATA end→250 p50", "p99", "max", "MAIL→250 p50", "p99", "CPU/msg (this process)"],
        [row("bare", "bare smtp-server (into nothing)"), row("crm", "CRM listener (committed ticket)")],
      ),
    );
    console.log(`\nmsgs/s by round: CRM ${byRound.crm.join(", ")}; bare ${byRound.bare.join(", ")}`);
    console.log(
      `PostgreSQL backends' CPU per CRM message: ${Number.isFinite(pgCpu) ? `${Math.round((pgCpu * 1000) / crm.length)} µs` : "n/a"}`,
    );
    console.log(
      `database: ${accepted.filter((o) => byId.has(o.id)).length} of ${accepted.length} accepted messages stored; lost ${lost}, duplicated ${duplicated}, refused but stored ${refusedButStored}; ` +
        `${newThreads.length} new threads → ${runTickets} tickets, ${accepted.length - newThreads.length} replies, ${misthreaded} on the wrong ticket; ` +
        `tickets in the workspace ${tc[0].tickets} (expected ${runTickets + warmNew[0].n} with the warm-up's), contacts ${tc[0].contacts}`,
    );
    const sql = await statementsOf(bench.url, workspace.id, support);
    console.log(
      `statements per message one at a time (InboxService.receive, sender known): new thread ${sql.opened.length}, reply ${sql.appended.length} (as Prisma logs them: COMMIT counted, BEGIN not); ` +
        `${sql.batch.length} for ${sql.batchSize} arriving together (receiveMany: 6 new threads, 3 of new senders, 2 replies)`,
    );
    if (opt.statements)
      console.log(
        `\nnew thread:\n  ${sql.opened.join("\n  ")}\nreply:\n  ${sql.appended.join("\n  ")}\n${sql.batchSize} together:\n  ${sql.batch.join("\n  ")}`,
      );
    const refusals = [...new Set(crm.filter((o) => o.code !== 250).map((o) => `${o.code} ${o.text}`))].slice(0, 5);
    if (refusals.length) console.log(`CRM refusals (first kinds): ${refusals.join(" | ")}`);
    const checks = [
      [`ratio ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO})`, ratio >= TARGET_RATIO],
      [`p99 DATA end→committed ${ms(crmData.p99)} (target < ${TARGET_P99_MS} ms)`, crmData.p99 < TARGET_P99_MS],
      [`lost ${lost}, duplicated ${duplicated}`, lost === 0 && duplicated === 0 && refusedButStored === 0],
      [`every reply on its thread's ticket, one ticket per new thread`, misthreaded === 0 && runTickets === newThreads.length],
      [`every message accepted`, accepted.length === crm.length],
    ] as const;
    console.log(checks.map(([what, ok]) => `${ok ? "met" : "NOT met"}: ${what}`).join("\n"));
    if (opt.quick) {
      // the ratio's verdict is bench:check's (p99 is an absolute time: not part of it); the rest is correctness
      const median = (xs: number[]) => {
        const s = [...xs].sort((a, b) => a - b);
        return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
      };
      console.log(ratioLine("inbound.throughput", median(byRound.crm) / median(byRound.bare), TARGET_RATIO, true, 4));
      if (!checks.slice(2).every(([, ok]) => ok)) process.exitCode = 1;
    } else if (!checks.every(([, ok]) => ok)) process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

if (opt.client) clientProcess();
else
  await main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
