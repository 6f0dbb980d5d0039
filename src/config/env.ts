// Every environment variable of DESIGN.md, parsed once at start-up by one zod schema.
import { z } from "zod";
import { isLoopbackHost } from "./loopback.ts";

const optionalString = z.string().trim().min(1).optional();
const url = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => URL.canParse(v), { message: `expected ${what}`, abort: true });
const protocolOf = (v: string) => (URL.canParse(v) ? new URL(v).protocol : "");
/** a count or a time in ms: a whole number of at least `min` */
const whole = (fallback: number, min = 1) => {
  const message = `expected a whole number of at least ${min}`;
  return z.coerce.number({ message }).int({ message }).min(min, { message }).default(fallback);
};

const schema = z.object({
  PORT: z.coerce.number({ message: "expected a port number 1-65535" }).int().min(0).max(65535).default(3000),
  HOST: z.string().trim().min(1).default("127.0.0.1"),
  DATABASE_URL: url("a URL like postgresql://user@host:5432/db")
    .refine((v) => /^postgres(ql)?:$/.test(protocolOf(v)), { message: "expected a postgresql:// URL" })
    .optional(),
  DATA_DIR: z.string().trim().min(1).default("./data"),
  REDIS_URL: url("a URL like redis://127.0.0.1:6379")
    .refine((v) => /^rediss?:$/.test(protocolOf(v)), { message: "expected a redis:// or rediss:// URL" })
    .default("redis://127.0.0.1:6379"),
  QUEUE_PREFIX: z.string().trim().min(1).default("crm"),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_BOT_TOKEN: z
    .string()
    .trim()
    .regex(/^xox[bp]-/, "expected a bot token starting with xoxb-")
    .optional(),
  SLACK_CLIENT_ID: optionalString,
  SLACK_CLIENT_SECRET: optionalString,
  SLACK_STATE_SECRET: optionalString,
  SLACK_ADMIN_USERS: z
    .string()
    .trim()
    .transform((v) =>
      v
        .split(",")
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .refine((ids) => ids.every((u) => /^[UW][A-Z0-9]{2,}$/.test(u)), {
      message: "expected Slack user ids like U012ABCDEF, comma-separated",
    })
    .default([]),
  SLACK_APP_TOKEN: z
    .string()
    .trim()
    .regex(/^xapp-/, "expected an app-level token starting with xapp-")
    .optional(),
  SLACK_API_URL: url("a URL like https://slack.com/api/").optional(),
  DISCORD_APPLICATION_ID: z
    .string()
    .trim()
    .regex(/^\d{5,25}$/, "expected a numeric application id")
    .optional(),
  DISCORD_PUBLIC_KEY: z
    .string()
    .trim()
    .regex(/^[0-9a-fA-F]{64}$/, "expected 64 hex characters")
    .optional(),
  DISCORD_BOT_TOKEN: optionalString,
  DISCORD_API_URL: url("a URL like https://discord.com/api").optional(),
  DISCORD_GATEWAY: z.enum(["on", "off"], { message: "expected on or off" }).default("off"),
  SMTP_URL: url("a URL like smtp://user:pass@host:587").optional(),
  INBOUND_SMTP_PORT: z.coerce.number({ message: "expected a port number 0-65535" }).int().min(0).max(65535).optional(),
  INBOUND_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .regex(
      /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/,
      "expected a domain like support.example.com",
    )
    .optional(),
  INBOUND_MAX_BYTES: whole(10 * 1024 * 1024, 1024),
  IMAP_POLL_SECONDS: whole(60, 5),
  MAIL_FROM: optionalString,
  PUBLIC_URL: url("a URL like https://crm.example.com").optional(),
  ENCRYPTION_KEY: z.string().trim().min(32, "expected at least 32 characters (e.g. openssl rand -hex 32)").optional(),
  ADMIN_TOKEN: z.string().trim().min(16, "expected at least 16 characters").optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  CONSOLE: z.enum(["on", "off", "auto"], { message: "expected on, off or auto" }).default("auto"),
  // tuning (docs/configuration.md, docs/OPERATIONS.md): read here once and passed in by src/app.ts, nowhere else
  DATABASE_POOL_SIZE: whole(10),
  IDENTITY_TTL_MS: whole(5000),
  SLACK_COMMAND_CONCURRENCY: whole(16),
  SMTP_MAX_CONNECTIONS: whole(16),
  SMTP_PIPELINE_DEPTH: whole(4),
  JOBS_LOCK_MS: whole(30_000),
  JOBS_STALLED_MS: whole(30_000),
  REPORT_SYNC_MS: whole(60_000),
  PREDICT_DEBOUNCE_MS: whole(2000, 0),
  CAMPAIGN_EMAIL_PER_SECOND: z.coerce
    .number({ message: "expected a number of messages a second above 0" })
    .positive({ message: "expected a number of messages a second above 0" })
    .default(100),
  CAMPAIGN_EMAIL_WAVE: whole(16),
  CAMPAIGN_WATCHDOG_MS: whole(10_000),
  CAMPAIGN_STALE_MS: whole(120_000),
  CAMPAIGN_PROGRESS_MS: whole(3000),
});

export type Config = z.infer<typeof schema> & {
  consoleEnabled: boolean;
  slackEnabled: boolean;
  slackOAuth: boolean;
  /** the domain of the workspaces' mail addresses: INBOUND_DOMAIN, else PUBLIC_URL's host */
  inboundDomain?: string;
  discordEnabled: boolean;
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses env; throws ConfigError whose message is one line naming the variable and what is expected. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // empty strings mean "unset" (a common .env habit)
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? "environment");
    throw new ConfigError(`Invalid ${name}: ${issue.message} (got ${JSON.stringify(redactValue(name, cleaned[name]))})`);
  }
  const c = parsed.data;
  const slackOAuth = Boolean(c.SLACK_CLIENT_ID && c.SLACK_CLIENT_SECRET);
  if (slackOAuth && !c.ENCRYPTION_KEY)
    throw new ConfigError(
      "Invalid ENCRYPTION_KEY: required when SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are set (OAuth stores tokens encrypted)",
    );
  if (slackOAuth && !c.SLACK_STATE_SECRET)
    throw new ConfigError("Invalid SLACK_STATE_SECRET: required when SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are set");
  if ((c.SLACK_BOT_TOKEN || slackOAuth) && !c.SLACK_SIGNING_SECRET && !c.SLACK_APP_TOKEN)
    throw new ConfigError("Invalid SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN or OAuth (or set SLACK_APP_TOKEN for Socket Mode)");
  // the public key verifies interactions over HTTP; over the gateway nothing arrives by HTTP, so it is not needed
  if (c.DISCORD_APPLICATION_ID && !c.DISCORD_PUBLIC_KEY && c.DISCORD_GATEWAY !== "on")
    throw new ConfigError(
      "Invalid DISCORD_PUBLIC_KEY: required with DISCORD_APPLICATION_ID (64 hex characters from the Developer Portal), unless DISCORD_GATEWAY=on",
    );
  // without ADMIN_TOKEN the console is open to this machine only, so it needs a loopback HOST (any spelling)
  const loopbackHost = isLoopbackHost(c.HOST);
  if (c.CONSOLE === "on" && !loopbackHost && !c.ADMIN_TOKEN)
    throw new ConfigError(
      `Invalid CONSOLE: on with HOST=${c.HOST.replace(/[^\x20-\x7e]/g, "?").slice(0, 80)} needs ADMIN_TOKEN (the console acts as every member of every workspace)`,
    );
  const consoleEnabled = c.CONSOLE === "on" || (c.CONSOLE === "auto" && (loopbackHost || Boolean(c.ADMIN_TOKEN)));
  return {
    ...c,
    consoleEnabled,
    slackEnabled: Boolean(c.SLACK_SIGNING_SECRET || c.SLACK_APP_TOKEN),
    slackOAuth,
    discordEnabled: Boolean(c.DISCORD_PUBLIC_KEY && c.DISCORD_APPLICATION_ID),
    inboundDomain: c.INBOUND_DOMAIN ?? (c.PUBLIC_URL ? new URL(c.PUBLIC_URL).hostname.toLowerCase() : undefined),
  };
}

const SECRET_NAMES = /SECRET|TOKEN|KEY|PASSWORD|SMTP_URL|DATABASE_URL|REDIS_URL/;
function redactValue(name: string, value: unknown) {
  if (typeof value !== "string") return value;
  return SECRET_NAMES.test(name) ? `${value.slice(0, 0)}…(${value.length} chars)` : value.slice(0, 80);
}
