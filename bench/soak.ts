// A long soak: `npm start`'s one process (server + workers, PostgreSQL) driven through the console API at
// 50 commands a second for 20 minutes, mixing every everyday verb (contacts, companies, deals through the
// pipeline to won/lost, logging, tickets from new to resolved with notes, tasks, search, lists, history,
// archive/restore, the digest with its chart). Each round of the mix works on records it made itself, so
// every command is valid and an error reply is an error. Resident memory is sampled every 10 s.
//
//   npx tsx bench/soak.ts [--minutes 20] [--rate 50] [--warm-minutes 5]
//
// Targets (issue #15 item 3): resident memory after the first 5 minutes grows by < 10 %, 0 errors, every
// command answered exactly once (the console answers on the request itself; a missing or second answer would
// be an HTTP error here). Not for CI: it takes its minutes.
import os from "node:os";
import { parseArgs } from "node:util";
import { createBenchDb } from "./lib/db.ts";
import { summarize } from "./lib/stats.ts";
import { ms } from "./lib/table.ts";
import { consoleWorkspace, rssOf, sleep, startServer, type ConsoleReply } from "./lib/server.ts";

const { values: opt } = parseArgs({
  options: {
    minutes: { type: "string", default: "20" },
    rate: { type: "string", default: "50" },
    "warm-minutes": { type: "string", default: "5" },
  },
});
const MINUTES = Number(opt.minutes),
  RATE = Number(opt.rate),
  WARM_MIN = Number(opt["warm-minutes"]);
const MB = 1024 * 1024;

type Run = (text: string) => Promise<ConsoleReply & { recordKey?: string }>;

/** One round of the mix: the commands in order, each later one on the records the earlier ones made. */
function round(r: number): ((keys: Record<string, string>) => string)[] {
  const digest = r % 20 === 0 ? [() => "digest today"] : []; // the chart: heavy, so one round in 20
  return [
    () => `contact add "Soak Person ${r}" email:soak${r}@example.com`,
    (k) => `contact show ${k.C}`,
    (k) => `contact edit ${k.C} title:"Head of Buying"`,
    (k) => `contact tag ${k.C} soak,vip`,
    () => `contact find Soak Person ${r}`,
    () => `company add "Soak Co ${r}"`,
    (k) => `company show ${k.A}`,
    (k) => `deal new "Soak deal ${r}" 1200 contact:${k.C}`,
    (k) => `deal move ${k.D} qualified`,
    (k) => `deal show ${k.D}`,
    (k) => (r % 2 ? `deal won ${k.D}` : `deal lost ${k.D} price`),
    (k) => `log note ${k.C} called about the renewal, round ${r}`,
    (k) => `log call ${k.C} follow-up`,
    (k) => `ticket new "Soak issue ${r}" contact:${k.C}`,
    (k) => `ticket assign ${k.T} me`,
    (k) => `note ${k.T} looked into it`,
    (k) => `ticket show ${k.T}`,
    (k) => `ticket resolve ${k.T} fixed`,
    (k) => `task add "Call back" ${k.C} due:tomorrow`,
    (k) => `task done ${k.F}`,
    (k) => `history ${k.C}`,
    () => `search Soak Person ${r}`,
    () => "pipeline",
    () => "deal list",
    () => "ticket list",
    (k) => `contact delete ${k.C}`,
    (k) => `contact restore ${k.C}`,
    ...digest,
  ];
}

