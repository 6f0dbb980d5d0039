// Lead score 0–100 = fit (workspace ScoreRules on tags, company, title) + engagement (interactions by kind,
// each decaying with a half-life) + open deals. Computed in batches by jobs (never per request); the
// contact row keeps the score and its top reasons.

export const SCORE_FIELDS = ["tag", "company", "title"] as const;
export type ScoreField = (typeof SCORE_FIELDS)[number];
export const HALF_LIFE_DAYS = 14;
export const KIND_POINTS: Record<string, number> = { meeting: 12, call: 8, email: 4, chat: 3, note: 1 };
export const ENGAGEMENT_CAP = 50;
export const DEAL_POINTS = 10;
export const DEAL_CAP = 20;

export interface ScoreInputs {
  rules: { field: string; value: string; points: number }[];
  /** decayed interaction weight per kind: sum of exp(-ln2·age/halfLife) */
  decayedByKind: Record<string, number>;
  openDeals: number;
}

export interface ScoreReason {
  label: string;
  points: number;
}

export function scoreOf(inp: ScoreInputs): { score: number; reasons: ScoreReason[] } {
  const reasons: ScoreReason[] = inp.rules.map((r) => ({ label: `${r.field} ${r.value}`, points: r.points }));
  const engagement = Object.entries(inp.decayedByKind).map(([kind, w]) => ({ kind, points: (KIND_POINTS[kind] ?? 1) * w }));
  const engTotal = engagement.reduce((a, e) => a + e.points, 0);
  const scale = engTotal > ENGAGEMENT_CAP ? ENGAGEMENT_CAP / engTotal : 1;
  for (const e of engagement)
    if (e.points * scale >= 0.5) reasons.push({ label: `recent ${e.kind}s`, points: Math.round(e.points * scale) });
  const deals = Math.min(inp.openDeals * DEAL_POINTS, DEAL_CAP);
  if (deals) reasons.push({ label: `${inp.openDeals} open deal${inp.openDeals === 1 ? "" : "s"}`, points: deals });
  const raw = inp.rules.reduce((a, r) => a + r.points, 0) + engTotal * scale + deals;
  return { score: Math.max(0, Math.min(100, Math.round(raw))), reasons: reasons.sort((a, b) => Math.abs(b.points) - Math.abs(a.points)) };
}

export const topReasons = (reasons: unknown, n = 3): ScoreReason[] =>
  Array.isArray(reasons) ? (reasons as ScoreReason[]).slice(0, n) : [];
export const formatReasons = (rs: ScoreReason[]) => rs.map((r) => `${r.label} ${r.points >= 0 ? "+" : ""}${r.points}`).join(", ");
