// The chart keeps work from one chart to the next (a live Vega View per chart shape, each text's glyph outlines)
// and encodes the PNG itself: none of it may change a picture or hand one chart's picture to another.
import { crc32, inflateSync } from "node:zlib";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { describe, expect, it } from "vitest";
import { dejavuFontFiles, pipelineChartSpec, renderChart, toSvg, type PipelineBar } from "../src/render/chart.ts";
import { encodePng } from "../src/render/png.ts";
import { textsToPaths } from "../src/render/textPaths.ts";

const STAGES = ["lead", "qualified", "proposal", "negotiation"];
const bars = (k: number, currencies = ["USD", "EUR"]): PipelineBar[] =>
  STAGES.flatMap((stage, j) =>
    currencies.map((currency, c) => ({
      stage,
      currency,
      amount: (400_000 - j * 30_000 + k * 55_000) / (c + 1),
      weighted: ((400_000 - j * 30_000) * (j + 1)) / 5 / (c + 1),
      deals: 40 - j * 3 + k,
    })),
  );
const chart = (k: number, currencies?: string[]) => pipelineChartSpec("Open pipeline by stage · Acme", bars(k, currencies), STAGES);

/** The RGBA pixels of a PNG whose rows are all unfiltered, as encodePng writes them; every chunk's CRC checked. */
function pixelsOf(png: Uint8Array): { width: number; height: number; rgba: Buffer } {
  const b = Buffer.from(png);
  const width = b.readUInt32BE(16),
    height = b.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let at = 8; at < b.length;) {
    const length = b.readUInt32BE(at);
    expect(b.readUInt32BE(at + 8 + length)).toBe(crc32(b.subarray(at + 4, at + 8 + length)));
    if (b.toString("latin1", at + 4, at + 8) === "IDAT") idat.push(b.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const rows = inflateSync(Buffer.concat(idat));
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(rows[y * (width * 4 + 1)]).toBe(0);
    rows.copy(rgba, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  }
  return { width, height, rgba };
}

/** What the chart was before any cache: compile, parse and a new View for this one spec. */
async function freshSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile({ ...spec, config: { ...spec.config, font: "DejaVu Sans" } } as TopLevelSpec).spec), {
    renderer: "none",
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

describe("charts drawn one after another", () => {
  it("the same data gives the same PNG, other data another PNG, also in between and at the same time", async () => {
    const a1 = (await renderChart(chart(0))).png;
    const b = (await renderChart(chart(1))).png;
    const a2 = (await renderChart(chart(0))).png;
    const single = (await renderChart(chart(1, ["USD"]))).png;
    expect(Buffer.from(a2).equals(Buffer.from(a1))).toBe(true);
    expect(Buffer.from(b).equals(Buffer.from(a1))).toBe(false);
    expect(Buffer.from(single).equals(Buffer.from(b))).toBe(false);
    const together = await Promise.all([chart(1), chart(0), chart(1, ["USD"]), chart(1)].map((s) => renderChart(s)));
    expect(together.map((r) => Buffer.from(r.png))).toEqual([b, a1, single, b].map((p) => Buffer.from(p)));
  });

  it("through the shape's live View, each chart's SVG is the one a fresh compile draws", async () => {
    // same stages and currencies (one View), other amounts and labels, fewer bars, a smaller x domain
    const specs = [chart(0), chart(3), pipelineChartSpec("Open pipeline by stage · Acme", bars(2).slice(0, 5), STAGES), chart(0)];
    for (const spec of specs) {
      // Vega numbers clip paths across every View of the process: not part of the picture
      const noIds = (svg: string) => svg.replace(/clip\d+/g, "clip");
      expect(noIds(await toSvg(spec))).toBe(noIds(await freshSvg(spec)));
    }
  });

  it("texts drawn from their cached outlines are the very pixels resvg draws from the texts", async () => {
    const font = { fontFiles: dejavuFontFiles(), loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" };
    for (const spec of [chart(5), chart(5), chart(6, ["USD"])]) {
      const { svg, png } = await renderChart(spec);
      const direct = new Resvg(svg, { font, fitTo: { mode: "zoom", value: 2 }, background: "white" }).render();
      const ours = pixelsOf(png);
      expect([ours.width, ours.height]).toEqual([direct.width, direct.height]);
      expect(ours.rgba.equals(direct.pixels)).toBe(true);
    }
  });
});

describe("texts as outlines", () => {
  const font = { fontFiles: dejavuFontFiles(), loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" };
  const laidOut: string[] = [];
  const layOut = (svg: string) => {
    laidOut.push(svg);
    return new Resvg(svg, { font }).toString();
  };
  const text = (content: string, extra = "") =>
    `<text text-anchor="end" transform="translate(5,20)"${extra} font-family="DejaVu Sans" font-size="11px" fill="#333">${content}</text>`;
  const svg = (body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40">${body}</svg>`;

  it("lays each distinct text out once, and only the texts not seen before", () => {
    laidOut.length = 0;
    const first = textsToPaths(svg(text("Kestrel 41") + text("Kestrel 42")), layOut);
    expect(first).not.toContain("<text");
    expect(first).toContain('<g transform="translate(5,20)" fill="#333"><path d="M ');
    expect(laidOut).toHaveLength(1);
    expect(textsToPaths(svg(text("Kestrel 42") + text("Kestrel 41")), layOut)).not.toContain("<text");
    expect(laidOut).toHaveLength(1);
    const third = textsToPaths(svg(text("Kestrel 41") + text("Kestrel 43")), layOut);
    expect(laidOut).toHaveLength(2);
    expect(laidOut[1]).toContain(">Kestrel 43</text>");
    expect(laidOut[1]).not.toContain("Kestrel 41");
    // the same text gives the same outline, another text another one
    const outline = (out: string) => out.match(/<path d="[^"]*"/g);
    expect(outline(third)![0]).toBe(outline(first)![0]);
    expect(outline(third)![1]).not.toBe(outline(first)![1]);
  });

  it("leaves alone the texts it cannot redo exactly", () => {
    const positioned = text("Kestrel 50", ' x="3"');
    expect(textsToPaths(svg(positioned), layOut)).toContain(positioned);
    const sizeFromGroup = `<g font-size="20px"><text font-family="DejaVu Sans">Kestrel 51</text></g>`;
    expect(textsToPaths(svg(sizeFromGroup), layOut)).toBe(svg(sizeFromGroup));
    const fontFromGroup = `<g font-weight="bold">${text("Kestrel 52")}</g>`;
    expect(textsToPaths(svg(fontFromGroup), layOut)).toBe(svg(fontFromGroup));
    const styled = `<style>text { font-size: 30px }</style>${text("Kestrel 53")}`;
    expect(textsToPaths(svg(styled), layOut)).toBe(svg(styled));
  });
});

describe("encodePng", () => {
  it("writes a PNG of exactly the given pixels, with valid chunks", () => {
    const rgba = Buffer.alloc(3 * 2 * 4);
    rgba.set([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 255, 255, 255, 255, 255, 0, 0, 0, 255]);
    const png = encodePng(rgba, 3, 2);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(pixelsOf(png)).toEqual({ width: 3, height: 2, rgba });
    // the same bytes in, the same file out; a pixel changed, another file
    expect(encodePng(rgba, 3, 2).equals(png)).toBe(true);
    rgba[4] = 254;
    expect(encodePng(rgba, 3, 2).equals(png)).toBe(false);
    expect(() => encodePng(rgba, 4, 2)).toThrow(/not 4×2 RGBA pixels/);
  });
});
