// Interactions signed exactly as Discord signs them (Ed25519 over timestamp + body, with a key pair made
// for this run), bodies built from Discord's documented payloads (test/fixtures/external/discord), and
// a fake Discord REST API that records what the bot sent and refuses what Discord would refuse.
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { startFakeServer, type FakeServer, type RecordedRequest } from "./fakeHttp.ts";

export const DISCORD_APP_ID = "1100000000000000001";
export const DISCORD_TOKEN = "test-discord-bot-token";
export const GUILD = "1200000000000000001";
export const OTHER_GUILD = "1200000000000000002";
export const USER = "1300000000000000001";

const keys = generateKeyPairSync("ed25519");
export const wrongKey: KeyObject = generateKeyPairSync("ed25519").privateKey;
/** The raw 32-byte public key (the SPKI DER ends with it), as the Developer Portal shows it: 64 hex. */
export const DISCORD_PUBLIC_KEY = keys.publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/external/discord");
export const fixture = (name: string): any => JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8"));

export function discordEnv(fake: FakeServer): Record<string, string> {
  return {
    DISCORD_APPLICATION_ID: DISCORD_APP_ID,
    DISCORD_PUBLIC_KEY,
    DISCORD_BOT_TOKEN: DISCORD_TOKEN,
    DISCORD_API_URL: `${fake.url}/api`,
  };
}

export const signDiscord = (timestamp: string, raw: string, key: KeyObject = keys.privateKey) =>
  sign(null, Buffer.from(timestamp + raw, "utf8"), key).toString("hex");

export interface SendOpts {
  ts?: number;
  key?: KeyObject;
  signature?: string | null;
  tamper?: (raw: string) => string;
}

export async function sendInteraction(baseUrl: string, body: unknown, o: SendOpts = {}): Promise<Response> {
  const raw = JSON.stringify(body);
  const ts = String(o.ts ?? Math.floor(Date.now() / 1000));
  const sig = o.signature === undefined ? signDiscord(ts, raw, o.key) : o.signature;
  const headers: Record<string, string> = { "content-type": "application/json", "x-signature-timestamp": ts };
  if (sig !== null) headers["x-signature-ed25519"] = sig;
  return fetch(`${baseUrl}/discord/interactions`, { method: "POST", headers, body: o.tamper ? o.tamper(raw) : raw });
}

/** POST and read the JSON answer. */
export const interact = async (baseUrl: string, body: unknown): Promise<any> => (await sendInteraction(baseUrl, body)).json();

/** member.permissions of someone with Manage Server (0x20): a CRM admin. The default test caller. */
export const MANAGE_SERVER = "32";
/** member.permissions of an ordinary server member (View Channel, Send Messages, Use Application Commands) */
export const PLAIN_MEMBER = String((1n << 10n) | (1n << 11n) | (1n << 31n));

/** Who sends: by default someone who manages the server (tests of ordinary members pass PLAIN_MEMBER). */
export interface Who {
  guild?: string | null;
  user?: string;
  userName?: string;
  channel?: string;
  permissions?: string;
  roles?: string[];
}
export interface Opt {
  name: string;
  type: number;
  value?: string | number | boolean;
  focused?: boolean;
}
export const str = (name: string, value: string, focused = false): Opt => ({ name, type: 3, value, ...(focused ? { focused } : {}) });
export const userOpt = (name: string, id: string): Opt => ({ name, type: 6, value: id });
export const channelOpt = (name: string, id: string): Opt => ({ name, type: 7, value: id });

let seq = 0;
export const snowflake = () => `14${String(Date.now()).slice(-10)}${String(++seq).padStart(5, "0")}`;

/** Fills in the envelope: a fresh id and token, the guild (or a DM without one), member or user. */
function envelope(body: any, who: Who): any {
  body.id = snowflake();
  body.token = `tok-${body.id}`;
  body.application_id = DISCORD_APP_ID;
  body.channel_id = who.channel ?? "1500000000000000001";
  const user = { id: who.user ?? USER, username: who.userName ?? "ana", global_name: who.userName ?? "Ana", discriminator: "0" };
  if (who.guild === null) {
    delete body.guild_id;
    delete body.member;
    body.user = user;
  } else {
    body.guild_id = who.guild ?? GUILD;
    body.member = { ...(body.member ?? {}), user, nick: null, permissions: who.permissions ?? MANAGE_SERVER, roles: who.roles ?? [] };
    delete body.user;
  }
  // fields every interaction carries today (the older fixtures predate them; discord.js relies on them)
  body.entitlements ??= [];
  body.authorizing_integration_owners = who.guild === null ? { 1: user.id } : { 0: body.guild_id };
  body.context = who.guild === null ? 1 : 0;
  return body;
}

