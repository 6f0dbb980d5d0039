// Hostile input through the real HTTP paths: 10,000 fuzzed command texts through the console API, and
// correctly signed but fuzzed Slack (slash form bodies, interactive payloads, JSON events) and Discord
// (random option trees, random interaction types) requests. Nothing may answer 5xx, crash the process
// or fall into the "Something went wrong on our side" catch-all: every reply is a valid answer or a
// clear error. Seeded: reproduce with SECURITY_FUZZ_SEED=<seed in the test name>.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { eventCallback, interactive, sendSigned, slackEnv, slashBody, startFakeSlack } from "./helpers/slack.ts";
import { commandBody, discordEnv, GUILD, sendInteraction, startFakeDiscord, type FakeDiscord } from "./helpers/discord.ts";
import { commands } from "../src/commands/registry.ts";

const SEED = Number(process.env.SECURITY_FUZZ_SEED ?? 20261122) >>> 0;
const CONSOLE_RUNS = Number(process.env.SECURITY_FUZZ_RUNS ?? 10_000);
const T0 = Date.now();
const lap = (what: string) => {
  if (process.env.SECURITY_FUZZ_TIMES) console.log(`${what}: ${Date.now() - T0} ms`);
};
const CATCH_ALL = "Something went wrong on our side";

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(SEED);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

const VERBS = commands.map((c) => c.path.join(" "));
const WORDS = [
  "C-1",
  "C-999999999999",
  "A-1",
  "D-1",
  "D-0",
  "T-1",
  "T--1",
  "K-1",
  "R-1",
  "x-1",
  "ana@acme.test",
  "@",
  "me",
  "auto",
  "all",
  "lead",
  "won",
  "lost",
  "proposal",
  "urgent",
  "low",
  "today",
  "week",
  "month",
  "mine",
  "open",
  "breached",
  "12k",
  "-5",
  "1e309",
  "12,50",
  "$",
  "€12k",
  "999999999999999",
  "NaN",
  "Infinity",
  "0x10",
  "2026-02-30",
  "next friday",
  "03/04",
  "25:61",
  "1h30m",
  "0s",
  "99999w",
  "<@U123|ana>",
  "<@U123>",
  "<#C1|sales>",
  "<#C1>",
  "<mailto:a@b.c|a@b.c>",
  "<https://x.y|z>",
  "<!channel>",
  "@everyone",
  '"',
  '"unclosed',
  "“curly”",
  "''",
  "``",
  "\\",
  '\\"',
  "{{first_name}}",
  "{{",
  "}}",
  "%s",
  "%n",
  "${x}",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "null",
  "undefined",
  "true",
  "[]",
  "{}",
  '\'; DROP TABLE "Contact"; --',
  "%00",
  "\u0000",
  "\u202e",
  "\u200b",
  "🎫",
  "👩‍👩‍👧",
  "ﷺ",
  "𝔸",
  "é",
  "İ",
  "ß",
  "\t",
  "\n",
  "\r\n",
  " ",
  "  ",
];
const KEYS = [
  "email",
  "phone",
  "company",
  "tags",
  "stage",
  "owner",
  "close",
  "priority",
  "contact",
  "assign",
  "segment",
  "channel",
  "message",
  "subject",
  "tz",
  "weekday",
  "period",
  "first",
  "resolve",
  "domain",
  "when",
  "reason",
  "x",
  "",
  "__proto__",
];

