// The pipeline chart of /crm digest stage by stage (src/render/chart.ts), many times after a warm-up, to see
// what each step costs: Vega (spec → SVG), the texts as cached outlines, resvg's parse, drawing and PNG
// encoding, and the whole renderChart. The bars are shaped like the large seed's pipeline (4 open stages, USD
// and EUR); --vary gives each chart new amounts and deal counts (new labels, new x domain), as new data would.
// For comparison it also times what the caches save (compiling and parsing the spec with a new View each time,
// resvg laying the texts out itself) and resvg's own PNG encoding.
//
//   npx tsx bench/lib/chartTiming.ts [--iterations 40] [--warmup 10] [--vary]
import os from "node:os";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { dejavuFontFiles, pipelineChartSpec, renderChart, toSvg, type PipelineBar } from "../../src/render/chart.ts";
import { encodePng } from "../../src/render/png.ts";
import { textsToPaths } from "../../src/render/textPaths.ts";
import { summarize } from "./stats.ts";
import { ms, table } from "./table.ts";

const { values: opt } = parseArgs({
  options: { iterations: { type: "string" }, warmup: { type: "string" }, vary: { type: "boolean", default: false } },
});
const N = Number(opt.iterations ?? 40),
  WARMUP = Number(opt.warmup ?? 10);
const STAGES = ["lead", "qualified", "proposal", "negotiation"];

/** 4 stages × USD and EUR, ~10 % of the deals in EUR, as in src/seed/large.ts; `k` shifts every figure */
const bars = (k: number): PipelineBar[] =>
  STAGES.flatMap((stage, j) =>
    (["USD", "EUR"] as const).map((currency) => {
      const share = currency === "USD" ? 0.9 : 0.1;
      const amount = Math.round((420e6 - j * 25e6 + k * 1_234_567) * share);
      return {
        stage,
        currency,
        amount,
        weighted: Math.round(amount * [0.1, 0.25, 0.5, 0.75][j]),
        deals: Math.round((3600 - j * 150 + k) * share),
      };
    }),
  );

const font = { fontFiles: dejavuFontFiles(), loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" };
const layOut = (texts: string) => new Resvg(texts, { font }).toString();
const loader = vega.loader();
const samples: Record<string, number[]> = {};
const lap = (name: string, t0: number, keep: boolean) => {
  const t = performance.now();
  if (keep) (samples[name] ??= []).push(t - t0);
  return t;
};

const load0 = os.loadavg();
for (let i = 0; i < WARMUP + N; i++) {
  const keep = i >= WARMUP;
  const spec = pipelineChartSpec("Open pipeline by stage · Large Co", bars(opt.vary ? i : 0), STAGES);
  let t = performance.now();
  const svg = await toSvg(spec);
  t = lap("1 Vega: data into the shape's View, toSVG", t, keep);
  const outlined = textsToPaths(svg, layOut);
  t = lap("2 texts → cached outlines", t, keep);
  const r = new Resvg(outlined, { font, fitTo: { mode: "zoom", value: 2 }, background: "white" });
  t = lap("3 resvg parse", t, keep);
  const img = r.render();
  t = lap("4 resvg draw", t, keep);
  encodePng(img.pixels, img.width, img.height);
  t = lap("5 PNG encode (its pixels, Node's zlib)", t, keep);
  await renderChart(spec);
  t = lap("= renderChart (all of the above)", t, keep);

  // what the caches save
  const fresh = { ...spec, config: { ...spec.config, font: "DejaVu Sans" } } as TopLevelSpec;
  const compiled = compile(fresh).spec;
  t = lap("(uncached) Vega-Lite compile", t, keep);
  const runtime = vega.parse(compiled);
  t = lap("(uncached) Vega parse", t, keep);
  const view = new vega.View(runtime, { renderer: "none", loader });
  await view.toSVG();
  view.finalize();
  t = lap("(uncached) new View + toSVG", t, keep);
  new Resvg(svg, { font, fitTo: { mode: "zoom", value: 2 }, background: "white" });
  t = lap("(uncached) resvg parse laying out the texts", t, keep);
  new Resvg(outlined, { font, fitTo: { mode: "zoom", value: 2 }, background: "white" }).render().asPng();
  lap("(resvg's own) parse + draw + asPng", t, keep);
}
const load1 = os.loadavg();
console.log(
  `${N} charts after ${WARMUP} warm-up, ${opt.vary ? "new amounts each chart" : "the same data each chart"}; ${os.cpus().length} CPUs, load ${load0
    .map((x) => x.toFixed(1))
    .join(" ")} → ${load1.map((x) => x.toFixed(1)).join(" ")}\n`,
);
console.log(
  table(
    ["stage", "p50", "p90", "min"],
    Object.entries(samples).map(([name, xs]) => {
      const s = summarize(xs);
      return [name, ms(s.p50), ms(s.p90), ms(s.min)];
    }),
  ),
);