const nest = (p: string[], leaves: Opt[]) =>
  p.length === 2
    ? [{ type: 2, name: p[0], options: [{ type: 1, name: p[1], options: leaves }] }]
    : [{ type: 1, name: p[0], options: leaves }];

/** /crm <group> <sub> options… shaped like application_command.subcommand_group.slash_create.json. */
export function commandBody(p: string[], leaves: Opt[] = [], who: Who = {}): any {
  const body = fixture("application_command.subcommand_group.slash_create.json");
  body.data = { id: "1600000000000000001", name: "crm", type: 1, options: nest(p, leaves) };
  return envelope(body, who);
}

/** Typing in an option, shaped like autocomplete.subcommand_focused.slash_create.json. */
export function autocompleteBody(p: string[], leaves: Opt[], who: Who = {}): any {
  const body = fixture("autocomplete.subcommand_focused.slash_create.json");
  body.data = { id: "1600000000000000001", name: "crm", type: 1, version: "1", options: nest(p, leaves) };
  return envelope(body, who);
}

/** "Create ticket" on a message, shaped like application_command.message_context_menu.docs.json. */
export function messageCommandBody(target: { id: string; content: string; authorId?: string }, who: Who = {}, name = "Create ticket"): any {
  const body = fixture("application_command.message_context_menu.docs.json");
  const channel = who.channel ?? "1500000000000000001";
  const [id] = Object.keys(body.data.resolved.messages);
  const message = { ...body.data.resolved.messages[id], id: target.id, channel_id: channel, content: target.content };
  if (target.authorId) message.author = { ...message.author, id: target.authorId };
  body.data = { ...body.data, name, target_id: target.id, resolved: { messages: { [target.id]: message } } };
  return envelope(body, { ...who, channel });
}

/** A click on one of our buttons, shaped like message_component.button.docs_2025-03.json. */
export function buttonBody(customId: string, who: Who = {}, messageFlags?: number): any {
  const body = fixture("message_component.button.docs_2025-03.json");
  body.data = { custom_id: customId, component_type: 2 };
  body.message.components = [{ type: 1, components: [{ type: 2, style: 1, label: "x", custom_id: customId }] }];
  if (messageFlags !== undefined) body.message.flags = messageFlags;
  return envelope(body, who);
}

/** A form submission in either of Discord's layouts: action rows (older) or Labels (current). */
export function modalSubmitBody(customId: string, fields: Record<string, string | string[]>, shape: "rows" | "labels", who: Who = {}): any {
  const body = fixture("modal_submit.text_input_action_row.docs_2025-03.json");
  const input = (id: string, v: string | string[]) =>
    Array.isArray(v) ? { type: 3, custom_id: id, values: v } : { type: 4, custom_id: id, value: v };
  body.data = {
    custom_id: customId,
    components: Object.entries(fields).map(([id, v], k) =>
      shape === "rows" ? { type: 1, components: [input(id, v)] } : { type: 18, id: k + 1, component: { id: k + 100, ...input(id, v) } },
    ),
  };
  return envelope(body, who);
}

/** What Discord would refuse in a message (docs/PLATFORM-LIMITS.md), as a list of problems. */
export function discordLimitProblems(m: any): string[] {
  const p: string[] = [];
  if ((m.content ?? "").length > 2000) p.push("content > 2000");
  const embeds: any[] = m.embeds ?? [];
  if (embeds.length > 10) p.push("> 10 embeds");
  let total = 0;
  for (const e of embeds) {
    if ((e.title ?? "").length > 256) p.push("title > 256");
    if ((e.description ?? "").length > 4096) p.push("description > 4096");
    if ((e.fields ?? []).length > 25) p.push("> 25 fields");
    for (const f of e.fields ?? []) {
      if (!f.name || f.name.length > 256) p.push(`field name "${f.name}"`);
      if (!f.value || f.value.length > 1024) p.push(`field value of "${f.name}"`);
      total += f.name.length + f.value.length;
    }
    if (e.footer && (!e.footer.text || e.footer.text.length > 2048)) p.push("footer");
    total += (e.title ?? "").length + (e.description ?? "").length + (e.footer?.text ?? "").length;
  }
  if (total > 6000) p.push("embeds > 6000");
  const rows: any[] = m.components ?? [];
  if (rows.length > 5) p.push("> 5 rows");
  const ids = new Set<string>();
  for (const r of rows) {
    if ((r.components ?? []).length > 5) p.push("> 5 buttons in a row");
    for (const b of r.components ?? []) {
      if (!b.label || b.label.length > 80) p.push(`label "${b.label}"`);
      if (!b.custom_id || b.custom_id.length > 100) p.push(`custom_id "${b.custom_id}"`);
      if (ids.has(b.custom_id)) p.push(`duplicate custom_id "${b.custom_id}"`);
      ids.add(b.custom_id);
    }
  }
  return p;
}

