// The win model's maths on its own: a logistic regression that learns, and beats stage probabilities.
import { describe, expect, it } from "vitest";
import { auc, brier, contributions, fitLogistic, predictLogistic } from "../src/domain/predict/logistic.ts";
import { featuresOf } from "../src/domain/predict/features.ts";
import { SYNTH_STAGES, generateDeals } from "../src/domain/predict/synthetic.ts";

describe("logistic regression", () => {
  it("learns a separable-ish one-feature problem", () => {
    const x = Array.from({ length: 400 }, (_, i) => [i / 40]);
    const y = x.map(([v]) => (v > 5 ? 1 : 0));
    const m = fitLogistic(x, y, { epochs: 2000 });
    expect(predictLogistic(m, [9])).toBeGreaterThan(0.9);
    expect(predictLogistic(m, [1])).toBeLessThan(0.1);
    expect(m.weights[0]).toBeGreaterThan(0);
  });

  it("L2 shrinks the weights", () => {
    const x = Array.from({ length: 200 }, (_, i) => [i % 2, (i * 7) % 5]);
    const y = x.map(([a]) => a);
    const loose = fitLogistic(x, y, { l2: 1e-4 });
    const tight = fitLogistic(x, y, { l2: 1 });
    expect(Math.abs(tight.weights[0])).toBeLessThan(Math.abs(loose.weights[0]));
  });

  it("contributions sum to the log-odds less the bias", () => {
    const m = fitLogistic(
      [
        [0, 1],
        [1, 0],
        [1, 1],
        [0, 0],
      ],
      [0, 1, 1, 0],
    );
    const c = contributions(m, [1, 1]);
    const p = predictLogistic(m, [1, 1]);
    expect(Math.log(p / (1 - p))).toBeCloseTo(m.bias + c[0] + c[1], 6);
  });

  it("brier and auc are right on small cases", () => {
    expect(brier([1, 0], [1, 0])).toBe(0);
    expect(brier([0.5, 0.5], [1, 0])).toBe(0.25);
    expect(auc([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])).toBe(1);
    expect(auc([0.5, 0.5], [1, 0])).toBe(0.5);
  });

  it("on generated deals (time-ordered split) beats the stage-probability baseline", () => {
    const deals = generateDeals(4000, 7);
    const space = { stages: SYNTH_STAGES.map((s) => s.name) };
    const cut = 3200;
    const x = deals.map((d) => featuresOf(space, d));
    const y = deals.map((d) => (d.won ? 1 : 0));
    const m = fitLogistic(x.slice(0, cut), y.slice(0, cut));
    const p = x.slice(cut).map((r) => predictLogistic(m, r));
    const yt = y.slice(cut);
    const base = deals.slice(cut).map((d) => d.stageProbability);
    expect(brier(p, yt)).toBeLessThan(0.9 * brier(base, yt));
    expect(auc(p, yt)).toBeGreaterThan(auc(base, yt));
  });
});
