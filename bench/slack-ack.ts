// Signed slash commands at a fixed rate into the running server (commands that write), open loop, next to a bare
// Bolt app whose handler only calls ack(), both measured in the same run. Issue 03's target: ack p99 ≤ 2× the bare
// app, 0 errors, no ack over 3 s. The main figure is a team's load (issue #15 item 1, bench/lib/teamLoad.ts): 8 Slack
// users of one team, 80 % `log note C-n …` over 50 contacts and 20 % `deal move D-n <stage>` over 50 open deals
// (each by its owner); beside it the one-record load (every command `log note C-1 …`, all queued on that contact's
// row lock), the worst case.
//
//   npx tsx bench/slack-ack.ts [--rate 200] [--seconds 30] [--servers 1] [--workers 1] [--load team,one-record]
//       [--users 8] [--contacts 50] [--deals 50] [--moves 20]   (the team, and its share of deal moves in percent)
//   npx tsx bench/slack-ack.ts --one-record   # the one-record load alone (what this bench measured before the team)
//   npx tsx bench/slack-ack.ts --step-up [--steps 50,100,150,200,250,300] [--seconds 10] [--step-all]
//       # the team's load at rising rates, each step drained (and the CRM quiet) before the next; prints the highest
//       # rate whose answers came p99 ≤ 1 s after their command (through response_url), every command answered with
//       # success; stops after two missed steps in a row unless --step-all
//   npx tsx bench/slack-ack.ts --quick   # npm run bench:check: the one-record load, 5 s per arm (unless given), the
//       bare app and the CRM alternately 3 times (--pairs; the median pair's ack ratio), both at once, the worker's CPU per command against the raw-SQL floor of a log note (bench/lib/logNoteFloor.ts), RATIO
//       lines; fails itself only on an HTTP error, an ack over 3 s or a command left unanswered
//
// Before measuring, the CRM runs each measured load at the full rate for 10 s (not measured): a running
// server's paths are warm. BENCH_TIMELINE=1 prints, per run, the slowest answer to the commands of each second.
// Full runs also print the raw-SQL floors of a log note and of a deal move (bench/lib/dealMoveFloor.ts) and each
// load's worker CPU per command against the floor of its mix.
// The CRM runs as in production: --role=server processes verify, enqueue and ack; --role=worker
// processes run the commands from the slack-commands queue and answer through response_url.
// --servers 2 starts two server processes behind a round-robin client (issue 09's scale-out load).
// --workers 0 starts all-in-one processes instead (--role=all: the process that acks also runs the command).
// Needs PostgreSQL and Redis on localhost. Creates crm_bench_<random> and a Redis prefix, removes both.
import { execFileSync, fork, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { signSlack } from "../adapters/slack/verify.ts";
import { createBenchDb, type BenchDb } from "./lib/db.ts";
import { startCommand } from "./lib/server.ts";
import { median, summarize, type Summary } from "./lib/stats.ts";
import { ms, table } from "./lib/table.ts";
import { ratioLine } from "./lib/ratios.ts";
import { logNoteFloorCpuMs } from "./lib/logNoteFloor.ts";
import { dealMoveFloorCpuMs } from "./lib/dealMoveFloor.ts";
import { ANSWERED_OK, oneRecord, readRoster, seedTeam, teamMix, teamUser, type BenchCommand, type TeamSize } from "./lib/teamLoad.ts";

const { values: opt } = parseArgs({
  options: {
    rate: { type: "string", default: "200" },
    seconds: { type: "string" },
    servers: { type: "string", default: "1" },
    workers: { type: "string", default: "1" },
    // docs/OPERATIONS.md: where servers and workers share a host, workers run at a lower CPU priority
    "worker-nice": { type: "string", default: "10" },
    // and may be held to some CPUs (a container's CPU limit does the same): e.g. --worker-cpus 1 → taskset -c 1
    "worker-cpus": { type: "string", default: "" },
    sink: { type: "boolean", default: false }, // child mode: the response_url sink
    // a third run: the bare app and the CRM loaded at the same time (same machine conditions for both)
    simultaneous: { type: "boolean", default: false },
    // how long to wait for the answers once the load stops (a busy machine drains the backlog slowly)
    drain: { type: "string", default: "60" },
    quick: { type: "boolean", default: false },
    // the bare app and the CRM measured one after the other this many times, alternately (--quick: 3)
    pairs: { type: "string" },
    // the loads measured, in this order: team (the main figure), one-record (every command on C-1)
    load: { type: "string", default: "team,one-record" },
    "one-record": { type: "boolean", default: false },
    users: { type: "string", default: "8" },
    contacts: { type: "string", default: "50" },
    deals: { type: "string", default: "50" },
    moves: { type: "string", default: "20" },
    "step-up": { type: "boolean", default: false },
    steps: { type: "string", default: "50,100,150,200,250,300" },
    "step-all": { type: "boolean", default: false },
  },
});
if (opt.quick) opt.simultaneous = true;
const STEP_UP = opt["step-up"];
// --quick keeps the one-record load its open levels were recorded with (bench/open-targets.json)
const LOADS = STEP_UP ? ["team"] : opt.quick || opt["one-record"] ? ["one-record"] : opt.load!.split(",");
if (!LOADS.length || LOADS.some((l) => l !== "team" && l !== "one-record"))
  throw new Error(`--load: team and/or one-record, not ${opt.load}`);
const TEAM = LOADS.includes("team");
const RATE = Number(opt.rate),
  SECONDS = Number(opt.seconds ?? (opt.quick ? 5 : STEP_UP ? 10 : 30)),
  PAIRS = Number(opt.pairs ?? (opt.quick ? 3 : 1)),
  SERVERS = Number(opt.servers),
  WORKERS = Number(opt.workers);
const SIZE: TeamSize = { users: Number(opt.users), contacts: Number(opt.contacts), deals: Number(opt.deals), movePct: Number(opt.moves) };
/** a step is sustained when its answers' p99 (command → answer through response_url) is at most this */
const SUSTAINED_P99_MS = 1000;
const SECRET = "bench-signing-secret-0123456789";
const ROOT = path.resolve(import.meta.dirname, "..");

/** CPU time (user + system) a process has used so far, from /proc (Linux), in ms. */
function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return NaN;
  }
}
const cpuOf = (procs: ChildProcess[]) => procs.reduce((a, c) => a + cpuMs(c.pid!), 0);

