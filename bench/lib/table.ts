// A plain-text table for terminal output and for pasting into bench/README.md (it is valid Markdown).
export type Cell = string | number;

export const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)} ms` : "n/a");

export function table(header: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map(String));
  const width = header.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i])).join(" | ")} |`;
  return [line(header), `|${width.map((w) => "-".repeat(w + 2)).join("|")}|`, ...text.map(line)].join("\n");
}
