// Tickets from Discord messages, on both transports: the "Create ticket" message command (HTTP or
// gateway) and the 🎫 reaction (gateway). One ticket per message (messageKey discord:<channel>:<message>);
// a ticket opened from Discord (here or by /crm ticket new) gets its private support thread from the
// ticket.opened event, with the message's author (jobs/events/ticketThreads.ts).
import type { Actor } from "../../src/domain/actor.ts";
import type { Services } from "../../src/domain/services.ts";

/** The message command's name, as registered (register.ts) and as Discord sends it back. */
export const CREATE_TICKET_COMMAND = "Create ticket";
/** 🎫 ticket, 🎟️ admission tickets (with or without the emoji presentation selector) */
export const TICKET_EMOJI = new Set(["🎫", "🎟", "🎟️"]);

/** A message as Discord sends it (resolved.messages of a message command, GET /channels/{c}/messages/{m}). */
export interface ResolvedMessage {
  id: string;
  channel_id: string;
  content?: string;
  author?: { id: string; bot?: boolean };
  attachments?: unknown[];
  embeds?: { title?: string; description?: string }[];
}

export const messageKey = (channelId: string, messageId: string) => `discord:${channelId}:${messageId}`;
export const permalink = (guildId: string, channelId: string, messageId: string) =>
  `https://discord.com/channels/${guildId}/${channelId}/${messageId}`;

/** What to make a ticket of: the text, else an embed's, else a note that there was none. */
export function messageText(m: ResolvedMessage): string {
  const text = m.content?.trim() || [m.embeds?.[0]?.title, m.embeds?.[0]?.description].filter(Boolean).join("\n").trim();
  if (text) return text;
  return m.attachments?.length
    ? `(a message with ${m.attachments.length} attachment${m.attachments.length === 1 ? "" : "s"} and no text)`
    : "(a message without text)";
}

export function openTicketFromMessage(services: Services, actor: Actor, guildId: string, m: ResolvedMessage) {
  // the author wrote what the ticket is about: they belong in its thread even when not a known contact
  const author = m.author && !m.author.bot ? m.author.id : undefined;
  return services.ticketFromMessage(actor, {
    messageKey: messageKey(m.channel_id, m.id),
    text: messageText(m),
    permalink: permalink(guildId, m.channel_id, m.id),
    authorUserId: author,
  });
}
