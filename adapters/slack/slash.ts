// Running a /crm command after its ack, anywhere: a --role=worker process takes it from the
// slack-commands queue (so a --role=server process only verifies, enqueues and acks), or the server
// runs it itself when the queue cannot take it. The answer goes to the command's response_url, which
// Slack shows exactly like an inline answer (valid 30 minutes, up to 5 posts).
import { createHash } from "node:crypto";
import { parseText, runParsed, toErrorReply, type Parsed } from "../../src/commands/engine.ts";
import type { Command } from "../../src/commands/define.ts";
import type { Reply } from "../../src/reply/reply.ts";
import { renderSlack } from "./render.ts";
import { postJson } from "./postJson.ts";
import { NOT_SENT, hostOf, isAllowedResponseUrl } from "./responseUrl.ts";
import { slackActor } from "./identity.ts";
import type { SlackDeps } from "./deps.ts";
import type { SlashJob } from "../../jobs/slashQueue.ts";
import { shareCommandFor } from "./share.ts";

type SlashPayload = {
  team_id?: string;
  enterprise_id?: string;
  team_domain?: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  text?: string;
  response_url: string;
  trigger_id?: string;
};

export function slashJob(c: SlashPayload): SlashJob {
  const id = createHash("sha256")
    .update(`${c.response_url}\n${c.trigger_id ?? ""}`)
    .digest("base64url")
    .slice(0, 24);
  return {
    id,
    teamId: c.team_id,
    enterpriseId: c.enterprise_id,
    teamDomain: c.team_domain,
    userId: c.user_id,
    userName: c.user_name,
    channelId: c.channel_id,
    text: c.text ?? "",
    responseUrl: c.response_url,
  };
}

const ALREADY_RAN =
  "This command was already taken once, and the CRM restarted while answering it. Check the record before running it again.";

/** Runs the command once per invocation (a claim in the database decides) and posts the answer. */
export function slashRunner(deps: Pick<SlackDeps, "config" | "services" | "commands" | "logger">) {
  const { config, services, commands, logger } = deps;
  const onError = (e: unknown, cmd?: Command) =>
    logger.error({ err: (e as Error).message, stack: (e as Error).stack, command: cmd?.path.join(" ") }, "command failed");
  return async function runSlash(job: SlashJob, opts: { retried?: boolean } = {}): Promise<void> {
    let reply: Reply;
    let share: string | undefined;
    let parsed: Parsed | undefined;
    try {
      const actor = await slackActor(services, {
        team_id: job.teamId,
        enterprise_id: job.enterpriseId,
        team_domain: job.teamDomain,
        user_id: job.userId,
        user_name: job.userName,
      });
      parsed = parseText(commands, job.text);
      // a command that writes runs once: a stalled job taken over by another worker, or a job that
      // arrives after the server already ran it itself, finds the claim and does nothing again
      if (!parsed.cmd.readOnly && !(await services.processedEvents.claim(actor.workspaceId, "slack", `slash:${job.id}`))) {
        if (opts.retried) await respond(job, { response_type: "ephemeral", text: ALREADY_RAN });
        return;
      }
      reply = await runParsed(parsed, actor, services, { channelId: job.channelId, onError, publicUrl: config.PUBLIC_URL });
      share = shareCommandFor(parsed, job.text, reply);
    } catch (e) {
      reply = toErrorReply(e, parsed?.cmd, { onError });
    }
    await respond(job, { response_type: "ephemeral", ...renderSlack(reply, { shareCommand: share }) });
  };

  async function respond(job: SlashJob, message: Record<string, unknown>): Promise<void> {
    // a job read back from Redis says where its answer goes: only to Slack (responseUrl.ts)
    if (!isAllowedResponseUrl(job.responseUrl, config)) {
      logger.warn({ host: hostOf(job.responseUrl) }, NOT_SENT);
      return;
    }
    // a few quick tries: the command has run, so only the answer is retried (never the command)
    for (let attempt = 1; ; attempt++) {
      try {
        const status = await postJson(job.responseUrl, message);
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
