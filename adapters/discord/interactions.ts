// Answering an interaction, whichever way it came: POST /discord/interactions (HTTP, signed) or the
// gateway's INTERACTION_CREATE (gateway.ts). The core takes the interaction JSON and a way to send the
// first response; PING → PONG; a slash command → its reply (or a form for log / deal new / ticket new
// without options); the "Create ticket" message command → a ticket from that message; a button → the
// command it carries, run as the clicker, updating the card; "Share in channel" → the same card for
// everyone; a form → its command; autocomplete → up to 25 suggestions. Every first response leaves
// within Discord's 3 s (see respond.ts).
import type { ReplayGuard } from "../http/replayGuard.ts";
import "./loadFirst.ts"; // before discord.js: see loadFirst.ts
import type { Request, RequestHandler, Response } from "express";
import { ApplicationCommandType, InteractionResponseType, InteractionType, MessageFlags } from "discord.js";
import type { REST } from "@discordjs/rest";
import type { Command } from "../../src/commands/define.ts";
import { randomUUID } from "node:crypto";
import { parseText, runParsed, toErrorReply, type Parsed, type RunOptions } from "../../src/commands/engine.ts";
import type { Invocation, RunResult } from "../../src/commands/invocation.ts";
import { shareCommandFor } from "../../src/commands/share.ts";
import type { Actor } from "../../src/domain/actor.ts";
import { errorReply, type Reply } from "../../src/reply/reply.ts";
import type { DiscordDeps } from "./deps.ts";
import { discordPublicKey, verifyDiscordRequest } from "./verify.ts";
import { discordActor, type InteractionIdentity } from "./identity.ts";
import { discordIdentity } from "./surface.ts";
import { commandIndex } from "./commandTree.ts";
import { resolveInvocation, type InteractionOption } from "./options.ts";
import { modalFor, modalTarget, modalValues, wantsModal } from "./modals.ts";
import { MODAL_COMMANDS, isForm, prepareForm } from "../../src/commands/forms.ts";
import { suggest } from "./autocomplete.ts";
import type { ButtonStore } from "./buttons.ts";
import { hasUpload, SHARE_PREFIX } from "./render.ts";
import { ACK_BUDGET_MS, deliver, initialResponse, lateDelivery, type Outcome, type Surface } from "./respond.ts";
import { LATE, within } from "../../src/commands/deadline.ts";
import { CREATE_TICKET_COMMAND, openTicketFromMessage, type ResolvedMessage } from "./tickets.ts";
import { inboxPanel, PANEL_BUTTON, PANEL_FORM } from "./panel.ts";

export interface Interaction extends InteractionIdentity {
  id?: string;
  type: number;
  token?: string;
  application_id?: string;
  channel_id?: string;
  /** the message a clicked button sits on */
  message?: { flags?: number };
  data?: {
    type?: number;
    name?: string;
    target_id?: string;
    custom_id?: string;
    options?: InteractionOption[];
    components?: Parameters<typeof modalValues>[0];
    resolved?: { messages?: Record<string, ResolvedMessage> };
  };
}

export interface InteractionResponse {
  type: InteractionResponseType;
  data?: unknown;
}
/** How the first response travels: the HTTP answer, or POST /interactions/{id}/{token}/callback. */
export type SendResponse = (response: InteractionResponse) => Promise<void>;
/** Answers one interaction; false when its type is not one we know. */
export type InteractionCore = (body: Interaction, send: SendResponse) => Promise<boolean>;

const STASH_BUDGET_MS = 300;

export interface InteractionRuntime {
  rest: REST;
  buttons: ButtonStore;
}

