// Random text through the tokenizer and every decoder: each call returns a well-formed value or throws
// UserInputError (short, one line). Anything else is a bug that would surface as a 500 to a Slack user.
// Reproduce a failure with PARSE_FUZZ_SEED=<seed printed in the test name or failure message>.
import { describe, expect, it } from "vitest";
import { UserInputError } from "../src/errors.ts";
import {
  MAX_DURATION_SECONDS,
  isValidTimeZone,
  parseChannel,
  parseDate,
  parseDuration,
  parseEmail,
  parseMention,
  parseMoney,
  parseTime,
  tokenize,
} from "../src/parse/index.ts";

const SEED = Number(process.env.PARSE_FUZZ_SEED ?? 20260304) >>> 0;
const RUNS = 5_000;
const NOW = new Date("2026-03-04T15:00:00Z");

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
  '"',
  "“",
  "”",
  "„",
  "‘",
  "’",
  "'",
  "\\",
  '\\"',
  "<",
  ">",
  "|",
  ":",
  "::",
  "//",
  "&",
  "&amp;",
  "&lt;",
  "&gt;",
  "&amp;lt;",
  "<@U2CERLKJA|road runner>",
  "<@W111>",
  "<@!167348773423415296>",
  "<@",
  "<#C2147483705|test>",
  "<#123>",
  "<!here>",
  "<!subteam^S1|@devs>",
  "<!date^1^{date}|Feb 18>",
  "<https://x.y/z?a=1&amp;b=2|label>",
  "<http://acme.com|acme.com>",
  "<mailto:a@b.com|a@b.com>",
  "<tel:+1555|+1 555>",
  "<>",
  "<|>",
  "<:>",
  "<a:b|c>",
  "stage:",
  "close:",
  "Note:",
  "x-y_z:",
  "https://",
  "12:30",
  "09:00",
  "C-12",
  "D-7",
  "a@b.com",
  "ANN@Acme.CO",
  "$",
  "€",
  "£",
  "¥",
  "EUR",
  "usd",
  "k",
  "m",
  "K",
  "M",
  ",",
  ".",
  "-",
  "−",
  "(",
  ")",
  "0",
  "1",
  "12",
  "999",
  "1,000",
  "12.5",
  "1e6",
  "next",
  "friday",
  "tomorrow",
  "in 2 weeks",
  "Dec 31",
  "2026-12-31",
  "2026-02-30",
  "03/04",
  "3pm",
  "EST",
  "90s",
  "30m",
  "4h",
  "2d",
  "1w",
  "1h30m",
  "365d",
  " ",
  "  ",
  "\t",
  "\n",
  "\r\n",
  "\u00a0",
  "\u2003",
  "\u200b",
  "\u3000",
  "\u2028",
  "\ufeff",
  "\u0000",
  "\u0007",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u200d",
  "\u202e",
  "\u0301",
  "é",
  "ß",
  "İ",
  "中文",
  "עברית",
  "العربية",
  "😀",
  "👨‍👩‍👧",
  "🇫🇷",
  "\ud800",
  "\udfff",
  "{{first_name}}",
  "%",
  "#",
  "@",
  "@here",
];

function randomInput(rand: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const roll = rand();
  if (roll < 0.02) return "x".repeat(3990 + Math.floor(rand() * 20)); // around the 4000 limit
  if (roll < 0.06) return pick(FRAGMENTS).repeat(1 + Math.floor(rand() * 800)); // very long tokens
  if (roll < 0.12) {
    // arbitrary code units, including control characters and broken surrogates
    return Array.from({ length: Math.floor(rand() * 40) }, () => String.fromCharCode(Math.floor(rand() * 0x10000))).join("");
  }
  const parts = Array.from({ length: Math.floor(rand() * 16) }, () => pick(FRAGMENTS));
  return parts.join(rand() < 0.5 ? "" : " ");
}

type Check = (value: unknown) => string | null;
const decoders: Array<[string, (s: string) => unknown, Check]> = [
  [
    "parseMoney",
    (s) => parseMoney(s),
    (v) => {
      const m = v as { amount: string; currency: string };
      return /^\d{1,12}\.\d{2}$/.test(m.amount) && /^[A-Z]{3}$/.test(m.currency) ? null : "malformed money";
    },
  ],
  ["parseDate", (s) => parseDate(s, NOW, "Europe/Paris"), (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? null : "invalid Date")],
  [
    "parseDuration",
    (s) => parseDuration(s),
    (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_DURATION_SECONDS ? null : "duration out of range"),
  ],
  [
    "parseMention",
    (s) => parseMention(s),
    (v) => (v === null || /^(U|W)[A-Z0-9]+$|^\d+$/.test((v as { userId: string }).userId) ? null : "bad user id"),
  ],
  [
    "parseChannel",
    (s) => parseChannel(s),
    (v) => (v === null || /^[CG][A-Z0-9]+$|^\d+$/.test((v as { channelId: string }).channelId) ? null : "bad channel id"),
  ],
  [
    "parseTime",
    (s) => parseTime(s),
    (v) => {
      const t = v as { hour: number; minute: number };
      return t.hour >= 0 && t.hour < 24 && t.minute >= 0 && t.minute < 60 ? null : "time out of range";
    },
  ],
  [
    "parseEmail",
    (s) => parseEmail(s),
    (v) => (v === null || (typeof v === "string" && v === v.toLowerCase() && v.includes("@")) ? null : "bad email"),
  ],
  ["isValidTimeZone", (s) => isValidTimeZone(s), (v) => (typeof v === "boolean" ? null : "not a boolean")],
  [
    "tokenize",
    (s) => tokenize(s),
    (v) => {
      for (const t of v as ReturnType<typeof tokenize>) {
        if (t.kind === "option" && (!/^[a-z][a-z_-]*$/.test(t.key) || t.value === "")) return `bad option ${JSON.stringify(t)}`;
        if (t.kind === "word" && t.value === "" && !t.quoted) return "empty unquoted word";
        if (/[\u0000-\u0008\u000e-\u001f]/.test(t.value)) return "control character survived";
      }
      return null;
    },
  ],
];

/** null when `run(input)` behaved; otherwise what went wrong. */
function probe(run: (s: string) => unknown, check: Check, input: string): string | null {
  let value: unknown;
  try {
    value = run(input);
  } catch (e) {
    if (!(e instanceof UserInputError)) return `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    if (e.message.length > 200 || /[\n\r]/.test(e.message)) return `error message not short/one line: ${JSON.stringify(e.message)}`;
    return null;
  }
  return check(value);
}

describe("parse fuzz", () => {
  it(`${RUNS} random inputs either parse or throw UserInputError (seed ${SEED})`, () => {
    const rand = mulberry32(SEED);
    const failures: string[] = [];
    for (let i = 0; i < RUNS && failures.length < 5; i++) {
      const input = randomInput(rand);
      let tokens: string[] = [];
      try {
        tokens = tokenize(input)
          .slice(0, 6)
          .map((t) => t.value);
      } catch {
        // probed below
      }
      for (const candidate of [input, ...tokens]) {
        for (const [name, run, check] of decoders) {
          const problem = probe(run, check, candidate);
          if (problem) failures.push(`seed=${SEED} run=${i} ${name}(${JSON.stringify(candidate)}): ${problem}`);
        }
      }
    }
    expect(failures, failures.join("\n")).toEqual([]);
  });
});
