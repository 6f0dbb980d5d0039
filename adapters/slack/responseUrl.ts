// Where an answer may go: a response_url comes in the payload, so whoever holds the signing secret, the
// Socket Mode token or write access to Redis (queued slash commands) chooses it. Only Slack's own
// https://hooks.slack.com/… (default port) is followed, or the host of SLACK_API_URL when that is set
// (a self-hosted or test stand-in for Slack). Anything else is not posted to: the reply is dropped and
// the host alone is logged (the path and query of a response_url are its secret).
import type { Config } from "../../src/config/env.ts";
import type { Logger } from "../../src/log.ts";
import { postJson } from "./postJson.ts";

const SLACK_HOOKS = "hooks.slack.com";

export function isAllowedResponseUrl(url: unknown, config: Pick<Config, "SLACK_API_URL">): url is string {
  if (typeof url !== "string") return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  if (u.protocol === "https:" && u.hostname === SLACK_HOOKS && u.port === "") return true;
  if (!config.SLACK_API_URL) return false;
  const api = new URL(config.SLACK_API_URL);
  return (u.protocol === "https:" || u.protocol === "http:") && u.protocol === api.protocol && u.host === api.host;
}

/** For a log line: the host of a URL, never its path or query. */
export function hostOf(url: unknown): string {
  try {
    return new URL(String(url)).host || "(none)";
  } catch {
    return "(not a URL)";
  }
}

export const NOT_SENT = "response_url is not Slack's: the answer was not sent";

export type Respond = (message: Record<string, unknown>) => Promise<void>;

/** Posts answers to url when it is allowed; otherwise each answer is dropped with a warning. Failures are logged, not thrown. */
export function responder(url: unknown, config: Pick<Config, "SLACK_API_URL">, logger: Logger): Respond {
  if (!isAllowedResponseUrl(url, config)) {
    return async () => {
      logger.warn({ host: hostOf(url) }, NOT_SENT);
    };
  }
  return async (message) => {
    try {
      const status = await postJson(url, message);
      if (status >= 300) logger.warn({ status }, "response_url refused the answer");
    } catch (e) {
      logger.warn({ err: (e as Error).message }, "could not post the answer to response_url");
    }
  };
}