function word(): string {
  const r = rnd();
  if (r < 0.55) return pick(WORDS);
  if (r < 0.75) return `${pick(KEYS)}:${rnd() < 0.3 ? `"${pick(WORDS)} ${pick(WORDS)}"` : pick(WORDS)}`;
  if (r < 0.9) return Array.from({ length: 1 + int(12) }, () => String.fromCharCode(int(rnd() < 0.8 ? 128 : 0xffff))).join("");
  return "x".repeat(int(rnd() < 0.9 ? 300 : 5000));
}
function commandText(): string {
  const head = rnd() < 0.85 ? pick(VERBS) : word();
  const n = int(8);
  const parts = [rnd() < 0.2 ? `/crm ${head}` : head, ...Array.from({ length: n }, word)];
  const text = parts.join(rnd() < 0.9 ? " " : pick(["  ", "\t", "\n", ""]));
  return text.slice(0, 3900);
}
/** A random JSON value, nested a little. */
function junk(depth = 0): unknown {
  const r = rnd();
  if (depth > 3 || r < 0.3) return pick(WORDS);
  if (r < 0.4) return rnd() < 0.5 ? int(1e9) - 5e8 : rnd() * 1e308;
  if (r < 0.5) return pick([null, true, false, 0, -1, "", [], {}]);
  if (r < 0.75) return Array.from({ length: int(4) }, () => junk(depth + 1));
  return Object.fromEntries(
    Array.from({ length: int(5) }, () => [
      pick([...KEYS, "type", "id", "value", "name", "options", "action_id", "block_id", "user", "team"]),
      junk(depth + 1),
    ]),
  );
}

let t: TestApp;
let slack: FakeServer;
let discord: FakeDiscord;
let c: ConsoleSession;
beforeAll(async () => {
  slack = await startFakeSlack();
  discord = await startFakeDiscord();
  t = await startTestApp({ ...slackEnv(slack), ...discordEnv(discord) });
  c = await consoleSession(t.url, "Fuzz Co", "Fay Admin");
  for (const cmd of [
    "contact add Ana Lopez email:ana@acme.test company:Acme",
    'deal new "Acme renewal" 12k contact:C-1',
    "ticket new Printer priority:urgent",
  ])
    expect((await c.run(cmd)).kind).toBe("ok");
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await slack?.close();
  await discord?.close();
});