export const ORIGINAL = /^\/api\/v10\/webhooks\/\d+\/[^/]+\/messages\/(%40|@)original$/;
export const originalPath = (token: string) => `/api/v10/webhooks/${DISCORD_APP_ID}/${token}/messages/@original`;

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
}
export interface FakeDiscord extends FakeServer {
  /** messages GET /channels/{c}/messages/{m} answers with, by "c/m" */
  messages: Map<string, any>;
  /** the server GET /channels/{c} says channel c is in; a channel not listed is in GUILD, null: Unknown Channel */
  channelGuilds: Map<string, string | null>;
}

/** A multipart/form-data body as @discordjs/rest sends files: payload_json plus files[n]. */
export function multipart(req: RecordedRequest): { payload: any; files: UploadedFile[] } | null {
  const type = String(req.headers["content-type"] ?? "");
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
  if (!type.startsWith("multipart/form-data") || !boundary) return null;
  let payload: any;
  const files: UploadedFile[] = [];
  for (const part of req.raw.split(`--${boundary[1] ?? boundary[2]}`)) {
    const [head, ...rest] = part.split("\r\n\r\n");
    const body = rest.join("\r\n\r\n").replace(/\r\n$/, "");
    const field = /name="([^"]+)"/.exec(head)?.[1];
    if (!field) continue;
    const filename = /filename="([^"]+)"/.exec(head)?.[1];
    if (field === "payload_json") payload = JSON.parse(body);
    else if (filename) files.push({ field, filename, contentType: /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? "", size: body.length });
  }
  return { payload, files };
}

/** The JSON a request carried, whether sent as JSON or as multipart payload_json. */
export const payloadOf = (req: RecordedRequest): any => multipart(req)?.payload ?? req.body;

export const channelMessagesPath = (channel: string) => `/api/v10/channels/${channel}/messages`;
export const CHANNEL_MESSAGES = /^\/api\/v10\/channels\/(\d+)\/messages$/;
/** GET /channels/{id}: which server a channel (or thread) is in */
export const CHANNEL = /^\/api\/v10\/channels\/(\d+)$/;

/**
 * Discord's REST API as the bot uses it: interaction webhooks and callbacks, command registration,
 * channel messages (JSON or multipart with files), pins, threads and their members, DM channels,
 * reading a message; with Discord's 50035 refusals for messages over its limits.
 */
