// Requests signed exactly as Slack signs them, with bodies built from Slack's documented payloads
// (test/fixtures/external/slack), and a fake Slack Web API that records what the bot sent.
import { readFileSync } from "node:fs";
import path from "node:path";
import { signSlack } from "../../adapters/slack/verify.ts";
import { startFakeServer, type FakeServer, type RecordedRequest } from "./fakeHttp.ts";

export const SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
export const SLACK_TOKEN = "xoxb-test-bot-token-000";
const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/external/slack");

export const fixture = (name: string): any => JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8"));
export const fixtureText = (name: string): string => readFileSync(path.join(FIXTURES, name), "utf8");

export function slackEnv(fake: FakeServer): Record<string, string> {
  return { SLACK_SIGNING_SECRET: SLACK_SECRET, SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_API_URL: `${fake.url}/api/` };
}

export interface SendOpts {
  ts?: number;
  secret?: string;
  headers?: Record<string, string>;
  signature?: string | null;
  tamper?: (raw: string) => string;
}

export async function sendSigned(baseUrl: string, raw: string, contentType: string, o: SendOpts = {}): Promise<Response> {
  const ts = String(o.ts ?? Math.floor(Date.now() / 1000));
  const sig = o.signature === undefined ? signSlack(o.secret ?? SLACK_SECRET, ts, raw) : o.signature;
  const headers: Record<string, string> = { "content-type": contentType, "x-slack-request-timestamp": ts, ...(o.headers ?? {}) };
  if (sig !== null) headers["x-slack-signature"] = sig;
  return fetch(`${baseUrl}/slack/events`, { method: "POST", headers, body: o.tamper ? o.tamper(raw) : raw });
}

export interface Who {
  team?: string;
  teamDomain?: string;
  user?: string;
  userName?: string;
  channel?: string;
}

/** A /crm slash command shaped like slash_command.bolt_python.txt. */
export function slashBody(text: string, fake: FakeServer, who: Who = {}): string {
  const form = new URLSearchParams(fixtureText("slash_command.bolt_python.txt"));
  form.set("command", "/crm");
  form.set("text", text);
  form.set("team_id", who.team ?? "T111");
  form.set("team_domain", who.teamDomain ?? "test-domain");
  form.set("user_id", who.user ?? "W111");
  form.set("user_name", who.userName ?? "primary-owner");
  form.set("channel_id", who.channel ?? "C111");
  form.set("response_url", `${fake.url}/response/${Math.random().toString(36).slice(2)}`);
  form.set("trigger_id", `111.${Date.now()}.trigger`);
  return form.toString();
}

/**
 * Sends /crm and returns its answer. Under load the server may ack empty and answer through
 * response_url instead (the 3-second rule); then the answer is the one posted there.
 */
export async function slash(baseUrl: string, text: string, fake: FakeServer, who: Who = {}, o: SendOpts = {}): Promise<Response> {
  const body = slashBody(text, fake, who);
  const res = await sendSigned(baseUrl, body, "application/x-www-form-urlencoded", o);
  if (res.status !== 200) return res;
  const raw = await res.text();
  if (raw) return new Response(raw, { status: 200, headers: { "content-type": res.headers.get("content-type") ?? "application/json" } });
  if (/^\s*(log|deal new|ticket new)\s*$/i.test(text)) return new Response("", { status: 200 }); // opened a modal instead
  const path = new URL(new URLSearchParams(body).get("response_url")!).pathname;
  const [late] = await fake.waitFor(path, 1, 15_000).catch(() => [undefined]);
  return new Response(late ? JSON.stringify(late.body) : "", { status: 200, headers: { "content-type": "application/json" } });
}

/** The text of /crm's answer, wherever it came (ack body or response_url). */
export async function slashText(baseUrl: string, text: string, fake: FakeServer, who: Who = {}): Promise<string> {
  const res = await slash(baseUrl, text, fake, who);
  if (res.status !== 200) throw new Error(`/crm ${text} → HTTP ${res.status}`);
  return res.text();
}

/** An interactive request: payload=<json>, as Slack sends block_actions / view_submission / shortcuts. */
export const interactive = (baseUrl: string, payload: unknown, o: SendOpts = {}) =>
  sendSigned(baseUrl, "payload=" + encodeURIComponent(JSON.stringify(payload)), "application/x-www-form-urlencoded", o);

export const eventCallback = (baseUrl: string, envelope: unknown, o: SendOpts = {}) =>
  sendSigned(baseUrl, JSON.stringify(envelope), "application/json", o);

/** block_actions for clicking a button we rendered (shape: block_actions.button_bolt_python.json). */
export function buttonClick(
  fake: FakeServer,
  button: { action_id: string; value: string; text?: unknown },
  who: Who = {},
  channel = "C111",
) {
  const body = fixture("block_actions.button_bolt_python.json");
  body.team = { id: who.team ?? "T111", domain: "test-domain" };
  body.user = { id: who.user ?? "W111", username: who.userName ?? "primary-owner", team_id: who.team ?? "T111" };
  body.channel = { id: channel, name: "random" };
  body.response_url = `${fake.url}/response/${Math.random().toString(36).slice(2)}`;
  body.actions = [{ ...button, type: "button", block_id: "crm_actions", action_ts: String(Date.now() / 1000) }];
  return body;
}

