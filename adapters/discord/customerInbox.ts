// Customers writing in a Discord channel made an inbox (/crm inbox add #channel): anyone who is not on the
// team (no member of the CRM, no server role the role map names) is a customer. Their top-level message
// opens a ticket and the bot starts a public thread on it, named after the ticket, with the key; their
// messages in that thread join the ticket (and reopen it, or rate it after the resolution notice); a member
// writing there answers them (the first response). Pleasantries open nothing. Nothing a customer writes
// runs a command.
// A thread started on a message shares the message's id (Discord's docs), so the ticket's thread is known
// before it exists, and /crm reply, addressed to the root message, posts into the thread.
import "./loadFirst.ts"; // before discord.js: see loadFirst.ts
import { DiscordAPIError, type REST } from "@discordjs/rest";
import { Routes, type APIChannel, type APIMessage } from "discord.js";
import type { ChatMessageIn } from "../../src/domain/conversations/chat.ts";
import type { Services } from "../../src/domain/services.ts";
import { PermissionError } from "../../src/errors.ts";
import type { Logger } from "../../src/log.ts";
import { clip } from "../../src/reply/format.ts";
import { messageText, type ResolvedMessage } from "./tickets.ts";

export type InboxMessage = APIMessage & { guild_id: string; member?: { nick?: string | null; roles?: string[] } };

type InboxChannel = NonNullable<Awaited<ReturnType<Services["chatInbox"]["find"]>>>;

/** Discord's "A thread has already been created for this message" */
const THREAD_EXISTS = 160004;
/** Threads stay open a week without activity (Discord's longest auto-archive). */
const AUTO_ARCHIVE_MINUTES = 10_080;

export function customerInbox(services: Services, rest: REST, log: Logger) {
  const nameOf = (d: InboxMessage) => d.member?.nick || d.author.global_name || d.author.username || d.author.id;
  const team = (d: InboxMessage) =>
    services.identity.knownMember({
      platform: "discord",
      externalId: d.guild_id,
      userId: d.author.id,
      userName: nameOf(d),
      platformRoles: Array.isArray(d.member?.roles) ? d.member.roles.slice(0, 250) : undefined,
    });

  /** Starts the public thread on the customer's message and says the key there. */
  async function startThread(workspaceId: string, d: InboxMessage, key: string) {
    const ticket = await services.chatInbox.threadTicket(workspaceId, "discord", d.channel_id, d.id);
    if (!ticket) return;
    // recorded first: the customer may write in the thread the moment it exists
    await services.ticketThreads.attach(workspaceId, ticket.id, "discord", d.id);
    const name = clip(`${key} · ${ticket.subject.replace(/\s+/g, " ")}`, 100);
    const thread = (await rest
      .post(Routes.threads(d.channel_id, d.id), { body: { name, auto_archive_duration: AUTO_ARCHIVE_MINUTES } })
      .catch((e: unknown) => {
        if (e instanceof DiscordAPIError && e.code === THREAD_EXISTS) return { id: d.id };
        throw e;
      })) as Pick<APIChannel, "id">;
    if (thread.id !== d.id)
      log.warn({ thread: thread.id, message: d.id }, "discord thread id differs from its message's; replies may miss it");
    await rest.post(Routes.channelMessages(thread.id), {
      body: { content: `🎫 ${key}: thanks, the team has it. Replies in this thread reach them.`, allowed_mentions: { parse: [] } },
    });
  }

  async function received(inbox: InboxChannel, d: InboxMessage, root: { channelId: string; rootId: string } | null) {
    if (!d.content?.trim() && !d.attachments?.length && !d.embeds?.length) return; // a sticker, a poll: nothing to answer
    const message: ChatMessageIn = {
      platform: "discord",
      channelId: root?.channelId ?? d.channel_id,
      messageId: d.id,
      threadId: root?.rootId,
      userId: d.author.id,
      userName: nameOf(d),
      text: messageText(d as ResolvedMessage),
    };
    const actor = await team(d);
    if (actor) {
      if (!root) return; // the team's own top-level talk is not a conversation
      await services.chatInbox.teamSaid(actor, message).catch((e: unknown) => {
        // a viewer, or an agent on someone else's ticket: talking in the thread, not answering it
        if (!(e instanceof PermissionError)) throw e;
      });
      return;
    }
    const got = await services.chatInbox.customerSaid(inbox, message);
    log.info({ outcome: got.outcome, channel: d.channel_id }, "customer message in an inbox channel");
    if (got.outcome === "opened") await startThread(inbox.workspaceId, d, got.ticket);
  }

  return {
    /** A message in a channel: false when the channel is no inbox (the inbox of another server's workspace is none). */
    async inChannel(d: InboxMessage): Promise<boolean> {
      const inbox = await services.chatInbox.find("discord", d.channel_id);
      if (!inbox) return false;
      if ((await services.identity.existingWorkspace("discord", d.guild_id)) === inbox.workspaceId) await received(inbox, d, null);
      return true;
    },
    /** A message in a ticket's thread: false when the thread is not one started on a customer's message. */
    async inThread(workspaceId: string, d: InboxMessage): Promise<boolean> {
      const root = await services.chatInbox.threadRoot(workspaceId, "discord", d.channel_id);
      if (!root) return false;
      const inbox = await services.chatInbox.find("discord", root.channelId);
      // a removed inbox: its tickets stay, but nothing more comes in through it (as on Slack)
      if (inbox?.workspaceId === workspaceId) await received(inbox, d, root);
      return true;
    },
  };
}
