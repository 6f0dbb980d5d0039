// Charts as PNG bytes, made here: a Vega-Lite spec is compiled to Vega, drawn to SVG by a headless View
// (renderer "none", no canvas, no DOM; one live View per chart shape, src/render/vegaViews.ts), and rasterized
// by resvg with the DejaVu fonts of the npm package dejavu-fonts-ttf (a dependency, so the same fonts on every
// OS; the machine's fonts are never read), its texts laid out once each (src/render/textPaths.ts), then
// encoded by Node's zlib (src/render/png.ts).
// Nothing is fetched: data is inline and the loader refuses every URL.
import { createRequire } from "node:module";
import type { TopLevelSpec } from "vega-lite";
import { encodePng } from "./png.ts";
import { textsToPaths } from "./textPaths.ts";
import { specToSvg } from "./vegaViews.ts";

const FONT_PACKAGE = "dejavu-fonts-ttf";
const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"];
const FONT = "DejaVu Sans";

export class ChartUnavailableError extends Error {
  override name = "ChartUnavailableError";
}

/**
 * The DejaVu Sans files of the dejavu-fonts-ttf package, resolved as Node resolves the package from `from`
 * (this module by default). A missing package or file is a ChartUnavailableError that says what to install.
 */
export function dejavuFontFiles(from: string | URL = import.meta.url): string[] {
  const require = createRequire(from);
  return FONT_FILES.map((f) => {
    try {
      return require.resolve(`${FONT_PACKAGE}/ttf/${f}`);
    } catch {
      throw new ChartUnavailableError(
        `charts need the font ${f} of the npm package ${FONT_PACKAGE}, which is not installed: run npm install`,
      );
    }
  });
}

let fonts: string[] | undefined;
const fontFiles = () => (fonts ??= dejavuFontFiles());

/** Vega-Lite spec → SVG text. */
export function toSvg(spec: TopLevelSpec): Promise<string> {
  return specToSvg({ ...spec, config: { ...spec.config, font: FONT } } as TopLevelSpec);
}

/** SVG → PNG at `scale` (2 = sharp on high-density screens). */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  const { Resvg } = await import("@resvg/resvg-js"); // loaded with the first chart, not at start-up
  const font = { fontFiles: fontFiles(), loadSystemFonts: false, defaultFontFamily: FONT };
  const outlined = textsToPaths(svg, (texts) => new Resvg(texts, { font }).toString());
  const image = new Resvg(outlined, { font, fitTo: { mode: "zoom", value: scale }, background: "white" }).render();
  // resvg's pixels are premultiplied; on an opaque white background every pixel is opaque, so they are also
  // the plain RGBA a PNG holds
  return encodePng(image.pixels, image.width, image.height);
}

export async function renderChart(spec: TopLevelSpec, scale = 2): Promise<{ svg: string; png: Uint8Array }> {
  const svg = await toSvg(spec);
  return { svg, png: await svgToPng(svg, scale) };
}

export interface PipelineBar {
  stage: string;
  currency: string;
  amount: number;
  weighted: number;
  deals: number;
}

const SYMBOL: Record<string, string> = { USD: "$", EUR: "€", GBP: "£", JPY: "¥" };
const withCurrency = (v: string, currency: string) => (SYMBOL[currency] ? `${SYMBOL[currency]}${v}` : `${v} ${currency}`);
const compact = (n: number) =>
  Math.abs(n) >= 1e6 ? `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M` : Math.abs(n) >= 1e3 ? `${Math.round(n / 1e3)}k` : `${Math.round(n)}`;

/**
 * Open pipeline by stage: the amount as a light bar, the probability-weighted amount as a dark bar over it,
 * and the deal count at the end. One bar per currency and stage (currencies are never added together).
 */
export function pipelineChartSpec(title: string, bars: PipelineBar[], stageOrder: string[]): TopLevelSpec {
  const currencies = [...new Set(bars.map((b) => b.currency))];
  const multi = currencies.length > 1;
  const values = bars.map((b) => ({
    ...b,
    label: `${b.deals.toLocaleString("en-US")} deal${b.deals === 1 ? "" : "s"} · ${withCurrency(compact(b.amount), b.currency)}`,
  }));
  const y = { field: "stage", type: "nominal" as const, sort: stageOrder, title: null, axis: { labelFontSize: 13, labelPadding: 6 } };
  const yOffset = multi ? { yOffset: { field: "currency", type: "nominal" as const, sort: currencies } } : {};
  const max = Math.max(1, ...bars.map((b) => b.amount));
  const color = multi
    ? {
        color: {
          field: "currency",
          type: "nominal" as const,
          legend: { title: null, orient: "top" as const },
          scale: { range: ["#1f6feb", "#bf8700", "#2da44e", "#a371f7"] },
        },
      }
    : { color: { value: "#1f6feb" } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle: "amount (light) · weighted by stage probability (dark)",
      anchor: "start",
      fontSize: 15,
      subtitleFontSize: 11,
    },
    width: 560,
    height: { step: multi ? 20 * currencies.length : 34 },
    background: "white",
    padding: 12,
    // the x scale's end as a param, not in the scale: charts of the same stages and currencies then share one
    // compiled View (src/render/vegaViews.ts) whatever their amounts
    params: [{ name: "xMax", value: max * 1.32 }],
    data: { values },
    encoding: { y, ...yOffset },
    // unstacked (one bar per stage and currency anyway): a stacked bar's rounded end is a clip path, which
    // costs resvg a mask the size of the whole image per bar
    layer: [
      {
        mark: { type: "bar", opacity: 0.3, cornerRadiusEnd: 2 },
        encoding: {
          // room on the right for the labels
          x: {
            field: "amount",
            type: "quantitative",
            title: null,
            scale: { domain: [0, { expr: "xMax" }], nice: false },
            axis: { format: "~s", labelFontSize: 11, grid: true },
            stack: null,
          },
          ...color,
        },
      },
      { mark: { type: "bar", cornerRadiusEnd: 2 }, encoding: { x: { field: "weighted", type: "quantitative", stack: null }, ...color } },
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 11, color: "#333" },
        encoding: { x: { field: "amount", type: "quantitative", stack: null }, text: { field: "label" } },
      },
    ],
    config: { view: { stroke: null }, axis: { domainColor: "#888", tickColor: "#888" } },
  } as TopLevelSpec;
}
