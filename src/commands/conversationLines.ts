// A ticket's conversation on its card (ticket show, every surface): who said what and which way it went —
// ← from the customer, → to the customer (with whether it was sent), 🔒 internal notes.
import { b, s, type Span } from "../reply/reply.ts";
import { stamp } from "./ticketReplies.ts";
import type { ConversationLine } from "../domain/conversations/replies.ts";

const SHOWN_CHARS = 300;

export function conversationSpans(lines: ConversationLine[], total: number): Span[] {
  const head = total > lines.length ? `Conversation (last ${lines.length} of ${total})\n` : "Conversation\n";
  return [b(head), ...lines.map((m) => s(`${stamp(m.createdAt)} · ${lineOf(m)}\n`))];
}

function lineOf(m: ConversationLine): string {
  const text = m.text.replace(/\s+/g, " ").trim();
  const shown = text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 1)}…` : text;
  const files = Array.isArray(m.attachments) && m.attachments.length ? ` (📎 ${m.attachments.length})` : "";
  if (m.kind === "note") return `🔒 note by ${m.member?.name ?? "someone"}: ${shown}`;
  if (m.kind === "inbound") return `← ${m.contact?.name ?? "the customer"} (${m.channel}): ${shown}${files}`;
  return `→ ${m.member?.name ?? "the team"} (${m.channel}, ${delivery(m)}): ${shown}`;
}

function delivery(m: ConversationLine): string {
  if (m.delivery === "sent") return "sent";
  if (m.delivery === "failed") return `⚠️ not sent: ${m.deliveryError ?? "unknown error"}`;
  return "sending";
}
