import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/env.ts";

const fail = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected loadConfig to fail");
};

describe("configuration", () => {
  it("defaults match DESIGN.md", () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.HOST).toBe("127.0.0.1");
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.DATA_DIR).toBe("./data");
    expect(c.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(c.QUEUE_PREFIX).toBe("crm");
    expect(c.slackEnabled).toBe(false);
    expect(c.discordEnabled).toBe(false);
    expect(c.consoleEnabled).toBe(true);
  });

  it("tuning variables default to the values the workers used before they were read here", () => {
    const c = loadConfig({});
    expect([c.DATABASE_POOL_SIZE, c.IDENTITY_TTL_MS, c.SLACK_COMMAND_CONCURRENCY, c.SMTP_MAX_CONNECTIONS, c.SMTP_PIPELINE_DEPTH]).toEqual([
      10, 5000, 16, 16, 4,
    ]);
    expect([c.JOBS_LOCK_MS, c.JOBS_STALLED_MS, c.REPORT_SYNC_MS, c.PREDICT_DEBOUNCE_MS]).toEqual([30_000, 30_000, 60_000, 2000]);
    expect([
      c.CAMPAIGN_EMAIL_PER_SECOND,
      c.CAMPAIGN_EMAIL_WAVE,
      c.CAMPAIGN_WATCHDOG_MS,
      c.CAMPAIGN_STALE_MS,
      c.CAMPAIGN_PROGRESS_MS,
    ]).toEqual([100, 16, 10_000, 120_000, 3000]);
    expect(loadConfig({ JOBS_LOCK_MS: "1500", CAMPAIGN_EMAIL_PER_SECOND: "0.5", PREDICT_DEBOUNCE_MS: "0" })).toMatchObject({
      JOBS_LOCK_MS: 1500,
      CAMPAIGN_EMAIL_PER_SECOND: 0.5,
      PREDICT_DEBOUNCE_MS: 0,
    });
  });

  it("a bad tuning value stops start-up instead of becoming NaN or a silent default", () => {
    expect(fail({ JOBS_LOCK_MS: "30s" })).toMatch(/^Invalid JOBS_LOCK_MS: expected a whole number of at least 1 \(got "30s"\)$/);
    expect(fail({ SLACK_COMMAND_CONCURRENCY: "0" })).toMatch(/^Invalid SLACK_COMMAND_CONCURRENCY: expected a whole number/);
    expect(fail({ CAMPAIGN_EMAIL_WAVE: "2.5" })).toMatch(/^Invalid CAMPAIGN_EMAIL_WAVE: expected a whole number/);
    expect(fail({ CAMPAIGN_EMAIL_PER_SECOND: "-1" })).toMatch(
      /^Invalid CAMPAIGN_EMAIL_PER_SECOND: expected a number of messages a second above 0/,
    );
  });

  it("names the variable and the expected form in one line", () => {
    const port = fail({ PORT: "abc" });
    expect(port).toMatch(/^Invalid PORT: expected a port number/);
    expect(port).not.toContain("\n");
    expect(fail({ DATABASE_URL: "not a url" })).toMatch(/^Invalid DATABASE_URL: expected a URL like postgresql:/);
    expect(fail({ DATABASE_URL: "mysql://x@y/z" })).toMatch(/^Invalid DATABASE_URL: expected a postgresql:\/\/ URL/);
    expect(fail({ REDIS_URL: "http://x" })).toMatch(/^Invalid REDIS_URL/);
    expect(fail({ DISCORD_PUBLIC_KEY: "xyz" })).toMatch(/^Invalid DISCORD_PUBLIC_KEY: expected 64 hex/);
  });

  it("asks for DISCORD_PUBLIC_KEY with the application id over HTTP, not over the gateway (nothing arrives by HTTP there)", () => {
    const app = { DISCORD_APPLICATION_ID: "123456789012345678", DISCORD_BOT_TOKEN: "bot-token" };
    expect(fail(app)).toMatch(/^Invalid DISCORD_PUBLIC_KEY: required with DISCORD_APPLICATION_ID .* unless DISCORD_GATEWAY=on/);
    const gateway = loadConfig({ ...app, DISCORD_GATEWAY: "on" });
    expect(gateway.discordEnabled).toBe(false); // no HTTP interactions route
    expect(gateway.DISCORD_GATEWAY).toBe("on");
  });

  it("never echoes a secret value in the error", () => {
    const msg = fail({ SLACK_BOT_TOKEN: "not-a-token-supersecret" });
    expect(msg).toMatch(/^Invalid SLACK_BOT_TOKEN/);
    expect(msg).not.toContain("supersecret");
    const enc = fail({ ENCRYPTION_KEY: "short-secret" });
    expect(enc).not.toContain("short-secret");
  });

  it("requires an encryption key once OAuth is on", () => {
    expect(fail({ SLACK_CLIENT_ID: "1.2", SLACK_CLIENT_SECRET: "s", SLACK_SIGNING_SECRET: "x", SLACK_STATE_SECRET: "y" })).toMatch(
      /^Invalid ENCRYPTION_KEY/,
    );
  });

  it("turns the console off on a public host unless ADMIN_TOKEN is set", () => {
    expect(loadConfig({ HOST: "0.0.0.0" }).consoleEnabled).toBe(false);
    expect(loadConfig({ HOST: "0.0.0.0", ADMIN_TOKEN: "a".repeat(20) }).consoleEnabled).toBe(true);
  });
});
