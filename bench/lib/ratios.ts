// The RATIO protocol of the benches' --quick modes and npm run bench:check's 25 % rule.
//   RATIO <name> <measured> <target>       lower is better: met when measured ≤ target
//   RATIO <name> <measured> >= <target>    higher is better: met when measured ≥ target

/** how far past a target (or an open target's recorded level) a ratio may land before it fails: this machine's noise */
export const SLACK = 1.25;

export interface Ratio {
  name: string;
  measured: number;
  target: number;
  higherIsBetter: boolean;
}

/** an entry of bench/open-targets.json: a target missed today, the issue that tracks it, the level recorded here */
export interface OpenTarget {
  issue: string;
  level: number;
  recorded?: string;
}

/** the line a bench prints for one ratio */
export function ratioLine(name: string, measured: number, target: number, higherIsBetter = false, digits = 2): string {
  return `RATIO ${name} ${measured.toFixed(digits)} ${higherIsBetter ? ">= " : ""}${target}`;
}

export function readRatios(output: string): Ratio[] {
  const out: Ratio[] = [];
  for (const line of output.split("\n")) {
    const m = /^RATIO (\S+) (\S+) (>= )?(\S+)\s*$/.exec(line);
    if (m) out.push({ name: m[1], measured: Number(m[2]), target: Number(m[4]), higherIsBetter: Boolean(m[3]) });
  }
  return out;
}

/** true when `measured` is no worse than `bound` allowing SLACK (NaN is never within) */
function within(r: Ratio, bound: number): boolean {
  return r.higherIsBetter ? r.measured >= bound / SLACK : r.measured <= bound * SLACK;
}

export function verdictOf(r: Ratio, open?: OpenTarget): { ok: boolean; text: string } {
  const met = r.higherIsBetter ? r.measured >= r.target : r.measured <= r.target;
  if (met) return { ok: true, text: open ? `met (open ${open.issue}: take it out of bench/open-targets.json)` : "met" };
  if (open) {
    const was = `recorded ${open.level}`;
    return within(r, open.level)
      ? { ok: true, text: `OPEN ${open.issue} (${was})` }
      : { ok: false, text: `FAIL: open ${open.issue}, worse than ${was} by more than 25 %` };
  }
  return within(r, r.target) ? { ok: true, text: "missed by < 25 % (noise)" } : { ok: false, text: "FAIL: missed by more than 25 %" };
}