export function interactionCore(deps: DiscordDeps, rt: InteractionRuntime): InteractionCore {
  const { config, services, commands, logger } = deps;
  const index = commandIndex(commands);
  const panel = inboxPanel({ services, commands, rest: rt.rest, buttons: rt.buttons, log: logger });
  const onError = (e: unknown, cmd?: Command) =>
    logger.error({ err: (e as Error).message, stack: (e as Error).stack, command: cmd?.path.join(" ") }, "discord command failed");
  const runOpts = (body: Interaction): RunOptions => ({ channelId: body.channel_id, onError, publicUrl: config.PUBLIC_URL });

  /** Identity and replay protection first: the same interaction id is acted on once. */
  async function actorFor(body: Interaction) {
    const actor = await discordActor(services, body);
    const fresh = !body.id || (await services.processedEvents.claim(actor.workspaceId, "discord", `interaction:${body.id}`));
    return { actor, fresh };
  }
  const DUPLICATE: Outcome = { notice: "This interaction was already handled." };

  /** A command through the one dispatcher (src/commands/dispatch.ts): on a worker or here, once per
   *  interaction id; its answer comes back here, because Discord's first response is this process's to send. */
  async function dispatched(body: Interaction, command: Invocation["command"]): Promise<RunResult> {
    const result = await deps.dispatch({
      surface: "discord",
      id: `interaction:${body.id ?? randomUUID()}`,
      identity: discordIdentity(body),
      command,
      channelId: body.channel_id,
    });
    return result ?? { reply: errorReply("No answer came back; try again.") };
  }

  async function onCommand(body: Interaction): Promise<Outcome> {
    if (body.data?.type === ApplicationCommandType.Message) return onMessageCommand(body);
    const { cmd, raw } = resolveInvocation(index, body.data ?? {});
    if (wantsModal(cmd.path.join(" "), raw)) {
      await discordActor(services, body); // a form only for a member
      return { modal: modalFor(cmd) };
    }
    const { reply, share } = await dispatched(body, { path: cmd.path.join(" "), raw });
    return { reply, share };
  }

  /** "Create ticket" on a message: one ticket per message, however often it is asked. */
  async function onMessageCommand(body: Interaction): Promise<Outcome> {
    if (body.data?.name !== CREATE_TICKET_COMMAND)
      return {
        reply: errorReply(`Unknown command "${body.data?.name ?? ""}"; the command list may be out of date (npm run discord:register).`),
      };
    const { actor, fresh } = await actorFor(body);
    if (!fresh) return DUPLICATE;
    const target = body.data.target_id ? body.data.resolved?.messages?.[body.data.target_id] : undefined;
    if (!target) return { reply: errorReply("Discord did not send the message; try again.") };
    const { ticket, created } = await openTicketFromMessage(services, actor, body.guild_id!, target);
    const card = await runParsed(parseText(commands, `ticket show T-${ticket.number}`), actor, services, runOpts(body));
    const summary = created ? `Opened T-${ticket.number}` : `This message is already T-${ticket.number}`;
    const reply: Reply =
      card.kind === "ok"
        ? {
            ...card,
            summary,
            blocks: [
              {
                type: "text",
                text: created ? `🎫 Opened T-${ticket.number} from this message.` : `This message is already T-${ticket.number}.`,
              },
              ...card.blocks,
            ],
          }
        : card;
    return { reply, share: shareCommandFor(undefined, reply) };
  }

  async function onComponent(body: Interaction): Promise<Outcome> {
    // the ticket panel's button is anyone's, and opens its form and nothing else (panel.ts)
    if (body.data?.custom_id === PANEL_BUTTON) return panel.form();
    const target = await rt.buttons.target(body.data?.custom_id ?? "");
    if (target === null) return { reply: errorReply("This button has expired or is not one of ours; run the command again.") };
    const { command } = target;
    if (target.form) return openForm(command, await discordActor(services, body), body);
    const { reply, share } = await dispatched(body, { text: command });
    // only a private card keeps offering to share itself; a card already in the channel is shared
    const isPrivate = ((body.message?.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
    return { reply, share: isPrivate ? share : undefined };
  }

  async function onShare(body: Interaction): Promise<Outcome> {
    const command = (body.data?.custom_id ?? "").slice(SHARE_PREFIX.length);
    let parsed: Parsed | undefined;
    try {
      parsed = parseText(commands, command);
    } catch {
      parsed = undefined;
    }
    if (!parsed?.cmd.readOnly) return { reply: errorReply("Only records and read-only answers can be shared.") };
    const { reply } = await dispatched(body, { text: command });
    return { reply: { ...reply, ephemeral: false } };
  }

  /** Redis is a convenience here (drafts): a slow or absent Redis costs the draft, never the answer. */
  const bestEffort = <T>(p: Promise<T>) =>
    within(
      p.catch((e) => {
        logger.warn({ err: (e as Error).message }, "form draft not stored");
        return undefined;
      }),
      STASH_BUDGET_MS,
    ).then((v) => (v === LATE ? undefined : v));

  /** A form button: the modal for its command (type 9), with what this member typed into it last time it
   *  was refused, or why it cannot open (a campaign already sent). */
  async function openForm(command: string, actor: Actor, body: Interaction): Promise<Outcome> {
    const [form, draft] = await Promise.all([
      prepareForm(commands, command, actor, services, { ...runOpts(body), title: MODAL_COMMANDS[command.trim().toLowerCase()] }),
      bestEffort(rt.buttons.draft(actor.memberId, command)),
    ]);
    if (!isForm(form)) return { reply: form };
    const fields = form.fields.map((f) => (draft?.[f.arg.name] ? { ...f, value: draft[f.arg.name] } : f));
    const stash: Record<string, string> = {};
    return { modal: modalFor({ ...form, fields }, stash), stash };
  }

  async function onModal(body: Interaction): Promise<Outcome> {
    if (body.data?.custom_id === PANEL_FORM) return panel.submit(body);
    const target = modalTarget(body.data?.custom_id ?? "");
    const command = !target ? null : "command" in target ? target.command : await rt.buttons.load(target.hash);
    let given: Parsed | undefined;
    try {
      given = command === null ? undefined : parseText(commands, command);
    } catch {
      given = undefined;
    }
    if (!given) return { reply: errorReply("This form is out of date; run the command again.") };
    const actor = await discordActor(services, body);
    // the fields typed in, over the arguments the form was opened with ("campaign message K-1")
    const typed = modalValues(body.data?.components);
    const { reply, share } = await dispatched(body, { path: given.cmd.path.join(" "), raw: { ...given.raw, ...typed } });
    if (reply.kind === "error") {
      // Discord has closed the modal: keep what was typed for "Try again"
      if (Object.keys(typed).length) await bestEffort(rt.buttons.saveDraft(actor.memberId, command!, typed));
      return { reply, retryForm: command! };
    }
    await bestEffort(rt.buttons.dropDraft(actor.memberId, command!));
    return { reply, share };
  }

  async function answer(
    body: Interaction,
    send: SendResponse,
    surface: Surface,
    work: (b: Interaction) => Promise<Outcome>,
  ): Promise<void> {
    const outcome = work(body).catch((e): Outcome => ({ reply: toErrorReply(e, undefined, { onError }) }));
    let first = await within(outcome, ACK_BUDGET_MS);
    // a chart travels as a file, which only the later edit can carry
    if (first !== LATE && "reply" in first && hasUpload(first.reply)) first = LATE;
    const initial = initialResponse(surface, first);
    // a Redis hiccup must not cost the 3-second window: its buttons then answer "expired"
    const saved = await within(
      rt.buttons.save(initial.stash).then(
        () => true,
        () => false,
      ),
      STASH_BUDGET_MS,
    );
    if (saved !== true) logger.error({ surface }, "could not store long button commands in time");
    await send(initial.body);
    if (first !== LATE) return;
    const late = lateDelivery(surface, await outcome);
    try {
      await rt.buttons.save(late.stash);
      await deliver(rt.rest, body.application_id ?? config.DISCORD_APPLICATION_ID ?? "", body.token ?? "", late);
    } catch (e) {
      logger.error({ err: (e as Error).message, surface }, "could not deliver a late discord answer");
    }
  }

  return async (body, send) => {
    switch (body.type) {
      case InteractionType.Ping:
        await send({ type: InteractionResponseType.Pong });
        return true;
      case InteractionType.ApplicationCommand:
        await answer(body, send, "command", onCommand);
        return true;
      case InteractionType.MessageComponent: {
        const share = (body.data?.custom_id ?? "").startsWith(SHARE_PREFIX);
        await answer(body, send, share ? "share" : "component", share ? onShare : onComponent);
        return true;
      }
      case InteractionType.ModalSubmit:
        await answer(body, send, "modal", onModal);
        return true;
      case InteractionType.ApplicationCommandAutocomplete: {
        const choices = await suggest(services, index, body).catch((e) => {
          logger.error({ err: (e as Error).message }, "autocomplete failed");
          return [];
        });
        await send({ type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices } });
        return true;
      }
      default:
        return false;
    }
  };
}

/** POST /discord/interactions: verify the Ed25519 signature, then hand the body to the core. */
export function interactionsHandler(deps: DiscordDeps, core: InteractionCore, replay?: ReplayGuard): RequestHandler {
  const { config, logger } = deps;
  const publicKey = discordPublicKey(config.DISCORD_PUBLIC_KEY ?? "");
  return async (req: Request, res: Response) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = verifyDiscordRequest({
      publicKey,
      signature: req.header("x-signature-ed25519"),
      timestamp: req.header("x-signature-timestamp"),
      rawBody: raw,
    });
    if (!verdict.ok) {
      logger.warn({ reason: verdict.reason }, "discord request refused");
      res.status(401).json({ error: "invalid request signature" });
      return;
    }
    // Discord never resends an interaction: the same signature again is a replay (its bytes: the hex may
    // come back in another letter case and still verify)
    if (replay && !(await replay.firstSeen(Buffer.from(req.header("x-signature-ed25519")!, "hex")))) {
      logger.warn("replayed discord request refused");
      res.status(401).json({ error: "replayed request" });
      return;
    }
    let body: Interaction;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      res.status(400).json({ error: "unreadable body" });
      return;
    }
    const known = await core(body, async (response) => {
      res.json(response);
    });
    if (!known) res.status(400).json({ error: `unknown interaction type ${body.type}` });
  };
}
