// Signature matrix for Slack and Discord, and replays: a signed request that is sent again inside the
// 5-minute window gets 401 and is not acted on (Redis SET NX EX 300 keyed on the signature's decoded bytes,
// adapters/http/replayGuard.ts, so the same Discord signature in capitals is a replay too); Discord's
// interaction id is also claimed once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { SLACK_SECRET, buttonClick, sendSigned, slackEnv, slash, slashBody, startFakeSlack } from "./helpers/slack.ts";
import { signSlack } from "../adapters/slack/verify.ts";
import {
  commandBody,
  discordEnv,
  sendInteraction,
  signDiscord,
  startFakeDiscord,
  str,
  wrongKey,
  type FakeDiscord,
} from "./helpers/discord.ts";

let t: TestApp;
let slack: FakeServer;
let discord: FakeDiscord;
beforeAll(async () => {
  slack = await startFakeSlack();
  discord = await startFakeDiscord();
  t = await startTestApp({ ...slackEnv(slack), ...discordEnv(discord) });
});
afterAll(async () => {
  await t?.stop();
  await slack?.close();
  await discord?.close();
});

const now = () => Math.floor(Date.now() / 1000);
const contacts = (name: string) => t.app.db.prisma.contact.count({ where: { name } });
const FORM = "application/x-www-form-urlencoded";
/** waits until n contacts have the name (answers may come late, through response_url), then a little longer */
async function settle(name: string, n: number) {
  const end = Date.now() + 15_000;
  while ((await contacts(name)) < n && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 700));
}

describe("Slack signatures", () => {
  it("missing, wrong, stale, future, malformed and tampered requests get 401 and write nothing", async () => {
    const body = slashBody("contact add Mallory Matrix", slack);
    const cases: [string, Promise<Response>][] = [
      ["no signature", sendSigned(t.url, body, FORM, { signature: null })],
      ["wrong secret", sendSigned(t.url, body, FORM, { secret: "not-the-secret" })],
      ["stale (5.5 min)", sendSigned(t.url, body, FORM, { ts: now() - 330 })],
      ["future (5.5 min)", sendSigned(t.url, body, FORM, { ts: now() + 330 })],
      ["tampered body", sendSigned(t.url, body, FORM, { tamper: (raw) => raw.replace("Mallory", "Mallorx") })],
      ["v1 scheme", sendSigned(t.url, body, FORM, { signature: signSlack(SLACK_SECRET, now(), body).replace("v0=", "v1=") })],
      [
        "malformed timestamp",
        fetch(`${t.url}/slack/events`, {
          method: "POST",
          headers: {
            "content-type": FORM,
            "x-slack-request-timestamp": "12abc",
            "x-slack-signature": signSlack(SLACK_SECRET, "12abc", body),
          },
          body,
        }),
      ],
    ];
    for (const [what, p] of cases) expect((await p).status, what).toBe(401);
    expect(await contacts("Mallory Matrix")).toBe(0);
    // inside the window (4 min old) it is accepted
    expect((await sendSigned(t.url, body, FORM, { ts: now() - 240 })).status).toBe(200);
  });

  it("a signed body that is not a Slack request object gets 400, not 500", async () => {
    for (const raw of ["null", "[]", '"x"', "42", "{"]) expect((await sendSigned(t.url, raw, "application/json")).status, raw).toBe(400);
    expect((await sendSigned(t.url, "payload=null", FORM)).status).toBe(400);
  });

  it("a replayed slash command (same signed bytes, inside 5 minutes) gets 401 and runs once", async () => {
    const body = slashBody("contact add Replay Once", slack);
    const ts = now();
    const first = await sendSigned(t.url, body, FORM, { ts });
    expect(first.status).toBe(200);
    await first.text();
    const again = await sendSigned(t.url, body, FORM, { ts });
    expect(again.status).toBe(401);
    await settle("Replay Once", 1);
    expect(await contacts("Replay Once")).toBe(1);
    // Slack's signature is lower-case hex compared as text: the same signature in capitals is no signature
    expect(
      (await sendSigned(t.url, body, FORM, { ts, signature: signSlack(SLACK_SECRET, ts, body).toUpperCase().replace("V0=", "v0=") }))
        .status,
    ).toBe(401);
    // the same command sent again by Slack is a new request (new timestamp, new signature): it runs
    expect((await sendSigned(t.url, slashBody("contact add Replay Once", slack), FORM, { ts: ts + 1 })).status).toBe(200);
    await settle("Replay Once", 2);
    expect(await contacts("Replay Once")).toBe(2);
  });
});

