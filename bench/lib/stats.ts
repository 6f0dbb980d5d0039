// Latency samples → percentiles. Nearest-rank on a sorted copy; times are milliseconds from performance.now().
import { performance } from "node:perf_hooks";

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, x) => a + x, 0) / (s.length || 1);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), min: s[0], max: s[s.length - 1], mean };
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export interface Pair {
  subject: number[];
  baseline: number[];
}

/**
 * Runs subject and baseline alternately (ABAB…), so drift in the machine (autovacuum, checkpoints,
 * JIT warm-up) lands on both sides. The first `warmup` rounds are discarded.
 */
export async function measurePair(opts: {
  warmup: number;
  iterations: number;
  subject: (i: number) => Promise<unknown>;
  baseline: (i: number) => Promise<unknown>;
}): Promise<Pair> {
  const out: Pair = { subject: [], baseline: [] };
  for (let i = 0; i < opts.warmup + opts.iterations; i++) {
    // alternate which side goes first so neither always runs right after the other
    let a: number, b: number;
    if (i % 2 === 0) {
      a = await timed(() => opts.subject(i));
      b = await timed(() => opts.baseline(i));
    } else {
      b = await timed(() => opts.baseline(i));
      a = await timed(() => opts.subject(i));
    }
    if (i >= opts.warmup) {
      out.subject.push(a);
      out.baseline.push(b);
    }
  }
  return out;
}
