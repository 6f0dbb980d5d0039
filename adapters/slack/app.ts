// The Bolt app: /crm, buttons, "Share in channel", modals, mentions and App Home, on our own receiver.
import pLimit from "p-limit";
import { App, LogLevel, type Logger as BoltLogger, type Receiver } from "@slack/bolt";
import type { Config } from "../../src/config/env.ts";
import type { Command } from "../../src/commands/define.ts";
import { parseText, runParsed, runText, toErrorReply, type Parsed } from "../../src/commands/engine.ts";
import type { Services } from "../../src/domain/services.ts";
import type { Actor } from "../../src/domain/actor.ts";
import type { Logger } from "../../src/log.ts";
import type { Reply } from "../../src/render/reply.ts";
import { BUTTON_ACTION_PREFIX, SHARE_ACTION, renderSlack } from "./render.ts";
import { MODAL_CALLBACK, MODAL_COMMANDS, fieldErrors, modalView, rawArgsFromState } from "./modals.ts";
import { slackActor } from "./identity.ts";
import { registerEvents } from "./events.ts";
import { registerMessageFlows } from "./messages.ts";

/** Slack allows 3 s for an ack; leave room for the network. */
export const ACK_BUDGET_MS = 2300;
const LATE = Symbol("late");

export function within<T>(p: Promise<T>, ms: number): Promise<T | typeof LATE> {
  return Promise.race([p, new Promise<typeof LATE>((r) => setTimeout(() => r(LATE), ms).unref())]);
}

/** Commands run after their ack, at most this many at once per process, so a burst queues here
 *  instead of starving the event loop that sends the acks. */
const background = pLimit(Number(process.env.SLACK_COMMAND_CONCURRENCY ?? 16));

/** A read-only command that recreates this reply for everyone in the channel. */
export function shareCommandFor(parsed: Parsed | undefined, text: string, reply: Reply): string | undefined {
  if (reply.kind !== "ok") return undefined;
  if (reply.recordKey) {
    const kind = ({ C: "contact", A: "company", D: "deal", T: "ticket" } as Record<string, string>)[reply.recordKey[0]];
    if (kind) return `${kind} show ${reply.recordKey}`;
  }
  if (parsed?.cmd.readOnly && parsed.cmd.path[0] !== "help") return text.replace(/^\s*\/?crm\s*/i, "");
  return undefined;
}

export interface SlackDeps { config: Config; services: Services; commands: Command[]; logger: Logger }

function boltLogger(logger: Logger): BoltLogger {
  const l = logger.child({ component: "bolt" });
  return {
    debug: (...m) => l.debug(m.join(" ")), info: (...m) => l.info(m.join(" ")), warn: (...m) => l.warn(m.join(" ")), error: (...m) => l.error(m.join(" ")),
    setLevel: () => {}, getLevel: () => LogLevel.INFO, setName: () => {},
  };
}

type Authorize = NonNullable<NonNullable<ConstructorParameters<typeof App>[0]>["authorize"]>;

export function createSlackApp(deps: SlackDeps, receiver: Receiver, authorize: Authorize) {
  const { config, services, commands, logger } = deps;
  const app = new App({
    receiver, authorize, logger: boltLogger(logger), tokenVerificationEnabled: false,
    clientOptions: config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL.endsWith("/") ? config.SLACK_API_URL : `${config.SLACK_API_URL}/` } : undefined,
  });
  const onError = (e: unknown, cmd?: Command) => logger.error({ err: (e as Error).message, stack: (e as Error).stack, command: cmd?.path.join(" ") }, "command failed");

  // Ack first, always: Slack's 3-second window never depends on the database. The answer follows
  // through response_url (Slack shows it exactly like an inline one); forms open with the trigger_id.
  app.command("/crm", async ({ command, ack, respond, client, body }) => {
    await ack();
    const text = command.text ?? "";
    const modalKey = text.trim().toLowerCase().replace(/\s+/g, " ");
    const modal = commands.find((c) => c.path.join(" ") === modalKey);
    if (MODAL_COMMANDS[modalKey] && modal && command.trigger_id) {
      // the trigger_id expires 3 s after the command: open the form before anything else
      await client.views.open({ trigger_id: command.trigger_id, view: modalView(modal, { channelId: command.channel_id }) });
      return;
    }
    const { reply, share } = await background(async () => {
      let parsed: Parsed | undefined;
      try {
        const actor = await slackActor(services, body);
        parsed = parseText(commands, text);
        const r = await runParsed(parsed, actor, services, { channelId: command.channel_id, onError, publicUrl: config.PUBLIC_URL });
        return { reply: r, share: shareCommandFor(parsed, text, r) };
      } catch (e) {
        return { reply: toErrorReply(e, undefined, { onError }), share: undefined };
      }
    });
    await respond({ response_type: "ephemeral", ...renderSlack(reply, { shareCommand: share }) });
  });

  // a button on one of our messages: run its command as the person who clicked, update the message
  app.action(new RegExp(`^${BUTTON_ACTION_PREFIX}`), async ({ ack, body, action, respond }) => {
    await ack();
    const commandText = (action as { value?: string }).value ?? "";
    const reply = await runAs(body, commandText, (body as { channel?: { id: string } }).channel?.id);
    if (reply.kind === "ok") await respond({ replace_original: true, ...renderSlack(reply, { shareCommand: shareCommandFor(undefined, commandText, reply) }) });
    else await respond({ response_type: "ephemeral", replace_original: false, ...renderSlack(reply) });
  });

  app.action(SHARE_ACTION, async ({ ack, body, action, respond }) => {
    await ack();
    const commandText = (action as { value?: string }).value ?? "";
    const parsed = (() => { try { return parseText(commands, commandText); } catch { return undefined; } })();
    if (!parsed?.cmd.readOnly) { await respond({ response_type: "ephemeral", replace_original: false, text: "Only records and read-only answers can be shared." }); return; }
    const reply = await runAs(body, commandText, (body as { channel?: { id: string } }).channel?.id);
    await respond({ response_type: "in_channel", replace_original: false, ...renderSlack({ ...reply, ephemeral: false }) });
    await respond({ delete_original: true });
  });

  app.view(MODAL_CALLBACK, async ({ ack, body, view, client }) => {
    const meta = JSON.parse(view.private_metadata || "{}") as { path?: string; channelId?: string };
    const cmd = commands.find((c) => c.path.join(" ") === meta.path);
    if (!cmd) { await ack({ response_action: "errors", errors: {} }); return; }
    const raw = rawArgsFromState(view.state.values as never);
    const errors = fieldErrors(cmd, raw);
    if (errors) { await ack({ response_action: "errors", errors }); return; }
    const work = (async () => runParsed({ cmd, raw }, await slackActor(services, body), services, { channelId: meta.channelId, onError }))()
      .catch((e) => toErrorReply(e, cmd, { onError }));
    const reply = await within(work, ACK_BUDGET_MS);
    if (reply === LATE) { await ack(); return; }
    if (reply.kind === "error") {
      const field = cmd.args.find((a) => reply.summary.toLowerCase().includes(a.name)) ?? cmd.args.find((a) => a.type === "ref") ?? cmd.args[0];
      await ack({ response_action: "errors", errors: { [field.name]: reply.summary.slice(0, 150) } });
      return;
    }
    await ack();
    const msg = renderSlack(reply);
    if (meta.channelId) await client.chat.postEphemeral({ channel: meta.channelId, user: body.user.id, ...msg });
    else await client.chat.postMessage({ channel: body.user.id, ...msg });
  });

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
  app.error(async (e) => { logger.error({ err: e.message }, "slack app error"); });
  return app;
}