/** CPU so far of each PostgreSQL backend serving the bench database (the pools keep theirs open; pids from pg_stat_activity). */
async function pgBackends(bench: BenchDb): Promise<Map<number, number>> {
  const rows = await bench.db.prisma.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`;
  return new Map(rows.map((r) => [r.pid, cpuMs(r.pid)]));
}
/** What those backends spent in between (one that started since counts from 0; one that ended since is missed). */
const pgSpent = (before: Map<number, number>, after: Map<number, number>) =>
  [...after].reduce((a, [pid, c]) => (Number.isFinite(c) ? a + c - (before.get(pid) ?? 0) : a), 0);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

/** the node flags `npm start` passes (e.g. --expose-gc, --max-semi-space-size=8): the CRM processes run with them */
const START_FLAGS = startCommand().filter((a) => a.startsWith("--"));

function startProcess(script: string, env: Record<string, string>, ready: RegExp, args: string[] = []): Promise<ChildProcess> {
  // BENCH_PROFILE=<dir>: CPU profiles of the CRM processes (written when they exit), for chrome://inspect
  const prof = process.env.BENCH_PROFILE && script === "src/main.ts" ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  // BENCH_PRELOAD=<file>: a module imported first in the CRM processes (e.g. one that counts statements per command)
  const pre = process.env.BENCH_PRELOAD && script === "src/main.ts" ? ["--import", process.env.BENCH_PRELOAD] : [];
  // the node flags of `npm start` (package.json), or BENCH_NODE_ARGS="--max-semi-space-size=4 …" instead
  const nodeArgs =
    script !== "src/main.ts"
      ? []
      : process.env.BENCH_NODE_ARGS !== undefined
        ? process.env.BENCH_NODE_ARGS.split(/\s+/).filter(Boolean)
        : START_FLAGS;
  const child = spawn(process.execPath, [...nodeArgs, ...prof, ...pre, "--import", "tsx", script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (ready.test(out)) resolve(child);
    });
    child.stderr!.on("data", (d) => {
      out += d;
    });
    child.on("exit", (code) => reject(new Error(`${script} exited ${code}: ${out.slice(-500)}`)));
  });
}

// response_url sink, in a child process so that receiving 200 answers a second does not slow the event
// loop that times the acks (the bare app sends no answers; the measuring process must do the same work in
// both runs). It records when each answer arrived, on the clock both processes share (timeOrigin + now),
// and the start of its text, so that an error answer is not counted as a command done.
const now = () => performance.timeOrigin + performance.now();
function sinkProcess() {
  const arrived: Record<string, [number, string]> = {};
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      const at = now(),
        body = Buffer.concat(chunks).toString("utf8");
      // the CRM's Web API calls (users.info for a person it does not know yet): a full member of TBENCH
      if (req.url?.startsWith("/api/")) {
        const user = new URLSearchParams(body).get("user") ?? "UBENCH";
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, user: { id: user, team_id: "TBENCH" } }));
        return;
      }
      let text = body;
      try {
        text = String((JSON.parse(body) as { text?: unknown }).text ?? body);
      } catch {
        // not JSON: keep the body as it came
      }
      arrived[req.url ?? ""] = [at, text.slice(0, 200)];
      res.writeHead(200).end("ok");
    });
  });
  server.listen(0, "127.0.0.1", () => process.send!({ url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` }));
  process.on("message", (m: { prefix: string; count?: boolean }) => {
    const mine = Object.entries(arrived).filter(([k]) => k.startsWith(m.prefix));
    process.send!(m.count ? { count: mine.length } : { arrived: Object.fromEntries(mine) });
  });
}
let sinkUrl = "";
let sinkChild: ChildProcess | undefined;
let sinkTurn: Promise<unknown> = Promise.resolve();
/** one question at a time: the answers come back in the order asked */
function askSink<T>(msg?: unknown): Promise<T> {
  const asked = sinkTurn.then(
    () =>
      new Promise<T>((resolve) => {
        sinkChild!.once("message", (m) => resolve(m as T));
        if (msg !== undefined) sinkChild!.send(msg as never);
      }),
  );
  sinkTurn = asked.catch(() => undefined);
  return asked;
}
const answeredCount = async (run: string) => (await askSink<{ count: number }>({ prefix: `/${run}/`, count: true })).count;
async function answeredIn(run: string): Promise<Map<string, [number, string]>> {
  return new Map(Object.entries((await askSink<{ arrived: Record<string, [number, string]> }>({ prefix: `/${run}/` })).arrived));
}

