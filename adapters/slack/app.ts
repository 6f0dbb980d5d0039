// The Bolt app: /crm, buttons, "Share in channel", modals, mentions and App Home, on our own receiver.
import pLimit from "p-limit";
import { App, LogLevel, type Logger as BoltLogger, type Receiver } from "@slack/bolt";
import type { Command } from "../../src/commands/define.ts";
import { parseText, runParsed, runText, toErrorReply } from "../../src/commands/engine.ts";
import type { Actor } from "../../src/domain/actor.ts";
import type { Logger } from "../../src/log.ts";
import type { Reply } from "../../src/reply/reply.ts";
import { BUTTON_ACTION_PREFIX, FORM_ACTION_PREFIX, SHARE_ACTION, renderSlack, type SlackMessage } from "./render.ts";
import { MODAL_CALLBACK, errorField, fieldErrors, modalView, rawArgsFromState, type ModalMeta } from "./modals.ts";
import { MODAL_COMMANDS, isForm, prepareForm, wantsForm } from "../../src/commands/forms.ts";
import { LATE, within } from "../../src/commands/deadline.ts";
import { slackActor } from "./identity.ts";
import { shareCommandFor } from "./share.ts";
import { slashJob, slashRunner } from "./slash.ts";
import type { SlackDeps } from "./deps.ts";
import { hostOf, isAllowedResponseUrl, responder } from "./responseUrl.ts";
import { registerEvents } from "./events.ts";
import { registerMessageFlows } from "./messages.ts";

/** Slack allows 3 s for an ack; leave room for the network. */
export const ACK_BUDGET_MS = 2300;
/** how long the server waits for Redis to take a command before running it itself */
const ENQUEUE_BUDGET_MS = 1000;

