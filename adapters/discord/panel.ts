// The "Open a ticket" panel's button and form (/crm inbox panel #channel). Anyone may press the button,
// customer or member, and it does only this: open the form (subject, description), and on submit open a
// ticket as the one who pressed it (a contact by their Discord user id), assigned to the on-call agent when
// there is one, in a PRIVATE thread of the panel's channel with them and the assignee, the ticket's card
// there. The thread is the ticket's conversation (Ticket.threadChannelId, root key "<channel>:<thread>"), so
// customerInbox.ts answers what is written in it. One ticket per submitted form, however often it arrives.
import "./loadFirst.ts"; // before discord.js: see loadFirst.ts
import type { REST } from "@discordjs/rest";
import {
  ChannelType,
  LabelBuilder,
  ModalBuilder,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type APIChannel,
  type APIModalInteractionResponseCallbackData,
} from "discord.js";
import type { Command } from "../../src/commands/define.ts";
import { runText } from "../../src/commands/engine.ts";
import type { Actor } from "../../src/domain/actor.ts";
import { isPleasantry } from "../../src/domain/conversations/chat.ts";
import type { Services } from "../../src/domain/services.ts";
import type { Logger } from "../../src/log.ts";
import { TEXT_LIMITS } from "../../src/parse/limits.ts";
import { clip } from "../../src/reply/format.ts";
import { errorReply, link, reply, s } from "../../src/reply/reply.ts";
import type { ButtonStore } from "./buttons.ts";
import { discordUser, type InteractionIdentity } from "./identity.ts";
import { modalValues } from "./modals.ts";
import { renderDiscord } from "./render.ts";
import type { Outcome } from "./respond.ts";

export { PANEL_BUTTON } from "../../src/domain/conversations/panel.ts";
export const PANEL_FORM = "crm_panel_form";

const SUBJECT_MAX = 120;
const DESCRIPTION_MAX = 2000;
/** Threads stay open a week without activity (Discord's longest auto-archive). */
const AUTO_ARCHIVE_MINUTES = 10_080;

export interface PanelInteraction extends InteractionIdentity {
  id?: string;
  channel_id?: string;
  data?: { components?: Parameters<typeof modalValues>[0] };
}

/** The form the button opens: what it is about, and the details. */
export function panelForm(): APIModalInteractionResponseCallbackData {
  return new ModalBuilder()
    .setCustomId(PANEL_FORM)
    .setTitle("Open a ticket")
    .addLabelComponents(
      new LabelBuilder()
        .setLabel("What do you need help with?")
        .setTextInputComponent(
          new TextInputBuilder().setCustomId("subject").setStyle(TextInputStyle.Short).setRequired(true).setMaxLength(SUBJECT_MAX),
        ),
      new LabelBuilder()
        .setLabel("Details")
        .setDescription("What happened, what you expected, anything we should know")
        .setTextInputComponent(
          new TextInputBuilder()
            .setCustomId("description")
            .setStyle(TextInputStyle.Paragraph)
            .setRequired(false)
            .setMaxLength(DESCRIPTION_MAX),
        ),
    )
    .toJSON();
}

const threadUrl = (guildId: string, threadId: string) => `https://discord.com/channels/${guildId}/${threadId}`;

/** The card in the thread is everyone's: no member's "mine", and its buttons run as whoever clicks. */
const threadReader = (workspaceId: string): Actor => ({ workspaceId, memberId: "", name: "CRM", role: "viewer", platform: "discord" });