function slashBody(cmd: { text: string; user: string }, i: number, run: string): string {
  return new URLSearchParams({
    token: "x",
    team_id: "TBENCH",
    team_domain: "bench",
    channel_id: "CBENCH",
    channel_name: "bench",
    user_id: cmd.user,
    user_name: cmd.user.toLowerCase(),
    command: "/crm",
    text: cmd.text,
    response_url: `${sinkUrl}/${run}/${i}`,
    trigger_id: `1.${i}.x`,
  }).toString();
}

async function send(
  url: string,
  cmd: { text: string; user: string },
  i: number,
  run = "warm",
): Promise<{ ms: number; ok: boolean; sentAt: number }> {
  const body = slashBody(cmd, i, run);
  const ts = String(Math.floor(Date.now() / 1000));
  const started = performance.now(),
    sentAt = now();
  try {
    const res = await fetch(`${url}/slack/events`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signSlack(SECRET, ts, body),
      },
    });
    const text = await res.text();
    return {
      ms: performance.now() - started,
      ok: res.status === 200 && !text.includes("Something went wrong") && !text.includes("not answering"),
      sentAt,
    };
  } catch {
    return { ms: performance.now() - started, ok: false, sentAt };
  }
}

/**
 * Waits until these processes have gone quiet (under 2 % of a core for 2 s: queue polling and timers
 * only), at most `maxS` seconds, so that CPU per command counts the work a command leaves behind (its
 * domain events, rescoring) and not only what was done by the time the last answer arrived.
 */
async function settle(procs: ChildProcess[], maxS = 120): Promise<number> {
  const t0 = performance.now();
  let last = cpuOf(procs),
    quiet = 0;
  while (performance.now() - t0 < maxS * 1000 && quiet < 2) {
    await new Promise((r) => setTimeout(r, 1000));
    const c = cpuOf(procs);
    quiet = c - last < 20 ? quiet + 1 : 0;
    last = c;
  }
  return (performance.now() - t0) / 1000;
}

type Kind = BenchCommand["kind"];
interface LoadResult {
  sent: number;
  s: Summary;
  errors: number;
  over3s: number;
  achieved: number;
  answers: number;
  answer?: Summary;
  /** per kind of command: how many were sent, and command → answer of those answered with success */
  byKind: Partial<Record<Kind, { sent: number; answer?: Summary }>>;
  /** answered, but not with success (an error message): how many, and the first few texts */
  wrong: number;
  wrongSamples: string[];
  lastAnswerS: number;
}

