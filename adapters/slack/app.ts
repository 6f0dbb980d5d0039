// The Bolt app: /crm, buttons, "Share in channel", modals, mentions and App Home, on our own receiver.
// Every command goes to the one dispatcher (src/commands/dispatch.ts → runner.ts) as an Invocation;
// what is Slack's here is the ack, the forms, and where the answer goes (surface.ts).
import { randomUUID } from "node:crypto";
import { App, LogLevel, type Logger as BoltLogger, type Receiver } from "@slack/bolt";
import type { Command } from "../../src/commands/define.ts";
import { parseText, toErrorReply } from "../../src/commands/engine.ts";
import type { Invocation } from "../../src/commands/invocation.ts";
import type { Logger } from "../../src/log.ts";
import type { Reply } from "../../src/reply/reply.ts";
import { BUTTON_ACTION_PREFIX, FORM_ACTION_PREFIX, SHARE_ACTION, renderSlack, type SlackMessage } from "./render.ts";
import { MODAL_CALLBACK, errorField, fieldErrors, modalView, rawArgsFromState, type ModalMeta } from "./modals.ts";
import { MODAL_COMMANDS, isForm, prepareForm, wantsForm } from "../../src/commands/forms.ts";
import { LATE, within } from "../../src/commands/deadline.ts";
import { slackActor } from "./identity.ts";
import { slackIdentity, slackInvocation } from "./surface.ts";
import type { SlackDeps } from "./deps.ts";
import { hostOf, isAllowedResponseUrl, responder } from "./responseUrl.ts";
import { registerEvents } from "./events.ts";
import { registerMessageFlows } from "./messages.ts";
import { registerCustomerInbox } from "./customerInbox.ts";
import { registerCardThreads } from "./cardThreads.ts";

/** Slack allows 3 s for an ack; leave room for the network. */
export const ACK_BUDGET_MS = 2300;

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
  const { dispatch } = deps;
  /** Answers through the payload's response_url, only when it is Slack's (responseUrl.ts), never Bolt's respond. */
  const respondTo = (body: unknown) => responder((body as { response_url?: unknown }).response_url, config, logger);
  const onError = (e: unknown, cmd?: Command) =>
    logger.error({ err: (e as Error).message, stack: (e as Error).stack, command: cmd?.path.join(" ") }, "command failed");

  /** Runs the dispatch for an answer that goes to response_url; nothing waits for it. */
  const handOn = (inv: Invocation) =>
    dispatch(inv).catch((e: Error) => logger.error({ err: e.message, surface: "slack" }, "could not dispatch a command"));

  // Ack first, always: Slack's 3-second window never depends on the database. The command then goes
  // to the dispatcher (a worker, or this process) and is answered through response_url; forms open with
  // the trigger_id, which expires after 3 s.
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
    await handOn(slackInvocation(command as unknown as Record<string, unknown>, text, "command", command.channel_id));
  });

  // a button on one of our messages: run its command as the person who clicked, update the message
  app.action(new RegExp(`^${BUTTON_ACTION_PREFIX}`), async ({ ack, body, action }) => {
    await ack();
    const commandText = (action as { value?: string }).value ?? "";
    const b = body as unknown as Record<string, unknown> & { channel?: { id: string } };
    await handOn(slackInvocation(withActionTs(b, action), commandText, "button", b.channel?.id));
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
    const b = body as unknown as Record<string, unknown> & { channel?: { id: string } };
    await handOn(slackInvocation(withActionTs(b, action), commandText, "share", b.channel?.id));
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
    // the answer comes back here: the view's ack shows a refusal beside the field it is about
    const work = dispatch({
      surface: "slack",
      // each submission is a request of its own (a refused form is sent again from the same view, and
      // Slack never resends a submission)
      id: `view:${randomUUID()}`,
      identity: slackIdentity(body as unknown as Record<string, unknown>),
      command: { path: cmd.path.join(" "), raw },
      channelId: meta.channelId,
    }).then(
      (r) => r?.reply ?? toErrorReply(new Error("no answer came back"), cmd, { onError }),
      (e) => toErrorReply(e, cmd, { onError }),
    );
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

  /** A command for an event (a mention, App Home, a 🎫 reaction): the answer comes back to the caller. */
  async function runAs(body: unknown, commandText: string, channelId?: string): Promise<Reply> {
    try {
      const result = await dispatch({
        surface: "slack",
        id: randomUUID(),
        identity: slackIdentity(body as Record<string, unknown>),
        command: { text: commandText },
        channelId,
      });
      return result?.reply ?? toErrorReply(new Error("no answer came back"), undefined, { onError });
    } catch (e) {
      return toErrorReply(e, undefined, { onError });
    }
  }

  /** A click's own id: response_url is shared by every button of a message, action_ts is the click's. */
  function withActionTs(body: Record<string, unknown>, action: unknown): Record<string, unknown> {
    return { ...body, action_ts: (action as { action_ts?: string }).action_ts ?? body.action_ts };
  }

  registerEvents(app, deps, { runAs });
  registerMessageFlows(app, deps, { runAs });
  registerCustomerInbox(app, deps);
  registerCardThreads(app, deps);
  app.error(async (e) => {
    logger.error({ err: e.message }, "slack app error");
  });
  return app;
}
