// Customers writing in a Discord channel made an inbox (/crm inbox add #channel): anyone who is not on the
// team (no member of the CRM, no server role the role map names) is a customer. Their top-level message
// opens a ticket, and a worker starts a public thread on it, named after the ticket, with the key
// (adapters/discord/customerThreads.ts, asked by the ticket's ticket.opened: retried until Discord takes it,
// and done even when this process dies right after the commit); their messages in that thread join the
// ticket (and reopen it, or rate it after the resolution notice); a member writing there answers them (the
// first response). Pleasantries open nothing. Nothing a customer writes runs a command.
// A thread started on a message shares the message's id (Discord's docs), so the ticket records its thread
// as it opens, before the thread exists, and /crm reply, addressed to the root message, posts into the thread.
// A forum channel made an inbox: a customer's new post is a ticket and the post (a thread whose first
// message has the thread's id) is its thread; the post's title is the ticket's subject; the worker says the
// key in it.
import "./loadFirst.ts"; // before discord.js: see loadFirst.ts
import type { REST } from "@discordjs/rest";
import { Routes, type APIChannel, type APIMessage } from "discord.js";
import type { ChatMessageIn } from "../../src/domain/conversations/chat.ts";
import type { Services } from "../../src/domain/services.ts";
import { PermissionError } from "../../src/errors.ts";
import type { Logger } from "../../src/log.ts";
import { messageText, type ResolvedMessage } from "./tickets.ts";

export type InboxMessage = APIMessage & { guild_id: string; member?: { nick?: string | null; roles?: string[] } };

/** A gateway THREAD_CREATE, as far as a forum post goes. */
export interface ThreadCreate {
  id: string;
  parent_id?: string | null;
  name?: string;
}
interface ForumPost {
  forumId: string;
  title: string;
}

type InboxChannel = NonNullable<Awaited<ReturnType<Services["chatInbox"]["find"]>>>;

export function customerInbox(services: Services, rest: REST, log: Logger) {
  /** Threads just created (THREAD_CREATE comes before their first message): parent and title, briefly. */
  const created = new Map<string, ForumPost>();
  const nameOf = (d: InboxMessage) => d.member?.nick || d.author.global_name || d.author.username || d.author.id;
  const team = (d: InboxMessage) =>
    services.identity.knownMember({
      platform: "discord",
      externalId: d.guild_id,
      userId: d.author.id,
      userName: nameOf(d),
      platformRoles: Array.isArray(d.member?.roles) ? d.member.roles.slice(0, 250) : undefined,
    });

  async function received(inbox: InboxChannel, d: InboxMessage, root: { channelId: string; rootId: string } | null, post?: ForumPost) {
    if (!d.content?.trim() && !d.attachments?.length && !d.embeds?.length) return; // a sticker, a poll: nothing to answer
    const text = messageText(d as ResolvedMessage);
    const message: ChatMessageIn = {
      platform: "discord",
      channelId: root?.channelId ?? post?.forumId ?? d.channel_id,
      messageId: d.id,
      threadId: root?.rootId,
      userId: d.author.id,
      userName: nameOf(d),
      text: post?.title.trim() ? `${post.title.trim()}\n\n${text}` : text,
      // a top-level message: should it open a ticket, a worker starts its thread (or greets the post)
      inboxThread: root ? undefined : post ? "post" : "message",
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
  }

  /** Where a thread was opened and its title: from its THREAD_CREATE, or asked of Discord. */
  async function postOf(threadId: string): Promise<ForumPost | null> {
    const known = created.get(threadId);
    if (known) return known;
    const channel = (await rest.get(Routes.channel(threadId))) as Pick<APIChannel, "id" | "name"> & { parent_id?: string | null };
    return channel.parent_id ? { forumId: channel.parent_id, title: channel.name ?? "" } : null;
  }

  return {
    /** Remembers a new thread's parent and title for its first message (a forum post's). */
    threadCreated(d: ThreadCreate) {
      if (!d.id || !d.parent_id) return;
      if (created.size >= 1000) created.delete(created.keys().next().value!);
      created.set(d.id, { forumId: d.parent_id, title: d.name ?? "" });
    },
    /**
     * A forum post's first message (its id is the post's, which is a thread): a ticket when the forum is an
     * inbox of the server's workspace and the author a customer. False for any other message.
     */
    async forumPost(d: InboxMessage): Promise<boolean> {
      if (d.id !== d.channel_id) return false;
      const post = await postOf(d.channel_id);
      created.delete(d.channel_id);
      const inbox = post && (await services.chatInbox.find("discord", post.forumId));
      if (!post || !inbox) return false;
      if ((await services.identity.existingWorkspace("discord", d.guild_id)) === inbox.workspaceId) await received(inbox, d, null, post);
      return true;
    },
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
