// Hostile text cannot stall the event loop: every parser, decoder, template check and renderer that reads
// user text gets long adversarial strings (runs of spaces, tabs, braces, markdown marks, quotes, colons,
// digits with separators, two-character alternations, seeded random text) of 1,000, 2,999, 10,000 and
// 30,000 characters, and each call must return or throw within 100 ms. Linear code takes a few ms at
// most; the old campaign template regex took seconds at 1,000 characters, and a quadratic regex takes
// 50–150 ms at 10,000 and around a second at 30,000. A call over budget is timed twice more and judged by
// its fastest run, so a garbage-collection pause or a busy machine does not fail it. Throwing
// UserInputError is fine; hanging is not, and neither is any other error. `npm run lint`
// (eslint-plugin-regexp) catches most such regexes as they are written; this test catches what it cannot see.
import { describe, expect, it } from "vitest";
import { UserInputError } from "../src/errors.ts";
import { mulberry32 } from "../src/random.ts";
import {
  bracketForm,
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
import { decodeEntities, show } from "../src/parse/snippet.ts";
import { parseScoreRule } from "../src/parse/scoreRule.ts";
import { parseText } from "../src/commands/engine.ts";
import { decodeArgs } from "../src/commands/define.ts";
import { commands } from "../src/commands/registry.ts";
import { contactValues, renderTemplate, validateTemplate } from "../src/domain/campaigns/template.ts";
import { parseSegment, splitTerms } from "../src/domain/campaigns/segment.ts";
import { buildEmail } from "../src/domain/campaigns/email.ts";
import { parseKey } from "../src/db/keys.ts";
import { money } from "../src/reply/format.ts";
import { b, code, i, link, reply, s, type Reply } from "../src/reply/reply.ts";
import { escapeDiscord, markdown, neutraliseMentions, renderDiscord } from "../adapters/discord/render.ts";
import { escapeMrkdwn, mrkdwn, renderSlack } from "../adapters/slack/render.ts";
import { renderHtml } from "../adapters/console/render.ts";
import { parseSlackBody } from "../adapters/slack/receiver.ts";

const BUDGET_MS = 100;
const NOW = new Date("2026-03-04T15:00:00Z");

/** Repeated units: runs of one character, of two alternating ones, and of separated digits. */
const UNITS = [
  " ",
  "\t",
  "\n",
  "\u00a0",
  "{{",
  "}}",
  "{",
  "*",
  "_",
  "~",
  "`",
  '"',
  "'",
  "“",
  ":",
  "|",
  "@",
  ".",
  "/",
  "\\",
  "<",
  ">",
  "#",
  "-",
  "0",
  "1",
  "1,",
  "1.",
  "0,",
  "1 ",
  "12:",
  "\n#",
  " -",
  "\n1.",
  "{{ ",
  "{{|",
  "{ ",
  " :",
  ": ",
  "a:",
  "*_",
  "_~",
  "\"'",
  "@.",
  "a@",
  ".a",
  "<@",
  "&amp;",
  "ab",
  " a",
  "x\t",
  "\r\n",
];
/** What stands before and after a run: where a form begins, and a last character that trimming keeps and the form refuses. */
const FRAMES: [string, string][] = [
  ["", ""],
  ["x", "x"],
  ["a:", "x"],
  ["{{", "|"],
];
const MORE_FRAMES: [string, string][] = [
  ["{{", ""],
  ["", "!"],
  ["tag:", "!"],
  ["<@U1|", "x"],
  ["a@", "@"],
  ["https://", "x"],
  ...["x:", "$", "-", '"', "D-"].map((pre): [string, string] => [pre, ""]),
  ...["}}", "\n", " 5", "@"].map((suf): [string, string] => ["", suf]),
];

/**
 * Each unit's run in each frame, then 20 seeded random texts of a few characters. Short texts (up to 3,000)
 * take every frame and find what backtracks cubically or worse; long ones (10,000 and 30,000) take the main
 * frames and find what is quadratic, which takes half a second or more at 30,000 characters.
 */
function adversarial(size: number, frames = size <= 3_000 ? [...FRAMES, ...MORE_FRAMES] : FRAMES): string[] {
  const out: string[] = [];
  for (const unit of UNITS) {
    for (const [pre, suf] of frames) {
      const fill = Math.max(0, size - pre.length - suf.length);
      out.push(pre + unit.repeat(Math.ceil(fill / unit.length)).slice(0, fill) + suf);
    }
  }
  const rand = mulberry32(20261207 + size);
  const alphabet = " \t\n{}|*_~`\"':@.,/\\<>#-0123456789abcXYZé😀";
  for (let n = 0; n < 20; n++) {
    const pool = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => alphabet[Math.floor(rand() * alphabet.length)]);
    out.push(Array.from({ length: size }, () => pool[Math.floor(rand() * pool.length)]).join(""));
  }
  return out;
}