/** The Slack Web API and response_url endpoints, answering ok like Slack does. */
export async function startFakeSlack(): Promise<FakeServer> {
  let ts = 1700000000;
  const fake = await startFakeServer();
  fake.on("POST", /^\/response\//, () => ({ body: { ok: true } }));
  fake.on("POST", /^\/api\//, (req) => ({
    body: { ok: true, channel: (req.body as any)?.channel, ts: `${ts++}.000100`, message: { ts: `${ts}.000100` } },
  }));
  fake.on("POST", "/api/views.open", (req) => {
    const problems = slackViewProblems(apiArgs(req).view);
    return {
      body: problems.length
        ? { ok: false, error: "invalid_arguments", response_metadata: { messages: problems } }
        : { ok: true, view: { id: "V123" } },
    };
  });
  fake.on("POST", "/api/views.publish", () => ({ body: { ok: true, view: { id: "VHOME" } } }));
  // a full member of the calling team (the fields of Slack's users.info that the CRM reads); tests of
  // guests and other teams answer for their own users
  fake.on("POST", "/api/users.info", (req) => ({
    body: { ok: true, user: { id: apiArgs(req).user, is_restricted: false, is_ultra_restricted: false, deleted: false } },
  }));
  return fake;
}

/** The JSON or form body of a recorded Web API call. */
export function apiArgs(r: RecordedRequest): any {
  const b = r.body as any;
  if (typeof b === "object" && b) {
    const out: any = { ...b };
    for (const k of ["blocks", "view", "attachments"]) if (typeof out[k] === "string") out[k] = JSON.parse(out[k]);
    return out;
  }
  return b;
}

/** What Slack would refuse in a modal view (docs/PLATFORM-LIMITS.md), as a list of problems. */
export function slackViewProblems(view: any): string[] {
  const p: string[] = [];
  const text = (t: any, max: number, what: string) => {
    if (!t?.text || t.text.length > max) p.push(`${what}: empty or > ${max}`);
  };
  if (view?.type !== "modal") p.push("type is not modal");
  text(view?.title, 24, "title");
  if (view?.submit) text(view.submit, 24, "submit");
  if (view?.close) text(view.close, 24, "close");
  if ((view?.callback_id ?? "").length > 255) p.push("callback_id > 255");
  if ((view?.private_metadata ?? "").length > 3000) p.push("private_metadata > 3000");
  const blocks: any[] = view?.blocks ?? [];
  if (!blocks.length || blocks.length > 100) p.push("0 or > 100 blocks");
  for (const b of blocks) {
    if ((b.block_id ?? "").length > 255) p.push(`block_id of ${b.block_id}`);
    if (b.type !== "input") continue;
    text(b.label, 2000, `label of ${b.block_id}`);
    if (b.hint) text(b.hint, 2000, `hint of ${b.block_id}`);
    const e = b.element ?? {};
    if (e.placeholder) text(e.placeholder, 150, `placeholder of ${b.block_id}`);
    if (e.type === "plain_text_input") {
      if (e.max_length !== undefined && (e.max_length < 1 || e.max_length > 3000)) p.push(`max_length of ${b.block_id}`);
      if (e.initial_value !== undefined && (typeof e.initial_value !== "string" || e.initial_value.length > (e.max_length ?? 3000)))
        p.push(`initial_value of ${b.block_id}`);
    }
    if (e.type === "static_select" && e.initial_option && !(e.options ?? []).some((o: any) => o.value === e.initial_option.value))
      p.push(`initial_option of ${b.block_id}`);
  }
  return p;
}

/** The team of the Slack Connect customers in the tests: another organization than the installation's T111. */
export const CUSTOMER_TEAM = "TCUSTOMER";

/**
 * A message event_callback as Slack sends it (the fixture's shape) in channel `channel` at `ts`; a customer's
 * carries their own team (Slack Connect: user_team is not the installation's) and their profile.
 */
export function messageEvent(
  eventId: string,
  m: { user: string; text: string; channel: string; ts: string; thread?: string; customer?: boolean },
): any {
  const e = fixture("event_callback.message.bolt_python.json");
  e.event_id = eventId;
  e.event = {
    ...e.event,
    user: m.user,
    text: m.text,
    ts: m.ts,
    event_ts: m.ts,
    channel: m.channel,
    team: m.customer ? CUSTOMER_TEAM : "T111",
    user_team: m.customer ? CUSTOMER_TEAM : "T111",
    ...(m.customer ? { user_profile: { real_name: "Cara Customer", display_name: "cara" } } : {}),
    ...(m.thread ? { thread_ts: m.thread } : {}),
  };
  delete e.event.blocks;
  return e;
}