/** Open loop: one request every 1000/rate ms whatever the answers do, for `seconds`. */
async function load(
  urls: string[],
  next: (i: number) => BenchCommand,
  run: string,
  expectAnswers: boolean,
  rate = RATE,
  seconds = SECONDS,
) {
  const total = Math.round(rate * seconds),
    gap = 1000 / rate,
    started = performance.now(),
    startedAt = now();
  const pending: Promise<{ ms: number; ok: boolean; sentAt: number }>[] = [];
  const kinds: Kind[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + i * gap;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const cmd = next(i);
    kinds.push(cmd.kind);
    pending.push(send(urls[i % urls.length], cmd, i, run));
  }
  const results = await Promise.all(pending);
  const achieved = total / ((performance.now() - started) / 1000);
  const lat = results.map((r) => r.ms);
  const out: LoadResult = {
    sent: total,
    s: summarize(lat),
    errors: results.filter((r) => !r.ok).length,
    over3s: lat.filter((x) => x > 3000).length,
    achieved,
    answers: 0,
    byKind: {},
    wrong: 0,
    wrongSamples: [],
    lastAnswerS: NaN,
  };
  for (const k of kinds) out.byKind[k] = { sent: (out.byKind[k]?.sent ?? 0) + 1 };
  if (!expectAnswers) return out;
  // answers through response_url: wait up to --drain seconds for the backlog to drain
  const deadline = performance.now() + Number(opt.drain) * 1000;
  while (performance.now() < deadline && (await answeredCount(run)) < total) await new Promise((r) => setTimeout(r, 500));
  const answered = await answeredIn(run);
  const arrivals: number[] = [],
    done: number[] = [],
    doneByKind: Partial<Record<Kind, number[]>> = {};
  results.forEach((r, i) => {
    const a = answered.get(`/${run}/${i}`);
    if (!a) return;
    arrivals.push(a[0]);
    if (!ANSWERED_OK[kinds[i]].test(a[1])) {
      out.wrong++;
      if (out.wrongSamples.length < 3) out.wrongSamples.push(a[1]);
      return;
    }
    done.push(a[0] - r.sentAt);
    (doneByKind[kinds[i]] ??= []).push(a[0] - r.sentAt);
  });
  if (process.env.BENCH_TIMELINE) {
    // the slowest answer to the commands sent in each second of the run: second:ms
    const bySecond = new Map<number, number>();
    results.forEach((r, i) => {
      const a = answered.get(`/${run}/${i}`);
      const k = Math.floor((r.sentAt - startedAt) / 1000);
      if (a) bySecond.set(k, Math.max(bySecond.get(k) ?? 0, a[0] - r.sentAt));
    });
    console.log(`${run}: slowest answer by second sent: ${[...bySecond].map(([k, v]) => `${k}:${Math.round(v)}`).join(" ")}`);
  }
  out.answers = arrivals.length;
  out.answer = done.length ? summarize(done) : undefined;
  for (const [k, xs] of Object.entries(doneByKind)) out.byKind[k as Kind]!.answer = summarize(xs);
  out.lastAnswerS = arrivals.length ? (Math.max(...arrivals) - startedAt) / 1000 : NaN;
  return out;
}

/** Sends these commands at once and waits (up to 30 s) for their answers: the team's set-up (bench/lib/teamLoad.ts). */
let asked = 0;
async function ask(url: string, cmds: { text: string; user: string }[]): Promise<(string | undefined)[]> {
  const first = asked;
  asked += cmds.length;
  const acks = await Promise.all(cmds.map((c, k) => send(url, c, first + k, "seed")));
  if (acks.some((a) => !a.ok)) throw new Error(`team seed: a command was refused: ${cmds.map((c) => c.text).join("; ")}`);
  const deadline = performance.now() + 30_000;
  let answered = await answeredIn("seed");
  while (performance.now() < deadline && cmds.some((_, k) => !answered.has(`/seed/${first + k}`))) {
    await new Promise((r) => setTimeout(r, 100));
    answered = await answeredIn("seed");
  }
  return cmds.map((_, k) => answered.get(`/seed/${first + k}`)?.[1]);
}

interface Arm extends LoadResult {
  serverCpu: number;
  workerCpu: number;
  /** the PostgreSQL backends of the bench database (pgBackends) */
  pgCpu: number;
  settledS: number;
  load0: number;
  load1: number;
}