/** Runs fn; over budget, twice more, keeping the fastest. Returns ms, or rethrows what is not UserInputError. */
function timed(fn: () => unknown): number {
  let best = Infinity;
  for (let attempt = 0; attempt < 3 && best > BUDGET_MS; attempt++) {
    const t0 = performance.now();
    try {
      fn();
    } catch (e) {
      if (!(e instanceof UserInputError)) throw e;
    }
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** 2,999: under the 3,000 and 4,000 limits that some checks apply first. */
const SIZES = [1_000, 2_999, 10_000, 30_000];

function expectLinear(name: string, fn: (text: string) => unknown, sizes = SIZES, frames?: [string, string][]) {
  for (const size of sizes) {
    for (const text of adversarial(size, frames)) {
      const ms = timed(() => fn(text));
      if (ms > BUDGET_MS)
        expect.fail(
          `${name} took ${ms.toFixed(0)} ms on ${size} characters starting ${JSON.stringify(text.slice(0, 12))}…${JSON.stringify(text.slice(-6))}`,
        );
    }
  }
}

const SPANS = { plain: s, bold: b, italic: i, code, link: (t: string) => link(t, `https://x.y/${t}`) };

/** One reply per place user text can stand in a message, the text there alone. */
const PLACES: Record<string, (t: string) => Reply> = {
  header: (t) => reply("r").header(t).build(),
  text: (t) => reply("r").text(t).build(),
  spans: (t) =>
    reply("r")
      .text([s(t), b(t)])
      .build(),
  code: (t) =>
    reply("r")
      .text([i(t), code(t)])
      .build(),
  link: (t) =>
    reply("r")
      .text([link(t, `https://x.y/${t}`)])
      .build(),
  context: (t) => reply("r").context(t).build(),
  field: (t) =>
    reply("r")
      .fields([{ label: t.slice(0, 200), value: t }])
      .build(),
  button: (t) =>
    reply("r")
      .actions([{ label: t, command: `contact show ${t}` }])
      .build(),
};

describe("no user text makes a parser or renderer backtrack (each call within 100 ms at up to 30,000 characters)", () => {
  it("the command tokenizer and the value decoders", () => {
    expectLinear("tokenize", tokenize);
    expectLinear("bracketForm", bracketForm);
    expectLinear("parseMoney", (t) => parseMoney(t));
    expectLinear("parseDate", (t) => parseDate(t, NOW, "UTC"));
    expectLinear("parseDuration", parseDuration);
    expectLinear("parseMention", parseMention);
    expectLinear("parseChannel", parseChannel);
    expectLinear("parseTime", parseTime);
    expectLinear("parseEmail", parseEmail);
    expectLinear("isValidTimeZone", isValidTimeZone);
    expectLinear("parseKey", parseKey);
    expectLinear("decodeEntities", decodeEntities);
    expectLinear("show", (t) => show(t));
    expectLinear("money", (t) => money(t));
  }, 120_000);

  it("every command's text, parsed and its arguments decoded", () => {
    for (const cmd of commands) {
      const path = cmd.path.join(" ");
      expectLinear(`/crm ${path}`, (t) => decodeArgs(cmd, parseText(commands, `${path} ${t}`).raw), [2_999], FRAMES.slice(0, 1));
    }
  }, 120_000);

  it("the campaign template check and render, and the segment and score-rule parsers", () => {
    expectLinear("validateTemplate", (t) => validateTemplate(t));
    expectLinear("renderTemplate", (t) => renderTemplate(t, contactValues({ name: t, company: t, owner: t })));
    expectLinear("splitTerms", splitTerms);
    expectLinear("parseSegment", (t) => parseSegment(t, NOW));
    expectLinear("parseScoreRule", parseScoreRule);
    const settings = { publicUrl: "https://crm.example", secret: "k" };
    expectLinear("buildEmail (From and message)", (t) =>
      buildEmail(
        { ...settings, from: t },
        { id: "c", number: 1, name: "n", subject: t, message: t },
        { id: "r", email: "a@b.co", token: "x" },
        {},
      ),
    );
  }, 120_000);

  it("the Discord, Slack and console renderers' markdown and span conversion", () => {
    expectLinear("escapeDiscord", escapeDiscord);
    expectLinear("neutraliseMentions", neutraliseMentions);
    for (const [kind, span] of Object.entries(SPANS)) expectLinear(`Discord markdown (${kind})`, (t) => markdown([span(t)]));
    expectLinear("escapeMrkdwn", escapeMrkdwn);
    for (const [kind, span] of Object.entries(SPANS)) expectLinear(`Slack mrkdwn (${kind})`, (t) => mrkdwn([span(t)]));
    for (const [place, make] of Object.entries(PLACES)) {
      expectLinear(`renderDiscord (${place})`, (t) => renderDiscord(make(t)), SIZES, FRAMES.slice(0, 2));
      expectLinear(`renderSlack (${place})`, (t) => renderSlack(make(t)), SIZES, FRAMES.slice(0, 2));
      expectLinear(`renderHtml (${place})`, (t) => renderHtml(make(t)), SIZES, FRAMES.slice(0, 2));
    }
    expectLinear("parseSlackBody", (t) => parseSlackBody(t, "application/x-www-form-urlencoded"), [10_000]);
  }, 120_000);
});
