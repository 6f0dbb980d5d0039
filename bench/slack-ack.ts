// 200 signed slash commands per second for 30 s into the running server (`/crm log note C-1 …`, a
// command that writes), open loop, next to a bare Bolt app whose handler only calls ack(), both
// measured in the same run. Target: p99 ≤ 2× the bare app, 0 errors, no ack over 3 s.
//
//   npx tsx bench/slack-ack.ts [--rate 200] [--seconds 30] [--servers 1] [--workers 1]
//   npx tsx bench/slack-ack.ts --quick   # npm run bench:check: 5 s per arm (unless given), both arms, the worker's
//       CPU per command against the raw-SQL floor of a log note (bench/lib/logNoteFloor.ts), RATIO lines; fails
//       itself only on an HTTP error, an ack over 3 s or a command left unanswered
//
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
import { createBenchDb } from "./lib/db.ts";
import { summarize } from "./lib/stats.ts";
import { ms, table } from "./lib/table.ts";
import { ratioLine } from "./lib/ratios.ts";
import { logNoteFloorCpuMs } from "./lib/logNoteFloor.ts";

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
  },
});
if (opt.quick) opt.simultaneous = true;
const RATE = Number(opt.rate),
  SECONDS = Number(opt.seconds ?? (opt.quick ? 5 : 30)),
  SERVERS = Number(opt.servers),
  WORKERS = Number(opt.workers);
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

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

