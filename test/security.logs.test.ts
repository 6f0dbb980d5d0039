// Logs never carry secrets: the app runs at `debug` with every secret set, its pino output captured
// line by line, while Slack (OAuth install, signed and forged commands), Discord, the console, the admin
// routes and an email campaign (SMTP with a password) are driven; no secret may appear in any line.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { SMTPServer } from "smtp-server";
import { loadConfig } from "../src/config/env.ts";
import { startApp, type App } from "../src/app.ts";
import { createLogger } from "../src/log.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { deleteKeys, testPrefix } from "./helpers/redis.ts";
import { consoleSession } from "./helpers/console.ts";
import { SLACK_SECRET, sendSigned, slash, slashBody, startFakeSlack } from "./helpers/slack.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { commandBody, discordEnv, DISCORD_TOKEN, sendInteraction, str, startFakeDiscord, wrongKey } from "./helpers/discord.ts";

const SECRETS = {
  SLACK_CLIENT_SECRET: "client-secret-LOGTEST-4242",
  SLACK_STATE_SECRET: "state-secret-LOGTEST-4242",
  ENCRYPTION_KEY: "enc-key-LOGTEST-0123456789abcdef0123456789",
  ADMIN_TOKEN: "admin-token-LOGTEST-0123456789",
  SMTP_PASSWORD: "smtp-pass-LOGTEST-9876",
};
const INSTALLED_BOT_TOKEN = "xoxb-installed-LOGTEST-5555";
const USER_TOKEN = "xoxp-user-LOGTEST-6666";

let db: TestDb;
let app: App;
let prefix: string;
let slackFake: FakeServer;
let discordFake: FakeServer & { close(): Promise<void> };
let smtp: SMTPServer;
let smtpPort: number;
let smtpAuth: string[] = [];
const lines: string[] = [];

beforeAll(async () => {
  slackFake = await startFakeSlack();
  slackFake.on("POST", "/api/oauth.v2.access", () => ({
    body: {
      ok: true,
      access_token: INSTALLED_BOT_TOKEN,
      token_type: "bot",
      scope: "commands,chat:write",
      bot_user_id: "UBOT",
      app_id: "A1",
      team: { id: "TLOG", name: "Log Team" },
      enterprise: null,
      is_enterprise_install: false,
      authed_user: { id: "ULOG", access_token: USER_TOKEN },
    },
  }));
  discordFake = await startFakeDiscord();
  smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _s, cb) {
      smtpAuth.push(auth.password ?? "");
      cb(null, { user: auth.username });
    },
    onData(stream, _s, cb) {
      stream.resume();
      stream.on("end", () => cb());
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
  smtpPort = (smtp.server.address() as { port: number }).port;

  db = await createTestDb();
  prefix = testPrefix();
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: db.url,
    REDIS_URL: inject("redisUrl"),
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: "debug",
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    SLACK_CLIENT_ID: "111.222",
    SLACK_CLIENT_SECRET: SECRETS.SLACK_CLIENT_SECRET,
    SLACK_STATE_SECRET: SECRETS.SLACK_STATE_SECRET,
    ENCRYPTION_KEY: SECRETS.ENCRYPTION_KEY,
    SLACK_API_URL: `${slackFake.url}/api/`,
    PUBLIC_URL: "https://crm.example.com",
    ADMIN_TOKEN: SECRETS.ADMIN_TOKEN,
    SMTP_URL: `smtp://crm-user:${SECRETS.SMTP_PASSWORD}@127.0.0.1:${smtpPort}`,
    MAIL_FROM: "CRM <crm@example.test>",
    ...discordEnv(discordFake),
  });
  const logger = createLogger("debug", {
    write: (s: string) => {
      lines.push(s);
    },
  });
  logger.debug({ config }, "config (as some future code might log it)");
  app = await startApp(config, { logger });
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
  await deleteKeys(prefix);
  await slackFake?.close();
  await discordFake?.close();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
});

describe("log redaction", () => {
  it("no token, signing secret, client secret, key or SMTP password appears in any log line", async () => {
    const url = app.url!;
    // Slack OAuth install: client secret goes out, tokens come back and are stored
    const begin = await fetch(`${url}/slack/install`, { redirect: "manual" });
    const state = new URL(begin.headers.get("location")!).searchParams.get("state")!;
    const cookie = begin.headers.get("set-cookie")!.split(";")[0];
    expect((await fetch(`${url}/slack/oauth_redirect?code=c&state=${encodeURIComponent(state)}`, { headers: { cookie } })).status).toBe(
      200,
    );
    expect(
      (await fetch(`${url}/slack/oauth_redirect?code=c&state=forged.x`, { headers: { cookie: "crm_slack_state=forged.x" } })).status,
    ).toBe(400);
    // Slack commands in the installed team, one forged
    expect((await slash(url, "contact add Ana Log email:ana@log.test", slackFake, { team: "TLOG", user: "ULOG" })).status).toBe(200);
    expect((await slash(url, "pipeline", slackFake, { team: "TLOG", user: "ULOG" })).status).toBe(200);
    expect(
      (await sendSigned(url, slashBody("pipeline", slackFake, { team: "TLOG" }), "application/x-www-form-urlencoded", { secret: "wrong" }))
        .status,
    ).toBe(401);
    // Discord: a signed command and a forged one
    expect((await sendInteraction(url, commandBody(["contact", "add"], [str("name", "Bo Log")]))).status).toBe(200);
    expect((await sendInteraction(url, commandBody(["pipeline"]), { key: wrongKey })).status).toBe(401);
    // admin and console: wrong and right tokens
    expect((await fetch(`${url}/admin/queues`, { headers: { authorization: "Bearer wrong-token-0000000000" } })).status).toBe(401);
    expect((await fetch(`${url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${SECRETS.ADMIN_TOKEN}` } })).status).toBe(
      200,
    );
    expect((await fetch(`${url}/console?token=${SECRETS.ADMIN_TOKEN}`, { redirect: "manual" })).status).toBeLessThan(400);
    // an email campaign through SMTP with a password
    const c = await consoleSession(url, "Log Co", "Lou Admin", { authorization: `Bearer ${SECRETS.ADMIN_TOKEN}` });
    await c.run("contact add Cy Mail email:cy@mail.test tags:vip");
    expect((await c.run('campaign new "Hello" segment:"tag:vip" channel:email subject:"Hi" message:"Hello {{first_name}}"')).kind).toBe(
      "ok",
    );
    expect((await c.run("campaign send K-1")).kind).not.toBe("error");
    const end = Date.now() + 20_000;
    while (!smtpAuth.length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(smtpAuth).toContain(SECRETS.SMTP_PASSWORD); // the password really was used…
    await new Promise((r) => setTimeout(r, 500));

    // …and never logged
    if (process.env.SHOW_LOGS) console.log(lines.join(""));
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.some((l) => l.includes('"level":20'))).toBe(true); // debug lines were captured
    const all = lines.join("");
    for (const [name, value] of Object.entries({
      ...SECRETS,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      INSTALLED_BOT_TOKEN,
      USER_TOKEN,
      DISCORD_TOKEN,
    })) {
      expect(all.includes(value), `${name} appears in the logs`).toBe(false);
    }
  }, 60_000);
});