async function main() {
  const bench = await createBenchDb();
  const prefix = `crmbench_${Date.now()}`;
  const children: ChildProcess[] = [];
  sinkChild = fork(import.meta.filename, ["--sink"], { stdio: "inherit" });
  sinkUrl = (await askSink<{ url: string }>()).url;
  try {
    const step = (m: string) => process.stderr.write(`… ${m}\n`);
    const barePort = await freePort();
    step("starting the bare Bolt app and the CRM server(s)");
    const bareProc = await startProcess(
      "bench/lib/bare-bolt.ts",
      { PORT: String(barePort), SLACK_SIGNING_SECRET: SECRET },
      /bare bolt listening/,
    );
    children.push(bareProc);
    const workerProcs: ChildProcess[] = [],
      serverProcs: ChildProcess[] = [];
    const crmEnv = {
      DATABASE_URL: bench.url,
      QUEUE_PREFIX: prefix,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: "xoxb-bench",
      // the sink: a response_url is followed only on SLACK_API_URL's host, and users.info is asked there
      SLACK_API_URL: `${sinkUrl}/api/`,
      LOG_LEVEL: "warn",
      ...(process.env.SLACK_COMMAND_CONCURRENCY ? { SLACK_COMMAND_CONCURRENCY: process.env.SLACK_COMMAND_CONCURRENCY } : {}),
    };
    // workers first, so the servers find them listening on the slack-commands queue
    for (let k = 0; k < WORKERS; k++) {
      const w = await startProcess("src/main.ts", { ...crmEnv, LOG_LEVEL: "info" }, /sla timers worker started/, ["--role=worker"]);
      os.setPriority(w.pid!, Number(opt["worker-nice"]));
      if (opt["worker-cpus"]) execFileSync("taskset", ["-a", "-p", "-c", opt["worker-cpus"], String(w.pid)], { stdio: "ignore" });
      children.push(w);
      workerProcs.push(w);
    }
    const urls: string[] = [];
    for (let k = 0; k < SERVERS; k++) {
      const port = await freePort();
      const server = await startProcess("src/main.ts", { ...crmEnv, PORT: String(port) }, /CRM console/, [
        WORKERS > 0 ? "--role=server" : "--role=all",
      ]);
      children.push(server);
      serverProcs.push(server);
      urls.push(`http://127.0.0.1:${port}`);
    }
    if (TEAM) {
      step(`servers up; a team of ${SIZE.users} users adds ${SIZE.contacts} contacts and ${SIZE.deals} deals`);
      await seedTeam(SIZE, (cmds) => ask(urls[0], cmds), bench.db.prisma);
    } else {
      // a contact to log against
      step("servers up; adding the contact");
      const first = await send(urls[0], { text: "contact add Bench Contact email:bench@example.com", user: teamUser(0) }, 0);
      if (!first.ok) throw new Error("could not create the bench contact");
    }
    step("warming up");
    for (let i = 0; i < 200; i++) {
      await send(`http://127.0.0.1:${barePort}`, { text: "help", user: teamUser(0) }, i);
      await send(urls[i % urls.length], { text: "help", user: teamUser(TEAM ? i % SIZE.users : 0) }, i);
    }

    /** One measured run of the CRM: the load, its answers, then its CPU counted until the CRM has gone quiet. */
    const measure = async (next: (i: number) => BenchCommand, run: string, rate = RATE, seconds = SECONDS): Promise<Arm> => {
      const load0 = os.loadavg()[0];
      const [server0, worker0, pg0] = [cpuOf(serverProcs), cpuOf(workerProcs), await pgBackends(bench)];
      const r = await load(urls, next, run, true, rate, seconds);
      const settledS = await settle([...serverProcs, ...workerProcs]);
      return {
        ...r,
        serverCpu: cpuOf(serverProcs) - server0,
        workerCpu: cpuOf(workerProcs) - worker0,
        pgCpu: pgSpent(pg0, await pgBackends(bench)),
        settledS,
        load0,
        load1: os.loadavg()[0],
      };
    };
    const loadOf = async (name: string, word?: string) =>
      name === "team" ? teamMix(SIZE, await readRoster(bench.db.prisma)) : oneRecord(process.env.BENCH_TEXT, word);
    const nameOf = (name: string) =>
      name === "team" ? `CRM team (${SIZE.users} users, ${100 - SIZE.movePct}/${SIZE.movePct} note/move)` : "CRM log note C-1";

    if (STEP_UP) {
      await stepUp(bench, measure, loadOf);
      return;
    }

    // the CRM's own commands once before measuring them: the worker's log and move paths, its pool connections and
    // their prepared statements are otherwise cold for the first seconds of the measured run (answers up to ~0.9 s
    // in its first 7 s, ≤ 0.2 s after: BENCH_TIMELINE=1), which a server that has run for a while does not see
    // (at a quarter of the rate for 5 s the worker still spent 2.2 ms per log note in the first measured 5 s and
    // 1.5 ms in the third: V8 had not yet optimized its hot paths; 10 s at the full rate does it)
    step(`warming up the CRM with its own load (${RATE}/s for 10s)`);
    for (const name of LOADS) await load(urls, await loadOf(name), `warm-${name}`, true, RATE, 10);
    // One after the other, PAIRS times alternately: the bare app, then each load of the CRM. One pair's p99 ratio
    // moved 0.9–25× between quick runs on this shared machine (a 5-second arm's p99 is its 10th-slowest ack, and
    // either arm can land on someone else's burst); the median of the pairs' ratios is the figure.
    const bares: { r: LoadResult; cpu: number; load0: number }[] = [];
    const arms: { name: string; pair: number; r: Arm }[] = [];
    for (let pair = 0; pair < PAIRS; pair++) {
      const of = PAIRS > 1 ? `, pair ${pair + 1} of ${PAIRS}` : "";
      step(`measuring the bare app (${RATE}/s for ${SECONDS}s${of})`);
      const load0 = os.loadavg()[0],
        cpu0 = cpuMs(bareProc.pid!);
      const r = await load([`http://127.0.0.1:${barePort}`], oneRecord("log note C-1 bench"), `bare${pair}`, false);
      bares.push({ r, cpu: cpuMs(bareProc.pid!) - cpu0, load0 });
      for (const name of LOADS) {
        step(`measuring the CRM, ${name === "team" ? "the team's load" : "one record"} (${RATE}/s for ${SECONDS}s${of})`);
        arms.push({ name, pair, r: await measure(await loadOf(name), `${name}${pair}`) });
      }
    }
    const logged = await bench.db.prisma.interaction.count();
    console.log(
      `\nbench/slack-ack.ts — ${new Date().toISOString()} — ${RATE}/s for ${SECONDS}s${PAIRS > 1 ? ` × ${PAIRS} pairs` : ""}, ${SERVERS} server process(es), ${WORKERS} worker process(es); interactions written: ${logged}`,
    );
    const row = (name: string, r: LoadResult) => [name, r.achieved.toFixed(0), ms(r.s.p50), ms(r.s.p99), ms(r.s.max), r.errors, r.over3s];
    const pairOf = (k: number) => (PAIRS > 1 ? ` (pair ${k + 1})` : "");
    console.log(
      table(
        ["target", "sent/s", "p50", "p99", "max", "errors", "acks > 3 s"],
        bares.flatMap((b, k) => [
          row(`bare Bolt ack()${pairOf(k)}`, b.r),
          ...arms.filter((a) => a.pair === k).map((a) => row(`${nameOf(a.name)}${pairOf(k)}`, a.r)),
        ]),
      ),
    );
    const per = (x: number, n: number) => `${(x / n).toFixed(2)} ms`;
    for (const { name, pair, r } of arms) {
      console.log(`${nameOf(name)}${pairOf(pair)}: ${answersLine(r)}`);
      console.log(
        `  CPU per command: CRM server(s) ${per(r.serverCpu, r.sent)}${WORKERS ? `, worker(s) ${per(r.workerCpu, r.sent)} (nice ${opt["worker-nice"]}${opt["worker-cpus"] ? `, CPUs ${opt["worker-cpus"]}` : ""})` : ""}, PostgreSQL ${per(r.pgCpu, r.sent)}; load average ${r.load0.toFixed(1)} → ${r.load1.toFixed(1)}; counted until the CRM went quiet ${r.settledS.toFixed(0)} s after the last answer`,
      );
    }
    for (const [k, b] of bares.entries())
      console.log(
        `CPU per command: bare app${pairOf(k)} ${per(b.cpu, b.r.sent)}; load average ${b.load0.toFixed(1)} while it was measured`,
      );
    const firsts = arms.filter((a) => a.name === LOADS[0]).map((a) => a.r);
    const pairRatios = firsts.map((r, k) => r.s.p99 / bares[k].r.s.p99);
    const ratio = median(pairRatios);
    if (PAIRS > 1)
      console.log(
        `${nameOf(LOADS[0])}: ack p99 ratio per pair ${pairRatios.map((x) => `${x.toFixed(2)}×`).join(", ")}; median ${ratio.toFixed(2)}×`,
      );
    const ratios = [ratioLine("slack-ack.one-after-the-other", ratio, 2)];
    let broken = firsts.reduce((n, r) => n + r.errors + r.over3s + (r.sent - r.answers), 0);
    // the floors: the same writes as raw SQL on pg, one transaction each (this process; the worker is idle by now)
    const floors = await sqlFloors(bench.url, TEAM);
    if (opt.quick) {
      const workerPer = firsts.reduce((a, r) => a + r.workerCpu, 0) / firsts.reduce((a, r) => a + r.sent, 0);
      console.log(
        `worker CPU per log note ${workerPer.toFixed(2)} ms against ${floors.note.toFixed(2)} ms for its writes as raw SQL on pg: ${(workerPer / floors.note).toFixed(2)}× (target ≤ 3×)`,
      );
      ratios.push(ratioLine("slack-ack.worker-cpu-vs-sql-floor", workerPer / floors.note, 3));
    } else {
      console.log(
        `raw-SQL floors (bench/lib/*Floor.ts, CPU per command of this process on pg, one transaction each): log note ${floors.note.toFixed(2)} ms${TEAM ? `, deal move ${floors.move.toFixed(2)} ms` : ""}`,
      );
      for (const { name, r } of arms) console.log(`  ${nameOf(name)}: ${floorLine(r, floors)}`);
    }
    for (const name of LOADS) {
      const runs = arms.filter((a) => a.name === name).map((a) => a.r);
      const x = median(runs.map((r, k) => r.s.p99 / bares[k].r.s.p99));
      const clean = runs.every((r) => r.errors === 0 && r.over3s === 0);
      console.log(
        `${nameOf(name)}: ack p99 ratio ${x.toFixed(2)}×${PAIRS > 1 ? " (median of the pairs)" : ""} (target ≤ 2×): ${x <= 2 && clean ? "met" : "NOT met"} — one after the other: the bare app on an idle machine, the CRM with its worker and PostgreSQL busy`,
      );
    }
    if (opt.simultaneous) {
      // Both at once, each at RATE: the same machine under the same load (the CRM's worker, PostgreSQL,
      // Redis) for both, so what is left is what the CRM's ack path itself costs.
      step(`measuring both at once (${RATE}/s each for ${SECONDS}s, ${LOADS[0]})`);
      const next = await loadOf(LOADS[0], "again");
      const [bare2, ours2] = await Promise.all([
        load([`http://127.0.0.1:${barePort}`], oneRecord("log note C-1 bench"), "bare2", false),
        load(urls, next, "crm2", true),
      ]);
      console.log(
        `\nBoth at once, ${RATE}/s each for ${SECONDS}s (interactions written in all: ${await bench.db.prisma.interaction.count()}):`,
      );
      console.log(
        table(
          ["target", "sent/s", "p50", "p99", "max", "errors", "acks > 3 s"],
          [row("bare Bolt ack()", bare2), row(nameOf(LOADS[0]), ours2)],
        ),
      );
      console.log(`CRM: ${answersLine(ours2)}`);
      const r2 = ours2.s.p99 / bare2.s.p99;
      // not a RATIO line: in 5-second arms on the shared 2-core machine this p99 ratio ranged 1.4–5.2× (met at 1.1–1.3× in
      // the 30-second runs), so 25 % would fail CI on other people's load, not on ours (bench/README.md)
      broken += ours2.errors + ours2.over3s + (ours2.sent - ours2.answers);
      console.log(
        `p99 ratio ${r2.toFixed(2)}× (target ≤ 2×): ${r2 <= 2 && ours2.errors === 0 && ours2.over3s === 0 ? "met" : "NOT met"} — both at once`,
      );
    }
    if (opt.quick) {
      // the ratios' verdict is npm run bench:check's; an error, a slow ack or a lost answer fails here
      console.log(`\n${ratios.join("\n")}`);
      if (broken) {
        console.log(`${broken} command(s) failed, acked after 3 s or left unanswered`);
        process.exitCode = 1;
      }
    }
  } finally {
    for (const c of children) c.kill("SIGTERM");
    sinkChild?.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await bench.drop();
    const r = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  }
}

