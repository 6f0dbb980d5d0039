// A Discord gateway on a local WebSocket, speaking enough of the protocol for discord.js 14
// (@discordjs/ws 1.x): HELLO (op 10) → IDENTIFY (op 2, token checked) → READY (op 0 t READY); heartbeats
// (op 1) are acknowledged (op 11); then the test sends dispatches (INTERACTION_CREATE,
// MESSAGE_REACTION_ADD, MESSAGE_CREATE…). JSON encoding only: a client asking for compression is refused.
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { DISCORD_APP_ID, DISCORD_TOKEN } from "./discord.ts";
import type { FakeServer } from "./fakeHttp.ts";

export const BOT_USER = { id: "1100000000000000009", username: "crm", discriminator: "0", global_name: null, avatar: null, bot: true };

export interface GatewayFrame {
  op: number;
  d?: any;
  s?: number | null;
  t?: string | null;
}

export interface FakeGateway {
  url: string;
  /** every frame the client sent */
  received: GatewayFrame[];
  /** query strings the client connected with */
  connections: URLSearchParams[];
  /** resolves with IDENTIFY's d once READY has been sent */
  identified: Promise<any>;
  dispatch(t: string, d: unknown): void;
  waitFor(op: number, count?: number, timeoutMs?: number): Promise<GatewayFrame[]>;
  close(): Promise<void>;
}

export async function startFakeGateway(rest: FakeServer, opts: { heartbeatMs?: number } = {}): Promise<FakeGateway> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  const received: GatewayFrame[] = [];
  const connections: URLSearchParams[] = [];
  const sockets = new Set<WebSocket>();
  let seq = 0;
  let identify!: (d: any) => void;
  const identified = new Promise<any>((r) => {
    identify = r;
  });
  const send = (ws: WebSocket, frame: GatewayFrame) => ws.send(JSON.stringify(frame));

  wss.on("connection", (ws, req) => {
    const query = new URL(req.url ?? "/", url).searchParams;
    connections.push(query);
    // 4012 invalid API version, 4000 unknown: what Discord does with what it does not speak
    if (query.get("v") !== "10") {
      ws.close(4012, "Invalid API version");
      return;
    }
    if (query.get("encoding") !== "json" || query.has("compress")) {
      ws.close(4000, "this fake speaks uncompressed JSON only");
      return;
    }
    sockets.add(ws);
    ws.on("close", () => sockets.delete(ws));
    send(ws, { op: 10, d: { heartbeat_interval: opts.heartbeatMs ?? 1000 }, s: null, t: null });
    ws.on("message", (raw) => {
      const frame = JSON.parse(String(raw)) as GatewayFrame;
      received.push(frame);
      if (frame.op === 1) send(ws, { op: 11 });
      if (frame.op === 2) {
        if (frame.d?.token !== DISCORD_TOKEN) {
          ws.close(4004, "Authentication failed");
          return;
        }
        send(ws, {
          op: 0,
          t: "READY",
          s: ++seq,
          d: {
            v: 10,
            user: BOT_USER,
            guilds: [],
            session_id: "fake-session",
            resume_gateway_url: url,
            shard: [0, 1],
            application: { id: DISCORD_APP_ID, flags: 0 },
          },
        });
        identify(frame.d);
      }
    });
  });

  rest.on("GET", "/api/v10/gateway/bot", () => ({
    body: { url, shards: 1, session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 } },
  }));

  return {
    url,
    received,
    connections,
    identified,
    dispatch(t, d) {
      seq += 1;
      for (const ws of sockets) send(ws, { op: 0, t, s: seq, d });
    },
    async waitFor(op, count = 1, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        const found = received.filter((f) => f.op === op);
        if (found.length >= count) return found;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`fake gateway: expected ${count} op ${op} frame(s), saw ${received.filter((f) => f.op === op).length}`);
    },
    close: () =>
      new Promise<void>((r) => {
        for (const ws of sockets) ws.terminate();
        wss.close(() => r());
      }),
  };
}

/** Where the bot answers an interaction (the fake REST API records it). */
export const callbackPath = (body: { id: string; token: string }) => `/api/v10/interactions/${body.id}/${body.token}/callback`;

/** Sends an interaction over the gateway (INTERACTION_CREATE) and returns the bot's first answer to it. */
export async function interactOverGateway(gw: FakeGateway, rest: FakeServer, body: { id: string; token: string }): Promise<any> {
  gw.dispatch("INTERACTION_CREATE", body);
  const [cb] = await rest.waitFor(callbackPath(body), 1, 8000);
  return cb.body;
}

/** Who writes a MESSAGE_CREATE: the author object Discord sends (username, display name), and their server roles. */
export interface GatewayAuthor {
  id: string;
  name?: string;
  username?: string;
  bot?: boolean;
  roles?: string[];
}

/** A MESSAGE_CREATE as Discord sends it over the gateway: in a channel, or in a thread (a channel of its own). */
export function messageCreate(
  gw: FakeGateway,
  m: { id: string; guildId: string; channelId: string; author: GatewayAuthor; content: string },
): string {
  const { id: authorId, name, username, bot, roles } = m.author;
  gw.dispatch("MESSAGE_CREATE", {
    id: m.id,
    channel_id: m.channelId,
    guild_id: m.guildId,
    type: 0,
    content: m.content,
    timestamp: new Date().toISOString(),
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    author: {
      id: authorId,
      username: username ?? name?.toLowerCase() ?? "x",
      ...(name ? { global_name: name } : {}),
      discriminator: "0",
      ...(bot ? { bot } : {}),
    },
    member: { roles: roles ?? [], nick: null },
  });
  return m.id;
}
