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

  it("names the variable and the expected form in one line", () => {
    const port = fail({ PORT: "abc" });
    expect(port).toMatch(/^Invalid PORT: expected a port number/);
    expect(port).not.toContain("\n");
    expect(fail({ DATABASE_URL: "not a url" })).toMatch(/^Invalid DATABASE_URL: expected a URL like postgresql:/);
    expect(fail({ DATABASE_URL: "mysql://x@y/z" })).toMatch(/^Invalid DATABASE_URL: expected a postgresql:\/\/ URL/);
    expect(fail({ REDIS_URL: "http://x" })).toMatch(/^Invalid REDIS_URL/);
    expect(fail({ DISCORD_PUBLIC_KEY: "xyz" })).toMatch(/^Invalid DISCORD_PUBLIC_KEY: expected 64 hex/);
  });

  it("never echoes a secret value in the error", () => {
    const msg = fail({ SLACK_BOT_TOKEN: "not-a-token-supersecret" });
    expect(msg).toMatch(/^Invalid SLACK_BOT_TOKEN/);
    expect(msg).not.toContain("supersecret");
    const enc = fail({ ENCRYPTION_KEY: "short-secret" });
    expect(enc).not.toContain("short-secret");
  });

  it("requires an encryption key once OAuth is on", () => {
    expect(fail({ SLACK_CLIENT_ID: "1.2", SLACK_CLIENT_SECRET: "s", SLACK_SIGNING_SECRET: "x", SLACK_STATE_SECRET: "y" }))
      .toMatch(/^Invalid ENCRYPTION_KEY/);
  });

  it("turns the console off on a public host unless ADMIN_TOKEN is set", () => {
    expect(loadConfig({ HOST: "0.0.0.0" }).consoleEnabled).toBe(false);
    expect(loadConfig({ HOST: "0.0.0.0", ADMIN_TOKEN: "a".repeat(20) }).consoleEnabled).toBe(true);
  });
});