describe("Slack interactive replays", () => {
  it("the same signed button click sent twice is refused the second time and acts once", async () => {
    const created = await (await slash(t.url, 'deal new "Replay Deal" 1k', slack)).json();
    const move = (created.blocks ?? [])
      .filter((b: any) => b.type === "actions")
      .flatMap((b: any) => b.elements)
      .find((e: any) => e.text?.text === "Move to qualified");
    const click = buttonClick(slack, move);
    const raw = "payload=" + encodeURIComponent(JSON.stringify(click));
    const ts = now();
    expect((await sendSigned(t.url, raw, FORM, { ts })).status).toBe(200);
    expect((await sendSigned(t.url, raw, FORM, { ts })).status).toBe(401);
    await slack.waitFor(new URL(click.response_url).pathname);
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.calls(new URL(click.response_url).pathname)).toHaveLength(1);
  });
});

describe("Discord signatures", () => {
  it("missing, wrong-key, stale, future and tampered requests get 401 and write nothing", async () => {
    const body = commandBody(["contact", "add"], [str("name", "Mallory Discord")]);
    const raw = JSON.stringify(body);
    const cases: [string, Promise<Response>][] = [
      ["no signature", sendInteraction(t.url, body, { signature: null })],
      ["wrong key", sendInteraction(t.url, body, { key: wrongKey })],
      ["stale", sendInteraction(t.url, body, { ts: now() - 330 })],
      ["future", sendInteraction(t.url, body, { ts: now() + 330 })],
      ["tampered", sendInteraction(t.url, body, { tamper: (r) => r.replace("Mallory", "Mallorx") })],
      ["signature of another timestamp", sendInteraction(t.url, body, { signature: signDiscord(String(now() - 1), raw) })],
      ["not hex", sendInteraction(t.url, body, { signature: "zz".repeat(64) })],
    ];
    for (const [what, p] of cases) expect((await p).status, what).toBe(401);
    expect(await contacts("Mallory Discord")).toBe(0);
  });

  it("a replayed interaction (same signed bytes) gets 401 and is acted on once", async () => {
    const body = commandBody(["contact", "add"], [str("name", "Discord Replay")]);
    const ts = now();
    expect((await sendInteraction(t.url, body, { ts })).status).toBe(200);
    expect((await sendInteraction(t.url, body, { ts })).status).toBe(401);
    await settle("Discord Replay", 1);
    expect(await contacts("Discord Replay")).toBe(1);
  });

  it("a replay with the signature's hex in capitals (it still verifies) gets 401 and is acted on once", async () => {
    const body = commandBody(["contact", "add"], [str("name", "Discord Capitals")]);
    const ts = now();
    const sig = signDiscord(String(ts), JSON.stringify(body));
    expect((await sendInteraction(t.url, body, { ts, signature: sig })).status).toBe(200);
    expect((await sendInteraction(t.url, body, { ts, signature: sig.toUpperCase() })).status).toBe(401);
    await settle("Discord Capitals", 1);
    expect(await contacts("Discord Capitals")).toBe(1);
  });

  it("capitals first, lower case as the replay: also refused (the replay key is the signature's bytes)", async () => {
    const body = commandBody(["contact", "add"], [str("name", "Discord Capitals First")]);
    const ts = now();
    const sig = signDiscord(String(ts), JSON.stringify(body));
    expect((await sendInteraction(t.url, body, { ts, signature: sig.toUpperCase() })).status).toBe(200);
    expect((await sendInteraction(t.url, body, { ts, signature: sig })).status).toBe(401);
    await settle("Discord Capitals First", 1);
    expect(await contacts("Discord Capitals First")).toBe(1);
  });
});
