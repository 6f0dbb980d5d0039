// Deal → feature vector for the win model. Pure: the SQL that gathers DealFacts lives in winModel.ts,
// and the bench generates DealFacts directly.

export interface DealFacts {
  /** the open stage the deal is in (closed deals: the last open stage before won/lost) */
  stage: string;
  daysInStage: number;
  ageDays: number;
  amount: number;
  /** interactions on the deal in the 14 days before now (closed deals: before closing) */
  recentInteractions: number;
  /** owner's won / (won + lost), smoothed; 0.5 without an owner */
  ownerWinRate: number;
}

export interface FeatureSpace {
  stages: string[];
}

const AMOUNT_BUCKETS = [1_000, 10_000, 100_000];

export const amountBucket = (amount: number) => AMOUNT_BUCKETS.filter((b) => amount >= b).length;

export function featureNames(space: FeatureSpace): string[] {
  return [
    ...space.stages.map((s) => `stage:${s}`),
    "daysInStage",
    "ageDays",
    ...AMOUNT_BUCKETS.map((_, i) => `amount:${i + 1}`),
    "recentInteractions",
    "ownerWinRate",
  ];
}

export function featuresOf(space: FeatureSpace, f: DealFacts): number[] {
  const bucket = amountBucket(f.amount);
  return [
    ...space.stages.map((s) => (s === f.stage ? 1 : 0)),
    Math.log1p(Math.max(0, f.daysInStage)),
    Math.log1p(Math.max(0, f.ageDays)),
    ...AMOUNT_BUCKETS.map((_, i) => (bucket === i + 1 ? 1 : 0)),
    Math.log1p(f.recentInteractions),
    f.ownerWinRate,
  ];
}

/** A reason a person can read, for a feature's contribution to the log-odds. */
export function describeFeature(name: string, f: DealFacts): string {
  if (name.startsWith("stage:")) return `in ${name.slice(6)}`;
  if (name.startsWith("amount:")) return `amount ${["under 1k", "1k–10k", "10k–100k", "100k+"][amountBucket(f.amount)]}`;
  switch (name) {
    case "daysInStage":
      return `${Math.round(f.daysInStage)} days in stage`;
    case "ageDays":
      return `${Math.round(f.ageDays)} days old`;
    case "recentInteractions":
      return `${f.recentInteractions} interactions in 14 days`;
    case "ownerWinRate":
      return `owner wins ${Math.round(f.ownerWinRate * 100)}%`;
    default:
      return name;
  }
}

/** Laplace-smoothed win rate; leave-one-out when the deal itself is among the owner's closed deals. */
export const smoothedRate = (won: number, closed: number) => (won + 1) / (closed + 2);