/**
 * "answers through response_url 6000/6000[; n answered with an error, e.g. …]; time from command to answer p50 …, p99 …
 * (notes: … sent, p99 …; moves: …); all answered … s after the first command" — the times are of the answers that say
 * the command was done.
 */
function answersLine(r: LoadResult): string {
  const kinds = (["note", "move"] as const).filter((k) => r.byKind[k]);
  const byKind =
    kinds.length > 1
      ? ` (${kinds.map((k) => `${k}s: ${r.byKind[k]!.sent} sent, p99 ${ms(r.byKind[k]!.answer?.p99 ?? NaN)}`).join("; ")})`
      : "";
  const wrong = r.wrong ? `; ${r.wrong} answered with an error, e.g. ${r.wrongSamples.map((t) => JSON.stringify(t)).join(", ")}` : "";
  return `answers through response_url ${r.answers}/${r.sent}${wrong}; time from command to answer p50 ${ms(r.answer?.p50 ?? NaN)}, p99 ${ms(r.answer?.p99 ?? NaN)}${byKind}; all answered ${r.lastAnswerS.toFixed(1)} s after the first command`;
}

/**
 * The raw-SQL floors of a log note and (with the team) of a deal move, each measured twice, alternately, keeping the
 * second: the first pass of either pays for warming up pg's code in this process (0.6–0.7 ms against 0.4–0.5 ms).
 */