async function pool<T>(items: T[], width: number, fn: (x: T) => Promise<void>) {
  let i = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

describe(`security fuzz (seed ${SEED})`, () => {
  it(`${CONSOLE_RUNS} fuzzed command texts through the console API: a valid answer or a clear error, never 5xx`, async () => {
    const texts = Array.from({ length: CONSOLE_RUNS }, commandText);
    const bad: string[] = [];
    const kinds = { ok: 0, error: 0 };
    await pool(texts, 12, async (text) => {
      const res = await fetch(`${t.url}/console/api/command`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ workspaceId: c.workspaceId, memberId: c.adminId, text }),
      });
      if (res.status !== 200) {
        bad.push(`HTTP ${res.status}: ${JSON.stringify(text)}`);
        return;
      }
      const { reply } = await res.json();
      if (reply?.kind !== "ok" && reply?.kind !== "error") {
        bad.push(`no reply kind: ${JSON.stringify(text)}`);
        return;
      }
      kinds[reply.kind as "ok" | "error"]++;
      const shown = JSON.stringify(reply);
      if (shown.includes(CATCH_ALL)) bad.push(`internal error: ${JSON.stringify(text)}`);
      // clear: a non-empty message, no longer than what it quotes back of the input plus the usage line
      if (
        reply.kind === "error" &&
        !(typeof reply.summary === "string" && reply.summary.length > 0 && reply.summary.length < text.length + 1500)
      )
        bad.push(`unclear error (${String(reply.summary).length} chars): ${JSON.stringify(text).slice(0, 200)}`);
    });
    lap("console");
    expect(bad.slice(0, 20)).toEqual([]);
    expect(kinds.ok).toBeGreaterThan(0);
    expect(kinds.error).toBeGreaterThan(0);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  }, 240_000);

  it("signed, fuzzed Slack bodies (slash forms, interactive payloads, JSON events) never get 5xx", async () => {
    const bad: string[] = [];
    // requests Bolt has no listener for are only answered by the receiver's 3-second ack timeout: many at once
    const jobs = Array.from({ length: 300 }, (_, i) => i);
    await pool(jobs, 24, async (i) => {
      let res: Response;
      const kind = i % 4;
      if (kind === 0) {
        res = await sendSigned(t.url, slashBody(commandText(), slack), "application/x-www-form-urlencoded");
      } else if (kind === 1) {
        const form = new URLSearchParams();
        for (let k = int(8); k > 0; k--)
          form.append(pick([...KEYS, "command", "text", "team_id", "user_id", "payload", "response_url", "type"]), String(pick(WORDS)));
        res = await sendSigned(t.url, form.toString(), "application/x-www-form-urlencoded");
      } else if (kind === 2) {
        const payload = {
          type: pick(["block_actions", "view_submission", "shortcut", "message_action", "block_suggestion", "junk"]),
          team: { id: "T111" },
          user: { id: "W111" },
          ...(junk() as object),
          actions: [
            {
              action_id: pick(["crm_actions_0", "crm_share", "x", String(junk())]),
              value: rnd() < 0.5 ? commandText() : JSON.stringify(junk()),
              type: "button",
            },
          ],
        };
        res = await interactive(t.url, payload);
      } else {
        const raw =
          rnd() < 0.2
            ? pick(["{", "[]", "null", '"x"', '{"type":1}'])
            : JSON.stringify({
                type: "event_callback",
                team_id: "T111",
                event_id: `Ev${i}`,
                event: {
                  type: pick([
                    "app_mention",
                    "reaction_added",
                    "app_home_opened",
                    "link_shared",
                    "message",
                    "app_uninstalled",
                    "tokens_revoked",
                    "x",
                  ]),
                  ...(junk() as object),
                },
              });
        res = await sendSigned(t.url, raw, "application/json");
      }
      await res.text();
      if (res.status >= 500) bad.push(`kind ${kind} → ${res.status}`);
    });
    lap("slack");
    expect(bad).toEqual([]);
    // answers that came late through response_url are not the catch-all either
    await new Promise((r) => setTimeout(r, 1000));
    const late = slack.requests.filter((r) => r.path.startsWith("/response/")).map((r) => JSON.stringify(r.body));
    expect(late.filter((b) => b.includes(CATCH_ALL)).slice(0, 5)).toEqual([]);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  }, 120_000);

  it("signed Discord interactions with random option trees and types never get 5xx", async () => {
    const bad: string[] = [];
    const paths = commands.map((cmd) => cmd.path);
    const leaf = (): unknown => {
      const type = pick([3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2, 99]);
      const value =
        type === 4
          ? int(1e12) - 5e11
          : type === 5
            ? rnd() < 0.5
            : type === 10
              ? rnd() * 1e20
              : rnd() < 0.8
                ? commandText().slice(0, 120)
                : junk();
      return {
        name: rnd() < 0.8 ? pick(KEYS) || "name" : String(pick(WORDS)),
        type,
        value,
        ...(rnd() < 0.1 ? { focused: true } : {}),
        ...(rnd() < 0.05 ? { options: [leaf()] } : {}),
      };
    };
    await pool(
      Array.from({ length: 600 }, (_, i) => i),
      8,
      async (i) => {
        const p = rnd() < 0.85 ? pick(paths) : [String(pick(WORDS)), String(pick(WORDS))].slice(0, 1 + int(2));
        const body = commandBody(p.length > 2 ? p.slice(0, 2) : p, Array.from({ length: int(6) }, leaf) as never[], { guild: GUILD });
        const r = rnd();
        if (r < 0.15) body.type = pick([3, 4, 5, 99, 0, -1]);
        if (r < 0.05) body.data = junk();
        if (body.type === 3 || body.type === 5)
          body.data = {
            custom_id: rnd() < 0.5 ? commandText().slice(0, 100) : `crm#${int(1e6)}`,
            component_type: 2,
            ...(junk() as object),
          };
        const res = await sendInteraction(t.url, body);
        const text = await res.text();
        if (res.status >= 500) bad.push(`#${i} → ${res.status}`);
        if (text.includes(CATCH_ALL)) bad.push(`#${i} internal error: ${JSON.stringify(body.data).slice(0, 300)}`);
      },
    );
    expect(bad.slice(0, 10)).toEqual([]);
    await new Promise((r) => setTimeout(r, 1000));
    const edits = discord.requests.filter((r) => r.path.includes("/webhooks/")).map((r) => JSON.stringify(r.body));
    expect(edits.filter((b) => b.includes(CATCH_ALL)).slice(0, 5)).toEqual([]);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  }, 120_000);
});
