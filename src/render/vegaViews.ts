// Vega-Lite spec → SVG through one live Vega View per chart *shape*: the spec without its inline data values
// and without the values of its plain params. Compiling (Vega-Lite) and parsing (Vega) a shape and building its
// View happen once; each chart then only puts its values and params into that View and runs it (~4 ms against
// ~30 for compile + parse + a new View). A View draws one chart at a time (a queue per shape); the least
// recently used Views are finalized past MAX_SHAPES. Nothing is fetched: the loader refuses every URL.
import type { TopLevelSpec } from "vega-lite";
import type { View } from "vega";

/** the Vega dataset a shape's inline values go into (a name Vega-Lite does not generate) */
const DATA = "chart_values";
const MAX_SHAPES = 16;

// vega and vega-lite load on the first chart, not at start-up: vega-lite patches Set.prototype.toJSON
// when it loads, which libraries that probe Set at their own load time (discord.js's emitter) reject.
let engines:
  | Promise<{ vega: typeof import("vega"); compile: typeof import("vega-lite").compile; loader: ReturnType<typeof import("vega").loader> }>
  | undefined;
const loadEngines = () =>
  (engines ??= (async () => {
    const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
    const loader = vega.loader();
    loader.load = async (uri: string) => {
      throw new Error(`charts load nothing (asked for ${uri})`);
    };
    return { vega, compile: vl.compile, loader };
  })());

interface Shape {
  view: Promise<View>;
  /** the last chart drawn or queued on this View */
  tail: Promise<unknown>;
}
const shapes = new Map<string, Shape>(); // key → View, least recently used first

type Param = { name: string; value?: unknown; select?: unknown; bind?: unknown; expr?: unknown };
const plain = (p: Param) => "value" in p && p.select === undefined && p.bind === undefined && p.expr === undefined;

/** What varies from chart to chart (inline values, plain params' values) apart from the rest, the shape. */
function split(spec: TopLevelSpec): { shape: TopLevelSpec; values?: object[]; params: Param[] } {
  const s = spec as TopLevelSpec & { data?: { values?: unknown }; params?: Param[] };
  const values = s.data && Array.isArray(s.data.values) && Object.keys(s.data).length === 1 ? (s.data.values as object[]) : undefined;
  const params = (s.params ?? []).filter(plain);
  const shape = {
    ...s,
    ...(values && { data: { name: DATA } }),
    ...(s.params && { params: s.params.map((p) => (plain(p) ? { ...p, value: null } : p)) }),
  } as TopLevelSpec;
  return { shape, values, params };
}

async function build(shape: TopLevelSpec): Promise<View> {
  const { vega, compile, loader } = await loadEngines();
  return new vega.View(vega.parse(compile(shape).spec), { renderer: "none", loader });
}

function shapeFor(key: string, shape: TopLevelSpec): Shape {
  let s = shapes.get(key);
  if (s)
    shapes.delete(key); // back to the most recently used end
  else s = { view: build(shape), tail: Promise.resolve() };
  shapes.set(key, s);
  for (const [k, old] of shapes) {
    if (shapes.size <= MAX_SHAPES) break;
    shapes.delete(k);
    void retire(old);
  }
  return s;
}

async function retire(s: Shape): Promise<void> {
  await s.tail.catch(() => {});
  (await s.view.catch(() => undefined))?.finalize();
}

/** Vega-Lite spec → SVG text. */
export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  const { shape, values, params } = split(spec);
  const key = JSON.stringify(shape);
  const s = shapeFor(key, shape);
  const draw = async () => {
    const view = await s.view;
    // copies: Vega marks the objects it ingests, and these are the caller's
    if (values)
      view.data(
        DATA,
        values.map((v) => ({ ...v })),
      );
    for (const p of params) view.signal(p.name, p.value);
    return view.toSVG();
  };
  const svg = s.tail.then(draw, draw);
  s.tail = svg;
  try {
    return await svg;
  } catch (e) {
    // a View that failed may be half updated: the next chart of this shape gets a new one
    if (shapes.get(key) === s) {
      shapes.delete(key);
      void retire(s);
    }
    throw e;
  }
}