async function sqlFloors(url: string, moves: boolean): Promise<{ note: number; move: number }> {
  const out = { note: NaN, move: NaN };
  for (let pass = 0; pass < 2; pass++) {
    out.note = await logNoteFloorCpuMs(url, { commands: 1000 });
    if (moves) out.move = await dealMoveFloorCpuMs(url, { commands: 1000 });
  }
  return out;
}

/** The floor of what a run sent (its shares of notes and moves) and the worker's CPU per command against it. */
function floorOfMix(r: LoadResult, floors: { note: number; move: number }): number {
  const notes = r.byKind.note?.sent ?? 0,
    moves = r.byKind.move?.sent ?? 0;
  return (notes * floors.note + (moves ? moves * floors.move : 0)) / (notes + moves);
}
function floorLine(r: Arm, floors: { note: number; move: number }): string {
  const f = floorOfMix(r, floors),
    w = r.workerCpu / r.sent;
  return `worker CPU per command ${w.toFixed(2)} ms against ${f.toFixed(2)} ms for the floor of its mix: ${(w / f).toFixed(2)}× (target ≤ 3×)`;
}

/** --step-up: the team's load at each rate of --steps, drained and quiet between steps. */
async function stepUp(
  bench: BenchDb,
  measure: (next: (i: number) => BenchCommand, run: string, rate: number, seconds: number) => Promise<Arm>,
  loadOf: (name: string) => Promise<(i: number) => BenchCommand>,
) {
  const rates = opt.steps!.split(",").map(Number);
  const steps: { rate: number; r: Arm; ok: boolean }[] = [];
  let missed = 0;
  for (const rate of rates) {
    process.stderr.write(`… step ${rate}/s for ${SECONDS}s\n`);
    const r = await measure(await loadOf("team"), `step${rate}`, rate, SECONDS);
    const ok = r.errors === 0 && r.over3s === 0 && r.wrong === 0 && r.answers === r.sent && (r.answer?.p99 ?? Infinity) <= SUSTAINED_P99_MS;
    steps.push({ rate, r, ok });
    process.stderr.write(`  answer p99 ${ms(r.answer?.p99 ?? NaN)}, ${r.answers}/${r.sent} answered, ${ok ? "sustained" : "missed"}\n`);
    missed = ok ? 0 : missed + 1;
    if (missed >= 2 && !opt["step-all"]) break;
  }
  const floors = await sqlFloors(bench.url, true);
  console.log(
    `\nbench/slack-ack.ts --step-up — ${new Date().toISOString()} — the team's load (${SIZE.users} users, ${SIZE.contacts} contacts, ${SIZE.deals} deals, ${100 - SIZE.movePct}/${SIZE.movePct} note/move), ${SECONDS}s per step, ${SERVERS} server process(es), ${WORKERS} worker process(es) (nice ${opt["worker-nice"]})`,
  );
  const per = (x: number, n: number) => (x / n).toFixed(2);
  console.log(
    table(
      [
        "rate/s",
        "sent/s",
        "ack p99",
        "acks > 3 s",
        "errors",
        "answered",
        "answer p50",
        "answer p99",
        "server CPU/cmd",
        "worker CPU/cmd",
        "worker ÷ floor",
        "PostgreSQL CPU/cmd",
        "load avg",
        "p99 ≤ 1 s",
      ],
      steps.map(({ rate, r, ok }) => [
        rate,
        r.achieved.toFixed(0),
        ms(r.s.p99),
        r.over3s,
        r.errors,
        `${r.answers}/${r.sent}${r.wrong ? ` (${r.wrong} errors)` : ""}`,
        ms(r.answer?.p50 ?? NaN),
        ms(r.answer?.p99 ?? NaN),
        `${per(r.serverCpu, r.sent)} ms`,
        `${per(r.workerCpu, r.sent)} ms`,
        `${(r.workerCpu / r.sent / floorOfMix(r, floors)).toFixed(1)}×`,
        `${per(r.pgCpu, r.sent)} ms`,
        `${r.load0.toFixed(1)} → ${r.load1.toFixed(1)}`,
        ok ? "yes" : "no",
      ]),
    ),
  );
  for (const { r } of steps) for (const t of r.wrongSamples) console.log(`  an error answer: ${JSON.stringify(t)}`);
  console.log(
    `raw-SQL floors (CPU per command on pg, one transaction each): log note ${floors.note.toFixed(2)} ms, deal move ${floors.move.toFixed(2)} ms; floor of the mix ${floorOfMix(steps[0].r, floors).toFixed(2)} ms`,
  );
  const best = steps.filter((s) => s.ok).at(-1);
  const missAt = steps.findIndex((s) => !s.ok);
  // on a shared machine a step can miss and a faster one pass after it: both figures are printed
  const below = missAt > 0 && best && steps[missAt].rate < best.rate ? steps[missAt - 1].rate : undefined;
  const gap =
    best && missAt >= 0 && steps[missAt].rate < best.rate
      ? `; every step sustained up to ${below ? `${below}/s` : "none"}, ${steps[missAt].rate}/s missed (steps need not be monotonic on a shared machine: run it again)`
      : "";
  console.log(
    best
      ? `highest rate sustained (answer p99 ≤ 1 s, every command answered with success): ${best.rate}/s${gap}${best === steps.at(-1) && steps.length === rates.length ? " — the highest step tried: raise --steps" : ""}`
      : `no step sustained (answer p99 ≤ 1 s): lower --steps`,
  );
}

if (opt.sink) sinkProcess();
else await main();
