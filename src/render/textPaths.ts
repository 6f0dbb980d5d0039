// Texts of a chart's SVG as glyph outlines laid out once. resvg (@resvg/resvg-js 2.6.2, which takes fonts as
// files only) reads the whole font file again for every glyph it lays out: ~1 ms per <text> of a chart, most of
// its rasterizing time. A chart's texts mostly repeat from one chart to the next (title, axis and stage labels,
// legend), so each distinct text is laid out once by resvg itself (Resvg.toString() prints its tree, where the
// text is already a path) and kept; the SVG then goes to resvg with those paths where the texts were, at the
// same place (the text's transform) and in the same paint (its fill and opacity), so the picture is the same.
// Only texts this can redo exactly are replaced: plain content, a transform, font and paint attributes (and ARIA
// ones), and no font property inherited from a group or a stylesheet; any other text is left to resvg as it is.

/** An SVG holding the texts, with their ids → resvg's tree of it as SVG text (glyphs as paths). */
export type LayOut = (svg: string) => string;

const TEXT = /<text ([^>]*)>([^<]*)<\/text>/g;
const ATTR = /\s*([a-z-]+)="([^"]*)"/y; // one name="value" exactly where the last one ended
/** what decides the glyphs' outlines and where they sit relative to the text's origin */
const SHAPE = new Set(["font-family", "font-size", "font-weight", "font-style", "text-anchor"]);
const PAINT = new Set(["fill", "fill-opacity", "opacity"]);
/** no effect on the picture (a class could only through a stylesheet, and an SVG with one is left alone) */
const IGNORED = /^(aria-[a-z]+|role|class)$/;
/** texts whose look could also come from elsewhere: left alone */
const INHERITED = /<style|<g\b[^>]*\s(font-[a-z]+|letter-spacing|word-spacing|text-anchor|direction|writing-mode|text-rendering|style)=/;
const GROUP = /<g id="t(\d+)">([\s\S]*?)<\/g>/g;
const PATHS = /^(<path [^>]*\/>)+$/;

const MAX = 1000; // ~5 kB each: a few MB at most
/** shape attributes + content → the glyph paths ("" draws nothing; null: not redone, the text stays), least recently used first */
const outlines = new Map<string, string | null>();

interface Found {
  at: number;
  length: number;
  key: string;
  paint: string;
}

function parse(attrs: string, content: string): { key: string; paint: string } | undefined {
  const shape: string[] = [],
    paint: string[] = [];
  const end = attrs.trimEnd().length;
  ATTR.lastIndex = 0;
  while (ATTR.lastIndex < end) {
    const m = ATTR.exec(attrs);
    if (!m) return undefined; // something that is not name="value"
    const [all, name] = m;
    const attr = all.trim();
    if (SHAPE.has(name)) shape.push(attr);
    else if (PAINT.has(name) || name === "transform") paint.push(attr);
    else if (!IGNORED.test(name)) return undefined;
  }
  // both needed on the text itself, so that no group's value applies
  if (!shape.some((a) => a.startsWith("font-family=")) || !shape.some((a) => a.startsWith("font-size="))) return undefined;
  return { key: `${shape.join(" ")}>${content}`, paint: paint.join(" ") };
}

/** The SVG with each text it can redo replaced by its glyph outlines; texts not seen before are laid out by `layOut`, all in one go. */
export function textsToPaths(svg: string, layOut: LayOut): string {
  if (INHERITED.test(svg)) return svg;
  const found: Found[] = [];
  for (const m of svg.matchAll(TEXT)) {
    const p = parse(m[1], m[2]);
    if (p) found.push({ at: m.index, length: m[0].length, key: p.key, paint: p.paint });
  }
  const missing = [...new Set(found.map((f) => f.key).filter((k) => !outlines.has(k)))];
  if (missing.length) learn(missing, layOut);
  let out = "",
    from = 0;
  for (const f of found) {
    const paths = outlines.get(f.key);
    // undefined: laid out but evicted in this same call (more distinct texts than MAX)
    if (paths === undefined || paths === null) continue;
    outlines.delete(f.key);
    outlines.set(f.key, paths);
    out += svg.slice(from, f.at) + (paths && `<g ${f.paint}>${paths}</g>`);
    from = f.at + f.length;
  }
  return out + svg.slice(from);
}

function learn(keys: string[], layOut: LayOut): void {
  const texts = keys.map((k, i) => {
    const gt = k.indexOf(">");
    return `<text id="t${i}" ${k.slice(0, gt)}>${k.slice(gt + 1)}</text>`;
  });
  const tree = layOut(`<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1">${texts.join("")}</svg>`);
  const got = new Map<number, string | null>();
  for (const [, i, body] of tree.matchAll(GROUP)) {
    const paths = body
      .split("\n")
      .map((l) => l.trim())
      .join("");
    // the glyphs take the paint of the group that replaces the text; anything but plain paths stays a text
    got.set(Number(i), PATHS.test(paths) ? paths.replace(/ (fill|stroke)="[^"]*"/g, "") : null);
  }
  // no group for a text: resvg drew nothing of it (blank)
  keys.forEach((k, i) => outlines.set(k, got.has(i) ? (got.get(i) as string | null) : ""));
  for (const k of outlines.keys()) {
    if (outlines.size <= MAX) break;
    outlines.delete(k);
  }
}