export async function startFakeDiscord(): Promise<FakeDiscord> {
  const fake = (await startFakeServer()) as FakeDiscord;
  fake.messages = new Map();
  fake.channelGuilds = new Map();
  const invalid = (problems: string[]) => ({ status: 400, body: { code: 50035, message: "Invalid Form Body", errors: problems } });
  const checked = (req: RecordedRequest, answer: (m: any) => object) => {
    const m = payloadOf(req);
    const problems = discordLimitProblems(m);
    return problems.length ? invalid(problems) : { body: answer(m) };
  };
  fake.on("PATCH", ORIGINAL, (req) => checked(req, (m) => ({ id: "1700000000000000001", ...m })));
  fake.on("POST", /^\/api\/v10\/webhooks\/\d+\/[^/]+$/, (req) => checked(req, (m) => ({ id: "1700000000000000002", ...m })));
  fake.on("POST", /^\/api\/v10\/interactions\/\d+\/[^/]+\/callback$/, () => ({ status: 204 }));
  fake.on("PUT", /^\/api\/v10\/applications\/\d+(\/guilds\/\d+)?\/commands$/, (req) => ({
    body: (req.body as any[]).map((c, i) => ({ id: `18000000000000000${i}`, application_id: DISCORD_APP_ID, version: "1", ...c })),
  }));
  fake.on("POST", CHANNEL_MESSAGES, (req) =>
    checked(req, (m) => ({ id: snowflake(), channel_id: CHANNEL_MESSAGES.exec(req.path)![1], ...m })),
  );
  fake.on("PATCH", /^\/api\/v10\/channels\/(\d+)\/messages\/(\d+)$/, (req) =>
    checked(req, (m) => ({ id: req.path.split("/").pop(), ...m })),
  );
  fake.on("GET", /^\/api\/v10\/channels\/(\d+)\/messages\/(\d+)$/, (req) => {
    const [, c, m] = /channels\/(\d+)\/messages\/(\d+)/.exec(req.path)!;
    const found = fake.messages.get(`${c}/${m}`);
    return found ? { body: found } : { status: 404, body: { code: 10008, message: "Unknown Message" } };
  });
  fake.on("GET", CHANNEL, (req) => {
    const id = CHANNEL.exec(req.path)![1];
    const guild = fake.channelGuilds.has(id) ? fake.channelGuilds.get(id) : GUILD;
    return guild === null
      ? { status: 404, body: { code: 10003, message: "Unknown Channel" } }
      : { body: { id, type: 0, guild_id: guild, name: `channel-${id}` } };
  });
  fake.on("PUT", /^\/api\/v10\/channels\/\d+\/messages\/pins\/\d+$/, () => ({ status: 204 }));
  fake.on("POST", /^\/api\/v10\/channels\/(\d+)\/threads$/, (req) => {
    const b = req.body as any;
    if (!b?.name || b.name.length > 100) return invalid(["name"]);
    return { status: 201, body: { id: snowflake(), parent_id: req.path.split("/")[4], name: b.name, type: b.message ? 11 : b.type } };
  });
  // a thread started on a message shares the message's id; a second start is refused with 160004
  const started = new Set<string>();
  fake.on("POST", /^\/api\/v10\/channels\/(\d+)\/messages\/(\d+)\/threads$/, (req) => {
    const [, parent, message] = /channels\/(\d+)\/messages\/(\d+)/.exec(req.path)!;
    const b = req.body as any;
    if (!b?.name || b.name.length > 100) return invalid(["name"]);
    if (started.has(message)) return { status: 400, body: { code: 160004, message: "A thread has already been created for this message" } };
    started.add(message);
    return { status: 201, body: { id: message, parent_id: parent, guild_id: GUILD, name: b.name, type: 11 } };
  });
  fake.on("PUT", /^\/api\/v10\/channels\/\d+\/thread-members\/\d+$/, () => ({ status: 204 }));
  fake.on("POST", "/api/v10/users/@me/channels", (req) => ({
    body: { id: `19${String((req.body as any).recipient_id).slice(2)}`, type: 1 },
  }));
  return fake;
}

/** A 429 exactly as Discord's docs show it (fixtures/rest_429.*.http.txt): status line, headers, JSON body. */
export function rateLimitFixture(
  scope: "user" | "shared" | "global",
  retryAfterSeconds?: number,
): { status: number; headers: Record<string, string>; body: any } {
  const text = readFileSync(
    path.join(FIXTURES, `rest_429.${scope === "user" ? "user_scope" : scope === "shared" ? "shared_scope" : "global"}.docs.http.txt`),
    "utf8",
  );
  const lines = text.split("\n");
  const headers: Record<string, string> = {};
  for (const l of lines.filter((x) => x.startsWith("< ") && x.includes(": "))) {
    const [k, ...v] = l.slice(2).split(": ");
    headers[k.toLowerCase()] = v.join(": ").trim();
  }
  const body = JSON.parse(lines.filter((x) => !x.startsWith("<")).join("\n"));
  if (retryAfterSeconds !== undefined) {
    // the docs' minute-long waits, shortened for a test: same headers, same shape
    headers["retry-after"] = String(retryAfterSeconds);
    if (headers["x-ratelimit-reset-after"]) headers["x-ratelimit-reset-after"] = retryAfterSeconds.toFixed(2);
    if (headers["x-ratelimit-reset"]) headers["x-ratelimit-reset"] = (Date.now() / 1000 + retryAfterSeconds).toFixed(3);
    body.retry_after = retryAfterSeconds;
  }
  return { status: 429, headers, body };
}

const messageOf = (m: any) => (m && typeof m.type === "number" && "data" in m ? m.data : m);
/** Every text a message (or an interaction response carrying one) shows, for "contains" checks. */
export const shown = (m: any): string => {
  const x = messageOf(m);
  return JSON.stringify([x?.content, x?.embeds, x?.components]);
};
export const buttonsOf = (m: any): any[] => (messageOf(m)?.components ?? []).flatMap((r: any) => r.components);