function startProcess(script: string, env: Record<string, string>, ready: RegExp, args: string[] = []): Promise<ChildProcess> {
  // BENCH_PROFILE=<dir>: CPU profiles of the CRM processes (written when they exit), for chrome://inspect
  const prof = process.env.BENCH_PROFILE && script === "src/main.ts" ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...prof, "--import", "tsx", script, ...args], {
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
// both runs). It records when each answer arrived, on the clock both processes share (timeOrigin + now).
const now = () => performance.timeOrigin + performance.now();
function sinkProcess() {
  const arrived: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      // the CRM's Web API calls (users.info for a person it does not know yet): a full member of TBENCH
      if (req.url?.startsWith("/api/")) {
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ ok: true, user: { id: "UBENCH", team_id: "TBENCH" } }));
        return;
      }
      arrived[req.url ?? ""] = now();
      res.writeHead(200).end("ok");
    });
  });
  server.listen(0, "127.0.0.1", () => process.send!({ url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` }));
  process.on("message", (m: { prefix: string }) => {
    process.send!({ arrived: Object.fromEntries(Object.entries(arrived).filter(([k]) => k.startsWith(m.prefix))) });
  });
}
let sinkUrl = "";
let sinkChild: ChildProcess | undefined;
function askSink<T>(msg?: unknown): Promise<T> {
  return new Promise((resolve) => {
    sinkChild!.once("message", (m) => resolve(m as T));
    if (msg !== undefined) sinkChild!.send(msg as never);
  });
}
async function answeredIn(run: string): Promise<Map<string, number>> {
  return new Map(Object.entries((await askSink<{ arrived: Record<string, number> }>({ prefix: `/${run}/` })).arrived));
}

function slashBody(text: string, i: number, run: string): string {
  return new URLSearchParams({
    token: "x",
    team_id: "TBENCH",
    team_domain: "bench",
    channel_id: "CBENCH",
    channel_name: "bench",
    user_id: "UBENCH",
    user_name: "bench",
    command: "/crm",
    text,
    response_url: `${sinkUrl}/${run}/${i}`,
    trigger_id: `1.${i}.x`,
  }).toString();
}

async function send(url: string, text: string, i: number, run = "warm"): Promise<{ ms: number; ok: boolean; sentAt: number }> {
  const body = slashBody(text, i, run);
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

/** Open loop: one request every 1000/RATE ms whatever the answers do, for SECONDS. */
async function load(urls: string[], text: (i: number) => string, run: string, expectAnswers: boolean) {
  const total = RATE * SECONDS,
    gap = 1000 / RATE,
    started = performance.now(),
    startedAt = now();
  const pending: Promise<{ ms: number; ok: boolean; sentAt: number }>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + i * gap;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(send(urls[i % urls.length], text(i), i, run));
  }
  const results = await Promise.all(pending);
  const achieved = total / ((performance.now() - started) / 1000);
  const lat = results.map((r) => r.ms);
  // answers through response_url: wait up to 60 s for the backlog to drain
  let done: number[] = [],
    arrivals: number[] = [];
  if (expectAnswers) {
    const deadline = performance.now() + Number(opt.drain) * 1000;
    let answered = await answeredIn(run);
    while (performance.now() < deadline && answered.size < total) {
      await new Promise((r) => setTimeout(r, 500));
      answered = await answeredIn(run);
    }
    arrivals = results.map((_, i) => answered.get(`/${run}/${i}`) ?? NaN).filter(Number.isFinite);
    done = results.map((r, i) => (answered.get(`/${run}/${i}`) ?? NaN) - r.sentAt).filter(Number.isFinite);
  }
  return {
    s: summarize(lat),
    errors: results.filter((r) => !r.ok).length,
    over3s: lat.filter((x) => x > 3000).length,
    achieved,
    answers: done.length,
    answer: done.length ? summarize(done) : undefined,
    lastAnswerS: arrivals.length ? (Math.max(...arrivals) - startedAt) / 1000 : NaN,
  };
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
    step("servers up; warming up");
    // a contact to log against, and a warm-up for both
    const first = await send(urls[0], "contact add Bench Contact email:bench@example.com", 0);
    if (!first.ok) throw new Error("could not create the bench contact");
    for (let i = 0; i < 200; i++) {
      await send(`http://127.0.0.1:${barePort}`, "help", i);
      await send(urls[i % urls.length], "help", i);
    }

    step(`measuring the bare app (${RATE}/s for ${SECONDS}s)`);
    const load0 = os.loadavg()[0];
    const bareCpu0 = cpuMs(bareProc.pid!);
    const bare = await load([`http://127.0.0.1:${barePort}`], () => "log note C-1 bench", "bare", false);
    const bareCpu = cpuMs(bareProc.pid!) - bareCpu0;
    step("measuring the CRM");
    const [server0, worker0] = [cpuOf(serverProcs), cpuOf(workerProcs)];
    const ours = await load(urls, (i) => process.env.BENCH_TEXT ?? `log note C-1 bench note ${i}`, "crm", true);
    const settledS = await settle([...serverProcs, ...workerProcs]);
    const [serverCpu, workerCpu] = [cpuOf(serverProcs) - server0, cpuOf(workerProcs) - worker0];
    const logged = await bench.db.prisma.interaction.count();
    console.log(
      `\nbench/slack-ack.ts — ${new Date().toISOString()} — ${RATE}/s for ${SECONDS}s, ${SERVERS} server process(es), ${WORKERS} worker process(es); interactions written: ${logged}`,
    );
    console.log(
      table(
        ["target", "sent/s", "p50", "p99", "max", "errors", "acks > 3 s"],
        [
          ["bare Bolt ack()", bare.achieved.toFixed(0), ms(bare.s.p50), ms(bare.s.p99), ms(bare.s.max), bare.errors, bare.over3s],
          ["CRM log note", ours.achieved.toFixed(0), ms(ours.s.p50), ms(ours.s.p99), ms(ours.s.max), ours.errors, ours.over3s],
        ],
      ),
    );
    console.log(
      `CRM answers through response_url: ${ours.answers}/${RATE * SECONDS}; time from command to answer p50 ${ms(ours.answer?.p50 ?? NaN)}, p99 ${ms(ours.answer?.p99 ?? NaN)}; all answered ${ours.lastAnswerS.toFixed(1)} s after the first command`,
    );
    const per = (x: number) => `${(x / (RATE * SECONDS)).toFixed(2)} ms`;
    console.log(
      `CPU per command: bare app ${per(bareCpu)}; CRM server(s) ${per(serverCpu)}${WORKERS ? `, worker(s) ${per(workerCpu)} (nice ${opt["worker-nice"]}${opt["worker-cpus"] ? `, CPUs ${opt["worker-cpus"]}` : ""})` : ""}; load average ${load0.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}; counted until the CRM went quiet ${settledS.toFixed(0)} s after the last answer`,
    );
    const ratio = ours.s.p99 / bare.s.p99;
    const ratios = [ratioLine("slack-ack.one-after-the-other", ratio, 2)];
    let broken = ours.errors + ours.over3s + (RATE * SECONDS - ours.answers);
    if (opt.quick) {
      // the floor: the same writes as raw SQL on pg, one transaction each (this process; the worker is idle by now)
      const floor = await logNoteFloorCpuMs(bench.url, { commands: 1000 });
      const workerPer = workerCpu / (RATE * SECONDS);
      console.log(
        `worker CPU per log note ${workerPer.toFixed(2)} ms against ${floor.toFixed(2)} ms for its writes as raw SQL on pg: ${(workerPer / floor).toFixed(2)}× (target ≤ 3×)`,
      );
      ratios.push(ratioLine("slack-ack.worker-cpu-vs-sql-floor", workerPer / floor, 3));
    }
    console.log(
      `p99 ratio ${ratio.toFixed(2)}× (target ≤ 2×): ${ratio <= 2 && ours.errors === 0 && ours.over3s === 0 ? "met" : "NOT met"} — one after the other: the bare app on an idle machine, the CRM with its worker and PostgreSQL busy`,
    );
    if (opt.simultaneous) {
      // Both at once, each at RATE: the same machine under the same load (the CRM's worker, PostgreSQL,
      // Redis) for both, so what is left is what the CRM's ack path itself costs.
      step(`measuring both at once (${RATE}/s each for ${SECONDS}s)`);
      const [bare2, ours2] = await Promise.all([
        load([`http://127.0.0.1:${barePort}`], () => "log note C-1 bench", "bare2", false),
        load(urls, (i) => process.env.BENCH_TEXT ?? `log note C-1 bench again ${i}`, "crm2", true),
      ]);
      console.log(
        `\nBoth at once, ${RATE}/s each for ${SECONDS}s (interactions written in all: ${await bench.db.prisma.interaction.count()}):`,
      );
      console.log(
        table(
          ["target", "sent/s", "p50", "p99", "max", "errors", "acks > 3 s"],
          [
            ["bare Bolt ack()", bare2.achieved.toFixed(0), ms(bare2.s.p50), ms(bare2.s.p99), ms(bare2.s.max), bare2.errors, bare2.over3s],
            ["CRM log note", ours2.achieved.toFixed(0), ms(ours2.s.p50), ms(ours2.s.p99), ms(ours2.s.max), ours2.errors, ours2.over3s],
          ],
        ),
      );
      console.log(
        `CRM answers through response_url: ${ours2.answers}/${RATE * SECONDS}; all answered ${ours2.lastAnswerS.toFixed(1)} s after the first command`,
      );
      const r2 = ours2.s.p99 / bare2.s.p99;
      // not a RATIO line: in 5-second arms on the shared 2-core machine this p99 ratio ranged 1.4–5.2× (met at 1.1–1.3× in
      // the 30-second runs), so 25 % would fail CI on other people's load, not on ours (bench/README.md)
      broken += ours2.errors + ours2.over3s + (RATE * SECONDS - ours2.answers);
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

if (opt.sink) sinkProcess();
else await main();