function boltLogger(logger: Logger): BoltLogger {
  const l = logger.child({ component: "bolt" });
  return {
    debug: (...m) => l.debug(m.join(" ")),
    info: (...m) => l.info(m.join(" ")),
    warn: (...m) => l.warn(m.join(" ")),
    error: (...m) => l.error(m.join(" ")),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

type Authorize = NonNullable<NonNullable<ConstructorParameters<typeof App>[0]>["authorize"]>;

export function createSlackApp(deps: SlackDeps, receiver: Receiver, authorize: Authorize) {
  const { config, services, commands, logger } = deps;
  const app = new App({
    receiver,
    authorize,
    logger: boltLogger(logger),
    tokenVerificationEnabled: false,
    // no conversation store: we keep no per-conversation state in Bolt (it costs every request a lookup)
    convoStore: false,
    clientOptions: config.SLACK_API_URL
      ? { slackApiUrl: config.SLACK_API_URL.endsWith("/") ? config.SLACK_API_URL : `${config.SLACK_API_URL}/` }
      : undefined,
  });
  const runSlash = slashRunner(deps);
  /** Commands this process runs itself (no queue) wait their turn here, at most SLACK_COMMAND_CONCURRENCY at
   *  once, so a burst queues instead of starving the event loop that sends the acks. */
  const background = pLimit(config.SLACK_COMMAND_CONCURRENCY);
  /** Answers through the payload's response_url, only when it is Slack's (responseUrl.ts), never Bolt's respond. */
  const respondTo = (body: unknown) => responder((body as { response_url?: unknown }).response_url, config, logger);
  const onError = (e: unknown, cmd?: Command) =>
    logger.error({ err: (e as Error).message, stack: (e as Error).stack, command: cmd?.path.join(" ") }, "command failed");

  // Ack first, always: Slack's 3-second window never depends on the database. The command then goes
  // to the slack-commands queue for a worker process (or runs here when the queue cannot take it) and
  // is answered through response_url; forms open with the trigger_id, which expires after 3 s.
  app.command("/crm", async ({ command, ack, client }) => {
    // an answer that could only go somewhere other than Slack: say so in the ack and run nothing
    if (!isAllowedResponseUrl(command.response_url, config)) {
      logger.warn({ host: hostOf(command.response_url) }, "response_url is not Slack's: the command was not run");
      await ack({ response_type: "ephemeral", text: "This command came with an answer address that is not Slack's, so it was not run." });
      return;
    }
    await ack();
    const respond = respondTo(command);
    const text = command.text ?? "";
    const modalKey = text.trim().toLowerCase().replace(/\s+/g, " ");
    const modal = commands.find((c) => c.path.join(" ") === modalKey);
    if (MODAL_COMMANDS[modalKey] && modal && command.trigger_id) {
      await client.views.open({ trigger_id: command.trigger_id, view: modalView(modal, { channelId: command.channel_id }) });
      return;
    }
    // a command with a form, typed without what it asks for (`campaign message K-1`), opens the form
    if (command.trigger_id && typedForForm(text)) {
      await openForm(text, command as unknown as Record<string, unknown>, command.trigger_id, command.channel_id, client, (m) =>
        respond(m),
      );
      return;
    }
    const job = slashJob(command);
    if (deps.enqueueSlash) {
      if (
        (await within(
          deps.enqueueSlash(job).then(
            () => true,
            () => false,
          ),
          ENQUEUE_BUDGET_MS,
        )) === true
      )
        return;
      logger.warn("slack-commands queue unavailable: running the command in this process");
    }
    await background(() => runSlash(job));
  });

  // a button on one of our messages: run its command as the person who clicked, update the message
  app.action(new RegExp(`^${BUTTON_ACTION_PREFIX}`), async ({ ack, body, action }) => {
    await ack();
    const respond = respondTo(body);
    const commandText = (action as { value?: string }).value ?? "";
    const reply = await runAs(body, commandText, (body as { channel?: { id: string } }).channel?.id);
    if (reply.kind === "ok")
      await respond({ replace_original: true, ...renderSlack(reply, { shareCommand: shareCommandFor(undefined, commandText, reply) }) });
    else await respond({ response_type: "ephemeral", replace_original: false, ...renderSlack(reply) });
  });

  // a form button ("Write the message"): open its modal at once, the trigger_id expires 3 s after the click
  app.action(new RegExp(`^${FORM_ACTION_PREFIX}`), async ({ ack, body, action, client }) => {
    await ack();
    const respond = respondTo(body);
    const commandText = (action as { value?: string }).value ?? "";
    const b = body as unknown as { trigger_id?: string; channel?: { id: string } };
    if (!b.trigger_id) {
      await respond({
        response_type: "ephemeral",
        replace_original: false,
        text: "Slack sent no trigger for a form; type the command instead.",
      });
      return;
    }
    await openForm(commandText, body as unknown as Record<string, unknown>, b.trigger_id, b.channel?.id, client, (m) =>
      respond({ replace_original: false, ...m }),
    );
  });

  app.action(SHARE_ACTION, async ({ ack, body, action }) => {
    await ack();
    const respond = respondTo(body);
    const commandText = (action as { value?: string }).value ?? "";
    const parsed = (() => {
      try {
        return parseText(commands, commandText);
      } catch {
        return undefined;
      }
    })();
    if (!parsed?.cmd.readOnly) {
      await respond({ response_type: "ephemeral", replace_original: false, text: "Only records and read-only answers can be shared." });
      return;
    }
    const reply = await runAs(body, commandText, (body as { channel?: { id: string } }).channel?.id);
    await respond({ response_type: "in_channel", replace_original: false, ...renderSlack({ ...reply, ephemeral: false }) });
    await respond({ delete_original: true });
  });

  app.view(MODAL_CALLBACK, async ({ ack, body, view, client }) => {
    const meta = JSON.parse(view.private_metadata || "{}") as Partial<ModalMeta>;
    const cmd = commands.find((c) => c.path.join(" ") === meta.path);
    if (!cmd) {
      await ack({ response_action: "errors", errors: {} });
      return;
    }
    const shown = meta.fields ?? cmd.args.map((a) => a.name);
    // the fields typed in, over the arguments the form was opened with
    const raw = { ...(meta.given ?? {}), ...rawArgsFromState(view.state.values as never) };
    const errors = fieldErrors(cmd, raw, shown);
    if (errors) {
      await ack({ response_action: "errors", errors });
      return;
    }
    const work = (async () =>
      runParsed({ cmd, raw }, await slackActor(services, body), services, {
        channelId: meta.channelId,
        onError,
        publicUrl: config.PUBLIC_URL,
      }))().catch((e) => toErrorReply(e, cmd, { onError }));
    const reply = await within(work, ACK_BUDGET_MS);
    const post = async (r: Reply) => {
      const msg = renderSlack(r);
      if (meta.channelId) await client.chat.postEphemeral({ channel: meta.channelId, user: body.user.id, ...msg });
      else await client.chat.postMessage({ channel: body.user.id, ...msg });
    };
    // too slow for the modal to show errors: close it, and say how it went in a message
    if (reply === LATE) {
      await ack();
      await post(await work);
      return;
    }
    if (reply.kind === "error") {
      await ack({ response_action: "errors", errors: { [errorField(cmd, reply.summary, shown)]: reply.summary.slice(0, 150) } });
      return;
    }
    await ack();
    await post(reply);
  });

  /** Opens the form for a command text as the person in body, or tells them why not (say). Slack's
   *  trigger_id lasts 3 s from the click, so looking up what to fill in gets part of that (FORM_LOAD_MS). */
  async function openForm(
    commandText: string,
    body: Record<string, unknown>,
    triggerId: string,
    channelId: string | undefined,
    client: { views: { open(a: { trigger_id: string; view: ReturnType<typeof modalView> }): Promise<unknown> } },
    say: (m: Partial<SlackMessage> & { text: string }) => Promise<unknown>,
  ) {
    const prepared = await (async () =>
      prepareForm(commands, commandText, await slackActor(services, body), services, { onError }))().catch((e) =>
      toErrorReply(e, undefined, { onError }),
    );
    if (!isForm(prepared)) {
      await say({ response_type: "ephemeral", ...renderSlack(prepared) });
      return;
    }
    try {
      await client.views.open({ trigger_id: triggerId, view: modalView(prepared, { channelId }) });
    } catch (e) {
      // an expired trigger (a slow moment) or a refusal: the person should not be left waiting for nothing
      logger.warn({ err: (e as Error).message, command: prepared.cmd.path.join(" ") }, "could not open a form");
      await say({
        response_type: "ephemeral",
        text: `Slack could not open the form; try again, or type the command: ${prepared.cmd.usage}`,
      });
    }
  }

  const typedForForm = (text: string) => {
    try {
      return wantsForm(parseText(commands, text));
    } catch {
      return false;
    }
  };

  async function runAs(body: unknown, commandText: string, channelId?: string): Promise<Reply> {
    let actor: Actor;
    try {
      actor = await slackActor(services, body as Record<string, unknown>);
    } catch (e) {
      return toErrorReply(e, undefined, { onError });
    }
    return runText(commands, commandText, actor, services, { channelId, onError, publicUrl: config.PUBLIC_URL });
  }

  registerEvents(app, deps, { runAs });
  registerMessageFlows(app, deps, { runAs });
  app.error(async (e) => {
    logger.error({ err: e.message }, "slack app error");
  });
  return app;
}
