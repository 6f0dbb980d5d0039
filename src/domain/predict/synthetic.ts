// Generated closed deals whose outcome depends on the features plus noise, for tests and bench/predict.ts.
// Deterministic from the seed (mulberry32). The true log-odds: stage base + amount, recency, staleness,
// deal-age and owner-skill effects + Gaussian noise; a deal is won when a uniform draw falls under
// sigmoid(log-odds). Every feature the win model uses (issue 08's list) moves the outcome.
import type { DealFacts } from "./features.ts";

export const SYNTH_STAGES = [
  { name: "lead", probability: 10, base: -1.6 },
  { name: "qualified", probability: 25, base: -0.8 },
  { name: "proposal", probability: 50, base: 0.1 },
  { name: "negotiation", probability: 75, base: 0.9 },
] as const;

export interface SynthDeal extends DealFacts {
  won: boolean;
  closedAt: number;
  stageProbability: number;
  owner: number;
  /** sigmoid(trueLogit): the noiseless probability (an oracle for the bench, never a feature) */
  oracle: number;
}

/** The generator's log-odds before noise: the best any model of these features could know. */
export function trueLogit(
  stageBase: number,
  amount: number,
  recent: number,
  daysInStage: number,
  ageDays: number,
  ownerSkill: number,
): number {
  return (
    stageBase -
    0.35 * Math.log10(amount / 1000) +
    0.45 * Math.log1p(recent) -
    0.5 * Math.log1p(daysInStage / 10) -
    0.4 * Math.log1p(ageDays / 30) +
    3 * (ownerSkill - 0.5)
  );
}

import { mulberry32 } from "../../random.ts";

export { mulberry32 };

export function generateDeals(n: number, seed = 42): SynthDeal[] {
  const rnd = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const owners = Array.from({ length: 12 }, () => 0.2 + 0.6 * rnd()); // true skill per owner
  const out: SynthDeal[] = [];
  const start = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    const st = SYNTH_STAGES[Math.floor(rnd() * SYNTH_STAGES.length)];
    const amount = Math.round(Math.exp(6 + rnd() * 7)); // ~400 to ~440k
    const daysInStage = Math.floor(-Math.log(rnd() || 1e-12) * 15);
    const ageDays = daysInStage + Math.floor(rnd() * 90);
    const recent = Math.floor(-Math.log(rnd() || 1e-12) * 3);
    const ownerIdx = Math.floor(rnd() * owners.length);
    const owner = owners[ownerIdx];
    const truth = trueLogit(st.base, amount, recent, daysInStage, ageDays, owner);
    const logit = truth + 0.6 * gauss();
    const won = rnd() < 1 / (1 + Math.exp(-logit));
    out.push({
      stage: st.name,
      daysInStage,
      ageDays,
      amount,
      recentInteractions: recent,
      ownerWinRate: owner,
      won,
      closedAt: start + i * 3_600_000,
      stageProbability: st.probability / 100,
      owner: ownerIdx,
      oracle: 1 / (1 + Math.exp(-truth)),
    });
  }
  return out;
}

/** Replaces the owner's true skill with what the model could know: the owner's smoothed win rate over the
 * first `cut` deals (leave-one-out for those deals themselves), as WinModelService computes it. */
export function withObservedOwnerRates(deals: SynthDeal[], cut: number): SynthDeal[] {
  const won = new Map<number, number>();
  const closed = new Map<number, number>();
  for (const d of deals.slice(0, cut)) {
    closed.set(d.owner, (closed.get(d.owner) ?? 0) + 1);
    if (d.won) won.set(d.owner, (won.get(d.owner) ?? 0) + 1);
  }
  return deals.map((d, i) => {
    const self = i < cut ? 1 : 0;
    const w = (won.get(d.owner) ?? 0) - (self && d.won ? 1 : 0);
    const c = (closed.get(d.owner) ?? 0) - self;
    return { ...d, ownerWinRate: (w + 1) / (c + 2) };
  });
}
