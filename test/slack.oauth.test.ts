// Installing in many workspaces through OAuth v2 against a fake Slack; tokens stored encrypted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { SLACK_SECRET, eventCallback, fixture, slash, startFakeSlack } from "./helpers/slack.ts";

const BOT_TOKEN = "xoxb-installed-token-7777";
let t: TestApp;
let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeSlack();
  fake.on("POST", "/api/oauth.v2.access", (req) => {
    const code = (req.body as Record<string, string>).code;
    if (code !== "good-code") return { body: { ok: false, error: "invalid_code" } };
    return {
      body: {
        ok: true,
        access_token: BOT_TOKEN,
        token_type: "bot",
        scope: "commands,chat:write",
        bot_user_id: "UBOT",
        app_id: "A1",
        team: { id: "TOAUTH", name: "OAuth Team" },
        enterprise: null,
        is_enterprise_install: false,
        authed_user: { id: "UINSTALLER" },
      },
    };
  });
  t = await startTestApp({
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    SLACK_CLIENT_ID: "111.222",
    SLACK_CLIENT_SECRET: "client-secret-value",
    SLACK_STATE_SECRET: "state-secret-value",
    ENCRYPTION_KEY: "k".repeat(40),
    SLACK_API_URL: `${fake.url}/api/`,
    PUBLIC_URL: "https://crm.example.com",
  });
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

async function begin(): Promise<{ state: string; cookie: string }> {
  const res = await fetch(`${t.url}/slack/install`, { redirect: "manual" });
  expect(res.status).toBe(302);
  const loc = new URL(res.headers.get("location")!);
  expect(loc.origin + loc.pathname).toBe("https://slack.com/oauth/v2/authorize");
  expect(loc.searchParams.get("client_id")).toBe("111.222");
  expect(loc.searchParams.get("scope")).toContain("commands");
  expect(loc.searchParams.get("redirect_uri")).toBe("https://crm.example.com/slack/oauth_redirect");
  return { state: loc.searchParams.get("state")!, cookie: res.headers.get("set-cookie")!.split(";")[0] };
}
const finish = (state: string, cookie: string, code = "good-code") =>
  fetch(`${t.url}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`, { headers: { cookie } });

describe("Slack OAuth install", () => {
  it("a forged or cookie-less state is refused and stores nothing", async () => {
    const { state } = await begin();
    expect((await finish(state, "crm_slack_state=other")).status).toBe(400);
    expect((await finish("forged.state", "crm_slack_state=forged.state")).status).toBe(400);
    expect(await t.app.db.prisma.installation.count()).toBe(0);
  });

  it("installs once per state, stores the token encrypted, and uses it for that team", async () => {
    const { state, cookie } = await begin();
    const ok = await finish(state, cookie);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("installed in OAuth Team");
    // the same state cannot be used twice
    expect((await finish(state, cookie)).status).toBe(400);

    // the token is not readable in the database bytes
    const c = new pg.Client({ connectionString: t.testDb.url });
    await c.connect();
    const dump = await c.query(`SELECT row_to_json(i)::text AS j FROM "Installation" i`);
    await c.end();
    expect(dump.rows).toHaveLength(1);
    expect(dump.rows[0].j).not.toContain(BOT_TOKEN);
    expect(dump.rows[0].j).not.toContain("client-secret-value");

    // an event from the installed team is answered with the installed bot token
    const e = fixture("event_callback.app_mention.bolt_python.json");
    e.team_id = "TOAUTH";
    e.event_id = "EvOauth1";
    await eventCallback(t.url, e);
    const [post] = await fake.waitFor("/api/chat.postMessage");
    expect(post.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    // and the workspace exists, named after the team
    const res = await (await slash(t.url, "help", fake, { team: "TOAUTH", user: "UINSTALLER" })).json();
    expect(JSON.stringify(res)).toContain("CRM commands");
  });

  it("the installer (OAuth's authed_user) is the workspace's admin; a colleague joins by the join rule (viewer on Slack)", async () => {
    const member = (user: string) =>
      t.app.db.prisma.member.findFirst({ where: { slackUserId: user, workspace: { links: { some: { externalId: "TOAUTH" } } } } });
    expect((await member("UINSTALLER"))?.role).toBe("admin");
    await slash(t.url, "help", fake, { team: "TOAUTH", user: "UCOLLEAGUE" });
    expect((await member("UCOLLEAGUE"))?.role).toBe("viewer");
  });

  it("a bad code from Slack ends on an error page, not a crash", async () => {
    const { state, cookie } = await begin();
    expect((await finish(state, cookie, "bad-code")).status).toBe(502);
  });

  it("app_uninstalled forgets the tokens; a later event from that team is not answered", async () => {
    const un = {
      token: "x",
      team_id: "TOAUTH",
      api_app_id: "A1",
      type: "event_callback",
      event_id: "EvUninstall",
      event_time: 1,
      event: { type: "app_uninstalled", event_ts: "1.2" },
    };
    await eventCallback(t.url, un);
    await new Promise((r) => setTimeout(r, 300));
    const row = await t.app.db.prisma.installation.findFirstOrThrow();
    expect(row.revokedAt).not.toBeNull();
    expect(row.botTokenEnc).toBeNull();
    const before = fake.calls("/api/chat.postMessage").length;
    const e = fixture("event_callback.app_mention.bolt_python.json");
    e.team_id = "TOAUTH";
    e.event_id = "EvAfterUninstall";
    await eventCallback(t.url, e);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.calls("/api/chat.postMessage").length).toBe(before);
  });

  it("GET /slack/install does not grow OAuthState without bound: aged and used states go when new ones are written", async () => {
    for (let n = 0; n < 10; n++) await begin();
    const { state, cookie } = await begin();
    await finish(state, cookie, "bad-code"); // the state is used up, whatever Slack then says about the code
    expect((await t.app.db.prisma.oAuthState.findUnique({ where: { state } }))?.usedAt).not.toBeNull();
    // ten minutes later: every state written so far has passed its life
    await t.app.db.prisma.oAuthState.updateMany({ where: { usedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const fresh: string[] = [];
    for (let n = 0; n < 9; n++) fresh.push((await begin()).state);
    const rows = await t.app.db.prisma.oAuthState.findMany();
    expect(rows.map((r) => r.state).sort()).toEqual([...fresh].sort());
    expect(rows.every((r) => r.expiresAt > new Date() && r.usedAt === null)).toBe(true);
  });
});
