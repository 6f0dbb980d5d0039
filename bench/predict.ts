// Win-probability model quality: generated closed deals (src/domain/predict/synthetic.ts, seeded), a
// time-ordered split (oldest 80 % train, newest 20 % test), Brier score and AUC of the fitted logistic
// regression next to the stage-probability baseline, in the same run. Target: Brier ≤ 0.9 × baseline.
// Usage: npx tsx bench/predict.ts [--deals 25000] [--seed 42] [--quick]
// --quick (npm run bench:check): the same run (~2 s, seeded, so the ratio is the same every time), ends with a
// RATIO line and leaves the verdict to bench:check.
import { auc, brier, fitLogistic, predictLogistic } from "../src/domain/predict/logistic.ts";
import { featuresOf } from "../src/domain/predict/features.ts";
import { SYNTH_STAGES, generateDeals, withObservedOwnerRates } from "../src/domain/predict/synthetic.ts";
import { table } from "./lib/table.ts";
import { ratioLine } from "./lib/ratios.ts";

const argv = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const n = opt("deals", 25_000);
const seed = opt("seed", 42);

const cut = Math.floor(n * 0.8);
const deals = withObservedOwnerRates(
  generateDeals(n, seed).sort((a, b) => a.closedAt - b.closedAt),
  cut,
);
const space = { stages: SYNTH_STAGES.map((s) => s.name) };
const x = deals.map((d) => featuresOf(space, d));
const y = deals.map((d) => (d.won ? 1 : 0));
const t0 = performance.now();
const model = fitLogistic(x.slice(0, cut), y.slice(0, cut));
const fitMs = performance.now() - t0;
const yt = y.slice(cut);
const p = x.slice(cut).map((r) => predictLogistic(model, r));
const base = deals.slice(cut).map((d) => d.stageProbability);
const oracle = deals.slice(cut).map((d) => d.oracle);
// for reference (not the target): each stage's win rate measured on the training deals
const rate = new Map<string, [number, number]>();
for (const d of deals.slice(0, cut)) {
  const r = rate.get(d.stage) ?? [0, 0];
  r[0] += d.won ? 1 : 0;
  r[1] += 1;
  rate.set(d.stage, r);
}
const measured = deals.slice(cut).map((d) => {
  const [w, c] = rate.get(d.stage) ?? [0, 0];
  return (w + 1) / (c + 2);
});
const mb = brier(p, yt);
const bb = brier(base, yt);

console.log(
  `${n} generated closed deals, seed ${seed}, won ${((y.reduce((a: number, v) => a + v, 0) / n) * 100).toFixed(1)} %; train ${cut} oldest, test ${n - cut} newest; fit ${fitMs.toFixed(0)} ms\n`,
);
console.log(
  table(
    ["predictor", "Brier (lower is better)", "AUC"],
    [
      ["logistic regression (src/domain/predict/logistic.ts)", mb.toFixed(4), auc(p, yt).toFixed(4)],
      ["stage probability (baseline)", bb.toFixed(4), auc(base, yt).toFixed(4)],
      ["stage win rate measured on the training deals (reference)", brier(measured, yt).toFixed(4), auc(measured, yt).toFixed(4)],
      ["oracle: the generator's noiseless probability (bound)", brier(oracle, yt).toFixed(4), auc(oracle, yt).toFixed(4)],
    ],
  ),
);
const ratio = mb / bb;
console.log(`\nBrier ratio model / baseline: ${ratio.toFixed(3)} (target ≤ 0.9) → ${ratio <= 0.9 ? "PASS" : "FAIL"}`);
if (argv.includes("--quick")) console.log(ratioLine("predict.brier", ratio, 0.9, false, 3));
else if (ratio > 0.9) process.exitCode = 1;