async function main() {
  const db = await createBenchDb();
  const server = await startServer({ role: "all", databaseUrl: db.url }).catch(async (e: Error) => {
    await db.drop();
    throw e;
  });
  const stop = async () => {
    await server.stop();
    await db.drop();
  };
  process.once("SIGINT", () => void stop().finally(() => process.exit(130)));
  try {
    const pid = server.child.pid!;
    const { run } = (await consoleWorkspace(server.url, "Soak Co")) as { run: Run };
    console.log(`bench/soak.ts — ${new Date().toISOString()} — ${RATE} commands/s for ${MINUTES} min, server + workers, PostgreSQL`);
    console.log(
      `machine: ${os.cpus().length} cores; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}\n`,
    );

    const latencies: number[] = [];
    const errors: string[] = [];
    let commands = 0;
    const samples: { min: number; rssMb: number }[] = [];
    const t0 = performance.now();
    const endAt = t0 + MINUTES * 60_000;
    const sampler = setInterval(() => {
      const min = (performance.now() - t0) / 60_000;
      samples.push({ min, rssMb: rssOf(pid).rss / MB });
      const last = samples[samples.length - 1];
      if (samples.length % 6 === 0)
        console.log(`${min.toFixed(1)} min: ${commands} commands, RSS ${last.rssMb.toFixed(0)} MB, errors ${errors.length}`);
    }, 10_000);

    async function oneRound(r: number) {
      const keys: Record<string, string> = {};
      for (const step of round(r)) {
        const text = step(keys);
        const s = performance.now();
        try {
          const reply = await run(text);
          latencies.push(performance.now() - s);
          commands++;
          if (reply.kind === "error") errors.push(`${text} → ${JSON.stringify(reply.blocks).slice(0, 200)}`);
          const key = reply.recordKey;
          if (key) keys[key.split("-")[0]] ??= key;
        } catch (e) {
          errors.push(`${text} → ${(e as Error).message.slice(0, 200)}`);
        }
      }
    }

    // open loop: rounds start on a clock that makes RATE commands a second, whatever the answers take
    const perRound = round(1).length;
    const gapMs = (perRound / RATE) * 1000;
    const inFlight = new Set<Promise<void>>();
    for (let r = 1; performance.now() < endAt; r++) {
      const p = oneRound(r).finally(() => inFlight.delete(p));
      inFlight.add(p);
      const next = t0 + r * gapMs;
      await sleep(Math.max(0, next - performance.now()));
    }
    await Promise.all(inFlight);
    clearInterval(sampler);

    // one sample is at the mercy of when the last collection ran (100 MB lower right after one): compare the
    // mean of the minute after the warm-up with the mean of the last minute, and give the trend in between
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    const endMin = samples[samples.length - 1]?.min ?? 0;
    const base = mean(samples.filter((s) => s.min >= WARM_MIN && s.min < WARM_MIN + 1).map((s) => s.rssMb));
    const last = mean(samples.filter((s) => s.min >= endMin - 1).map((s) => s.rssMb));
    const growth = ((last - base) / base) * 100;
    const after = samples.filter((s) => s.min >= WARM_MIN);
    const mx = mean(after.map((s) => s.min)),
      my = mean(after.map((s) => s.rssMb));
    const slope = after.reduce((a, s) => a + (s.min - mx) * (s.rssMb - my), 0) / after.reduce((a, s) => a + (s.min - mx) ** 2, 0);
    const lat = summarize(latencies);
    const elapsedS = (performance.now() - t0) / 1000;
    console.log(
      `\ncommands ${commands} in ${elapsedS.toFixed(0)} s (${(commands / elapsedS).toFixed(1)}/s); answer p50 ${ms(lat.p50)}, p99 ${ms(lat.p99)}`,
    );
    console.log(
      `RSS: ${samples[0]?.rssMb.toFixed(0)} MB at ${samples[0]?.min.toFixed(1)} min, mean ${base.toFixed(0)} MB over the minute after ${WARM_MIN} min, ${last.toFixed(0)} MB over the last; trend after ${WARM_MIN} min ${slope.toFixed(1)} MB/min; peak ${(rssOf(pid).hwm / MB).toFixed(0)} MB`,
    );
    console.log(
      `RSS by minute: ${samples
        .filter((_, i) => i % 6 === 5)
        .map((s) => s.rssMb.toFixed(0))
        .join(" ")}`,
    );
    for (const e of errors.slice(0, 5)) console.log(`error: ${e}`);
    console.log(`${growth < 10 ? "met" : "NOT met"}: RSS growth after ${WARM_MIN} min ${growth.toFixed(1)} % (target < 10 %)`);
    console.log(`${errors.length === 0 ? "met" : "NOT met"}: errors ${errors.length} (target 0)`);
  } finally {
    await stop();
  }
}

await main();
