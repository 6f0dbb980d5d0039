// One pino logger; secrets are redacted by path wherever they sit in a logged object.
import pino from "pino";

export const REDACT_PATHS = [
  "token",
  "*.token",
  "botToken",
  "*.botToken",
  "bot_token",
  "*.bot_token",
  "access_token",
  "*.access_token",
  "client_secret",
  "*.client_secret",
  "signingSecret",
  "*.signingSecret",
  "password",
  "*.password",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "headers.cookie",
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-slack-signature"]',
  "*.SLACK_BOT_TOKEN",
  "*.SLACK_SIGNING_SECRET",
  "*.SLACK_CLIENT_SECRET",
  "*.SLACK_STATE_SECRET",
  "*.SLACK_APP_TOKEN",
  "*.DISCORD_BOT_TOKEN",
  "*.ENCRYPTION_KEY",
  "*.ADMIN_TOKEN",
  "*.SMTP_URL",
  "*.DATABASE_URL",
  "*.REDIS_URL",
];

/** Strips credentials from URLs before they are logged (redis://:pw@host, postgres://u:pw@host). */
export function safeUrl(u: string | undefined): string | undefined {
  if (!u) return u;
  try {
    const url = new URL(u);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(unparseable url)";
  }
}

export type Logger = pino.Logger;

export function createLogger(level = "info", destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, base: { pid: process.pid } }, destination);
}
