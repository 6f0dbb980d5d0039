// Segments: a small filter language over contacts, parsed here (pure) and compiled to SQL over the
// alias `c` ("Contact") by resolveSegment (which needs the database for names → ids).
//   tag:vip  company:<name|A-key>  stage:<stage>  owner:<name|me|@mention>  last:before:<date>
//   last:after:<date>  has:email|discord|company  all      — space-separated, all must hold (AND);
//   a leading `-` negates a term. Values with spaces go in quotes: company:'Acme Corp'.
// Opted-out contacts are never in a segment: the compiled SQL always excludes them.
import { UserInputError } from "../../errors.ts";
import { parseDate } from "../../parse/dates.ts";

export type SegmentTerm =
  | { kind: "all" }
  | { kind: "tag"; tag: string; negated: boolean }
  | { kind: "company"; ref: string; negated: boolean }
  | { kind: "stage"; stage: string; negated: boolean }
  | { kind: "owner"; owner: string; negated: boolean }
  | { kind: "last"; when: "before" | "after"; at: Date; raw: string; negated: boolean }
  | { kind: "has"; what: "email" | "discord" | "company"; negated: boolean };

export const SEGMENT_FORMS = [
  "tag:<tag>",
  "company:<name or A-key>",
  "stage:<deal stage>",
  "owner:<member name|me>",
  "last:before:<date>",
  "last:after:<date>",
  "has:email",
  "has:discord",
  "has:company",
  "all",
];
export const SEGMENT_USAGE = `segment:"<terms>" — terms (all must match; -term negates): ${SEGMENT_FORMS.join(" · ")}. Example: segment:"tag:vip -tag:churned last:before:2026-01-01"`;

const MAX_TERMS = 20;
const HAS = new Set(["email", "discord", "company"]);

function fail(message: string): never {
  throw new UserInputError(`Segment: ${message}`, SEGMENT_USAGE);
}

/** Splits on spaces; '…', "…", ‘…’ and “…” group a value with spaces. */
export function splitTerms(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | null = null;
  let had = false;
  const closing: Record<string, string> = { "'": "'", '"': '"', "‘": "’", "“": "”" };
  for (const ch of text) {
    if (quote) {
      if (ch === closing[quote] || (quote === "‘" && ch === "‘") || (quote === "“" && ch === "“")) {
        quote = null;
        continue;
      }
      cur += ch;
      continue;
    }
    if (ch in closing) {
      quote = ch;
      had = true;
      continue;
    }
    if (/\s/u.test(ch)) {
      if (cur || had) out.push(cur);
      cur = "";
      had = false;
      continue;
    }
    cur += ch;
  }
  if (quote) fail(`unclosed quote in "${text.slice(0, 60)}"`);
  if (cur || had) out.push(cur);
  return out;
}

/** Text → terms. Throws UserInputError naming the bad term and listing the accepted forms. */
export function parseSegment(text: string, now = new Date()): SegmentTerm[] {
  const words = splitTerms(text.trim());
  if (!words.length) fail("it is empty; give at least one term, or `all` for every contact");
  if (words.length > MAX_TERMS) fail(`at most ${MAX_TERMS} terms`);
  const terms = words.map((w) => parseTerm(w, now));
  if (terms.some((t) => t.kind === "all") && terms.length > 1) fail("`all` stands alone; drop it or the other terms");
  return terms;
}

function parseTerm(word: string, now: Date): SegmentTerm {
  const negated = word.startsWith("-");
  const body = negated ? word.slice(1) : word;
  if (body.toLowerCase() === "all") {
    if (negated) fail("`-all` matches nobody");
    return { kind: "all" };
  }
  const i = body.indexOf(":");
  if (i <= 0) fail(`"${word}" is not a term`);
  const key = body.slice(0, i).toLowerCase();
  const value = body.slice(i + 1).trim();
  if (!value) fail(`"${word}" has no value after "${key}:"`);
  if (value.length > 100) fail(`the value of "${key}:" is too long`);
  switch (key) {
    case "tag":
      return { kind: "tag", tag: value.toLowerCase(), negated };
    case "company":
      return { kind: "company", ref: value, negated };
    case "stage":
      return { kind: "stage", stage: value.toLowerCase(), negated };
    case "owner":
      return { kind: "owner", owner: value.replace(/^@(?!<)/, ""), negated };
    case "has": {
      const what = value.toLowerCase();
      if (!HAS.has(what)) fail(`"has:${value}" — use has:email, has:discord or has:company`);
      return { kind: "has", what: what as "email" | "discord" | "company", negated };
    }
    case "last": {
      const j = value.indexOf(":");
      const when = (j > 0 ? value.slice(0, j) : value).toLowerCase();
      const raw = j > 0 ? value.slice(j + 1).trim() : "";
      if ((when !== "before" && when !== "after") || !raw)
        fail(`"${word}" — use last:before:<date> or last:after:<date>, e.g. last:before:2026-01-01`);
      let at: Date;
      try {
        at = parseDate(raw, now);
      } catch (e) {
        fail(`"${word}": ${(e as Error).message}`);
      }
      return { kind: "last", when, at, raw, negated };
    }
    default:
      fail(`unknown term "${key}:"`);
  }
}

/** The canonical text of terms (quotes values with spaces), e.g. after company names became keys. */
export function formatSegment(terms: SegmentTerm[]): string {
  const q = (v: string) => (/[\s'"]/.test(v) ? `'${v.replaceAll("'", "")}'` : v);
  return terms
    .map((t) => {
      const neg = "negated" in t && t.negated ? "-" : "";
      switch (t.kind) {
        case "all":
          return "all";
        case "tag":
          return `${neg}tag:${q(t.tag)}`;
        case "company":
          return `${neg}company:${q(t.ref)}`;
        case "stage":
          return `${neg}stage:${q(t.stage)}`;
        case "owner":
          return `${neg}owner:${q(t.owner)}`;
        case "last":
          return `${neg}last:${t.when}:${/T00:00:00\.000Z$/.test(t.at.toISOString()) ? t.at.toISOString().slice(0, 10) : t.at.toISOString()}`;
        case "has":
          return `${neg}has:${t.what}`;
      }
    })
    .join(" ");
}
