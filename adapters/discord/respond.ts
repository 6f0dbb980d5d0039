// How an interaction is answered. Discord wants the first response within 3 s: the finished answer when
// the work is quick, else a deferral (type 5, or 6 for a button) and the answer later by editing the
// original response (or, for a failed button click, an ephemeral follow-up) through the REST API.
// An answer with a chart is always sent that second way: the edit can carry files, the first answer
// over HTTP is JSON only.
import "./loadFirst.ts"; // before discord.js: see loadFirst.ts
import { REST } from "@discordjs/rest";
import { InteractionResponseType, MessageFlags, Routes, type APIModalInteractionResponseCallbackData } from "discord.js";
import type { Reply } from "../../src/reply/reply.ts";
import { notice, renderDiscord, type DiscordMessage, type UploadFile } from "./render.ts";

/** Discord allows 3 s for the first response; leave room for the network. */
export const ACK_BUDGET_MS = 2300;
import { LATE } from "../../src/commands/deadline.ts";

/** command, modal: a new answer; component: a click on a card; share: "Share in channel" (a public answer) */
export type Surface = "command" | "component" | "modal" | "share";
/** share: the read-only command behind a "Share in channel" button on this (ephemeral) answer */
/** modal: a form to open (stash: hash → command for a custom_id too long to carry it, see buttons.ts);
 *  retryForm: the command of a refused form, offered again under the error */
export type Outcome =
  | { reply: Reply; share?: string; retryForm?: string }
  | { modal: APIModalInteractionResponseCallbackData; stash?: Record<string, string> }
  | { notice: string };

export interface InitialResponse {
  body: { type: InteractionResponseType; data?: unknown };
  stash: Record<string, string>;
}
export interface LateDelivery {
  target: "original" | "followup";
  body: DiscordMessage;
  stash: Record<string, string>;
  files: UploadFile[];
}

const withoutFlags = ({ flags: _f, ...m }: DiscordMessage): DiscordMessage => m;

/** The HTTP answer to an interaction: the outcome when it is ready, a deferral when it is LATE. */
export function initialResponse(surface: Surface, outcome: Outcome | typeof LATE): InitialResponse {
  if (outcome === LATE) {
    if (surface === "component") return { body: { type: InteractionResponseType.DeferredMessageUpdate }, stash: {} };
    if (surface === "share") return { body: { type: InteractionResponseType.DeferredChannelMessageWithSource }, stash: {} };
    return { body: { type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: MessageFlags.Ephemeral } }, stash: {} };
  }
  if ("modal" in outcome) return { body: { type: InteractionResponseType.Modal, data: outcome.modal }, stash: outcome.stash ?? {} };
  if ("notice" in outcome)
    return { body: { type: InteractionResponseType.ChannelMessageWithSource, data: notice(outcome.notice) }, stash: {} };
  const { message, stash } = renderDiscord(outcome.reply, { share: outcome.share, retryForm: outcome.retryForm });
  const ok = outcome.reply.kind === "ok";
  // a button that worked updates the card it sits on; one that failed says why to the clicker alone
  if (surface === "component" && ok) return { body: { type: InteractionResponseType.UpdateMessage, data: withoutFlags(message) }, stash };
  // a shared card is a new message everyone in the channel sees
  if (surface === "share" && ok)
    return { body: { type: InteractionResponseType.ChannelMessageWithSource, data: withoutFlags(message) }, stash };
  if (surface === "component" || surface === "share")
    return { body: { type: InteractionResponseType.ChannelMessageWithSource, data: { ...message, flags: MessageFlags.Ephemeral } }, stash };
  return { body: { type: InteractionResponseType.ChannelMessageWithSource, data: message }, stash };
}

/** After a deferral: what to send, and where. */
export function lateDelivery(surface: Surface, outcome: Outcome): LateDelivery {
  if ("modal" in outcome) {
    const late = notice("That took too long; try again to open the form.");
    // a form button's card stays as it is: the note goes to the clicker alone
    return surface === "component"
      ? { target: "followup", body: late, stash: {}, files: [] }
      : { target: "original", body: withoutFlags(late), stash: {}, files: [] };
  }
  const failed = "notice" in outcome || outcome.reply.kind === "error";
  const { message, stash, files } =
    "notice" in outcome
      ? { message: notice(outcome.notice), stash: {}, files: [] }
      : renderDiscord(outcome.reply, { share: outcome.share, retryForm: outcome.retryForm });
  if (surface === "component" && failed) return { target: "followup", body: { ...message, flags: MessageFlags.Ephemeral }, stash, files };
  return { target: "original", body: withoutFlags(message), stash, files };
}

export function createRest(opts: { apiUrl?: string; botToken?: string }): REST {
  const rest = new REST({ version: "10", ...(opts.apiUrl ? { api: opts.apiUrl.replace(/(?<!\/)\/+$/, "") } : {}) });
  if (opts.botToken) rest.setToken(opts.botToken);
  return rest;
}

/** Sends a late answer with the interaction token (no bot auth); the client waits out 429s by itself. */
export async function deliver(rest: REST, applicationId: string, token: string, d: LateDelivery): Promise<void> {
  const files = d.files.length ? { files: d.files } : {};
  if (d.target === "original") await rest.patch(Routes.webhookMessage(applicationId, token), { body: d.body, auth: false, ...files });
  else await rest.post(Routes.webhook(applicationId, token), { body: d.body, auth: false, ...files });
}
