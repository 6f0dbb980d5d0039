// Socket Mode: the same /crm served over Slack's WebSocket (fake server), no public URL needed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import type { AddressInfo } from "node:net";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { SLACK_TOKEN, slashBody, startFakeSlack } from "./helpers/slack.ts";

let t: TestApp;
let fake: FakeServer;
let wss: WebSocketServer;
let socket: Promise<WebSocket>;
beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  socket = new Promise((resolve) =>
    wss.on("connection", (ws) => {
      ws.send(
        JSON.stringify({
          type: "hello",
          num_connections: 1,
          connection_info: { app_id: "A111" },
          debug_info: { host: "fake", approximate_connection_time: 3600 },
        }),
      );
      resolve(ws);
    }),
  );
  fake = await startFakeSlack();
  const wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
  fake.on("POST", "/api/apps.connections.open", () => ({ body: { ok: true, url: wsUrl } }));
  t = await startTestApp({ SLACK_APP_TOKEN: "xapp-1-A111-test", SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_API_URL: `${fake.url}/api/` });
});
afterAll(async () => {
  await t.stop();
  await fake.close();
  wss.close();
});

describe("Socket Mode", () => {
  it("connects with the app token, acks the envelope and answers /crm through response_url", async () => {
    const ws = await socket;
    const [open] = fake.calls("/api/apps.connections.open");
    expect(open.headers.authorization).toBe("Bearer xapp-1-A111-test");
    const payload = Object.fromEntries(new URLSearchParams(slashBody("contact add Sam Socket email:sam@x.io", fake)));
    const ack = new Promise<any>((resolve) =>
      ws.on("message", (m) => {
        const msg = JSON.parse(String(m));
        if (msg.envelope_id === "env-1") resolve(msg);
      }),
    );
    ws.send(JSON.stringify({ envelope_id: "env-1", type: "slash_commands", payload, accepts_response_payload: true }));
    await ack;
    const [answer] = await fake.waitFor(new URL(payload.response_url).pathname);
    expect((answer.body as any).response_type).toBe("ephemeral");
    expect(JSON.stringify((answer.body as any).blocks)).toContain("C-1");
    expect(await t.app.db.prisma.contact.count({ where: { email: "sam@x.io" } })).toBe(1);
  });

  it("there is no HTTP endpoint to attack in Socket Mode", async () => {
    const res = await fetch(`${t.url}/slack/events`, { method: "POST", body: "x" });
    expect(res.status).toBe(404);
  });
});
