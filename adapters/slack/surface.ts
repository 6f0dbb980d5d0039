// Slack as the command runner sees it (src/commands/runner.ts), in a server or in a worker: who the
// person is (identity.ts, users.info for someone new), and how an answer reaches them through the
// payload's response_url, which any process may post to (valid 30 minutes, up to 5 posts) and which is
// followed only when it is Slack's (responseUrl.ts).
import { createHash } from "node:crypto";
import type { Invocation, RunResult, SurfacePort } from "../../src/commands/invocation.ts";
import { renderSlack } from "./render.ts";
import { postJson } from "./postJson.ts";
import { NOT_SENT, hostOf, isAllowedResponseUrl } from "./responseUrl.ts";
import { slackActor, slackTeamId, slackUser } from "./identity.ts";
import type { SlackDeps } from "./deps.ts";

/** How the answer is posted: a new private answer (a typed command), an update of the card a button
 *  sits on (a click), or a card for everyone that replaces the private one ("Share in channel"). */
export type SlackAnswerMode = "command" | "button" | "share";
export interface SlackAnswerTo {
  responseUrl: string;
  as: SlackAnswerMode;
}

/** The identity part of any Slack payload, as plain JSON (no tokens). */
export function slackIdentity(body: Record<string, unknown>): Record<string, unknown> {
  const b = body as Record<string, any>;
  const user = slackUser(b);
  return {
    team_id: slackTeamId(b),
    team_domain: b.team?.domain ?? b.team_domain,
    user_id: user.id,
    user_name: user.name,
  };
}

/** Unique per request: response_url and trigger_id are never reused by Slack. */
export function slackInvocationId(responseUrl: string, triggerId?: string): string {
  return createHash("sha256")
    .update(`${responseUrl}\n${triggerId ?? ""}`)
    .digest("base64url")
    .slice(0, 24);
}

/** A command whose answer goes to the payload's response_url, from whichever process runs it. */
export function slackInvocation(body: Record<string, unknown>, text: string, as: SlackAnswerMode, channelId?: string): Invocation {
  const responseUrl = String(body.response_url ?? "");
  return {
    surface: "slack",
    id: slackInvocationId(responseUrl, (body.trigger_id as string | undefined) ?? String(body.action_ts ?? "")),
    identity: slackIdentity(body),
    command: { text },
    channelId,
    answerTo: { responseUrl, as },
  };
}

export function slackSurface(deps: Pick<SlackDeps, "config" | "services" | "logger">): SurfacePort {
  const { config, services, logger } = deps;
  return {
    identify: (identity) => slackActor(services, identity),
    async deliver(inv: Invocation, result: RunResult) {
      const to = inv.answerTo as unknown as SlackAnswerTo;
      for (const message of messagesFor(to.as, result)) await post(to.responseUrl, message);
    },
  };

  async function post(url: string, message: Record<string, unknown>): Promise<void> {
    // an invocation read back from Redis says where its answer goes: only to Slack (responseUrl.ts)
    if (!isAllowedResponseUrl(url, config)) {
      logger.warn({ host: hostOf(url) }, NOT_SENT);
      return;
    }
    // a few quick tries: the command has run, so only the answer is retried (never the command)
    for (let attempt = 1; ; attempt++) {
      try {
        const status = await postJson(url, message);
        if ((status >= 200 && status < 300) || (status >= 400 && status < 500 && status !== 429)) {
          if (status >= 400) logger.warn({ status }, "response_url refused the answer");
          return;
        }
        throw new Error(`response_url answered ${status}`);
      } catch (e) {
        if (attempt >= 3) {
          logger.warn({ err: (e as Error).message }, "could not post the answer to response_url");
          return;
        }
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  }
}

/** What to post to response_url for each way a command came in. */
function messagesFor(as: SlackAnswerMode, { reply, share }: RunResult): Record<string, unknown>[] {
  if (as === "share") {
    if (reply.kind !== "ok") return [{ response_type: "ephemeral", replace_original: false, ...renderSlack(reply) }];
    return [
      { response_type: "in_channel", replace_original: false, ...renderSlack({ ...reply, ephemeral: false }) },
      { delete_original: true },
    ];
  }
  if (as === "button") {
    // a click that worked updates the card it sits on; one that failed says why to the clicker alone
    if (reply.kind === "ok") return [{ replace_original: true, ...renderSlack(reply, { shareCommand: share }) }];
    return [{ response_type: "ephemeral", replace_original: false, ...renderSlack(reply) }];
  }
  return [{ response_type: "ephemeral", ...renderSlack(reply, { shareCommand: share }) }];
}