export function inboxPanel(deps: { services: Services; commands: Command[]; rest: REST; buttons: ButtonStore; log: Logger }) {
  const { services, commands, rest, buttons, log } = deps;
  const refuse = (text: string): Outcome => ({ reply: errorReply(text) });

  async function postCard(workspaceId: string, threadId: string, key: string, userId: string) {
    await rest.post(Routes.channelMessages(threadId), {
      body: {
        content: `🎫 ${key}: thanks <@${userId}>, the team has it. Replies in this thread reach them.`,
        allowed_mentions: { users: [userId] },
      },
    });
    const card = await runText(commands, `ticket show ${key}`, threadReader(workspaceId), services);
    const { message, stash } = renderDiscord({ ...card, ephemeral: false });
    await buttons.save(stash);
    await rest.post(Routes.channelMessages(threadId), { body: message });
  }

  /** The submitted form: the ticket, its private thread, the people in it. */
  async function submit(body: PanelInteraction): Promise<Outcome> {
    const user = discordUser(body);
    if (!body.guild_id || !body.channel_id || !user?.id || !body.id) return refuse("Discord did not say where or who you are; try again.");
    const workspaceId = await services.identity.existingWorkspace("discord", body.guild_id);
    const inbox = await services.chatInbox.find("discord", body.channel_id);
    if (!workspaceId || inbox?.workspaceId !== workspaceId)
      return refuse("This channel no longer takes tickets; ask the team where to write.");
    const typed = modalValues(body.data?.components);
    const subject = (typed.subject ?? "").replace(/\s+/g, " ").trim();
    const description = (typed.description ?? "").trim();
    if (!subject) return refuse("Say in a few words what you need help with (the first field).");
    const text = clip(description ? `${subject}\n\n${description}` : subject, TEXT_LIMITS.note);
    if (isPleasantry(text)) return refuse("Say a little more about what you need help with, then send the form again.");
    if (!(await services.processedEvents.claim(workspaceId, "discord", `panel:${body.id}`)))
      return { notice: "This form was already sent; your ticket is in its thread." };

    const thread = (await rest.post(Routes.threads(body.channel_id), {
      body: {
        name: clip(`🎫 ${subject}`, 100),
        type: ChannelType.PrivateThread,
        invitable: false,
        auto_archive_duration: AUTO_ARCHIVE_MINUTES,
      },
    })) as Pick<APIChannel, "id">;
    const dropThread = () =>
      rest
        .delete(Routes.channel(thread.id))
        .catch((e: Error) => log.warn({ thread: thread.id, err: e.message }, "could not delete an unused thread"));

    const userName = body.member?.nick || user.global_name || user.username || user.id;
    const got = await services.chatInbox
      .customerSaid(
        inbox,
        {
          platform: "discord",
          channelId: body.channel_id,
          messageId: thread.id, // the thread is the conversation's root: /crm reply posts into it
          userId: user.id,
          userName,
          text,
        },
        { onCall: true },
      )
      .catch(async (e: unknown) => {
        await dropThread();
        throw e;
      });
    if (got.outcome !== "opened") {
      await dropThread();
      return refuse("This form opened no ticket; send it again.");
    }
    const ticket = await services.chatInbox.threadTicket(workspaceId, "discord", body.channel_id, thread.id);
    if (ticket) await services.ticketThreads.attach(workspaceId, ticket.id, "discord", thread.id);
    await rest
      .patch(Routes.channel(thread.id), { body: { name: clip(`${got.ticket} · ${subject}`, 100) } })
      .catch((e: Error) => log.warn({ err: e.message }, "could not name a ticket's thread"));
    const plan = await services.ticketThreads.plan(workspaceId, got.ticket, "discord");
    for (const id of new Set([user.id, ...plan.memberUserIds])) {
      await rest
        .put(Routes.threadMembers(thread.id, id))
        .catch((e: Error) => log.warn({ thread: thread.id, err: e.message }, "could not add someone to a ticket's thread; skipped"));
    }
    await postCard(workspaceId, thread.id, got.ticket, user.id);
    log.info({ ticket: got.ticket, assigned: Boolean(plan.ticket.assigneeId) }, "ticket opened from a discord panel");
    return {
      reply: reply(`Opened ${got.ticket}`)
        .text([s(`🎫 ${got.ticket} is open: `), link("your private thread with the team", threadUrl(body.guild_id, thread.id))])
        .build(),
    };
  }

  return { form: (): Outcome => ({ modal: panelForm() }), submit };
}
