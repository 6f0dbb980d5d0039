// Charts draw their text with the DejaVu fonts of the npm package dejavu-fonts-ttf, found the way Node finds
// a package (no font directory of one OS), and a broken install says what to install instead of drawing
// a chart with no text.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Resvg } from "@resvg/resvg-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChartUnavailableError, dejavuFontFiles } from "../src/render/chart.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/>' +
  '<text x="4" y="30" font-family="DejaVu Sans" font-size="28" fill="black">Pipeline</text></svg>';

/** Pixels of the rendered SVG that are not white: the drawn text. */
function inkedPixels(fontFiles: string[]): number {
  const img = new Resvg(SVG, { font: { fontFiles, loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" } }).render();
  let n = 0;
  for (let i = 0; i < img.pixels.length; i += 4) if (img.pixels[i] < 128) n++;
  return n;
}

describe("chart fonts", () => {
  let elsewhere: string;
  beforeAll(async () => {
    elsewhere = await mkdtemp(path.join(tmpdir(), "crm-no-fonts-"));
  });
  afterAll(async () => {
    await rm(elsewhere, { recursive: true, force: true });
  });

  it("come from the dejavu-fonts-ttf package of this install: regular and bold DejaVu Sans", () => {
    const files = dejavuFontFiles();
    expect(files.map((f) => path.basename(f))).toEqual(["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]);
    for (const f of files) {
      expect(f.startsWith(path.join(ROOT, "node_modules", "dejavu-fonts-ttf") + path.sep)).toBe(true);
      expect(existsSync(f)).toBe(true);
    }
  });

  it("draw text with no font of the machine (system fonts off); without them the same text draws nothing", () => {
    expect(inkedPixels(dejavuFontFiles())).toBeGreaterThan(200);
    expect(inkedPixels([])).toBe(0);
  });

  it("missing from the install: a ChartUnavailableError naming the package and npm install", () => {
    const from = pathToFileURL(path.join(elsewhere, "chart.js"));
    expect(() => dejavuFontFiles(from)).toThrow(ChartUnavailableError);
    expect(() => dejavuFontFiles(from)).toThrow(/npm package dejavu-fonts-ttf, which is not installed: run npm install/);
  });
});
