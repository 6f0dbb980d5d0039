// A ticket from a chat message (🎫 reaction, "Create ticket from message"): one ticket per message,
// however many people react or however often the platform retries.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Actor } from "../actor.ts";
import type { TicketService, TicketWithPeople } from "./service.ts";

export interface MessageSource {
  /** platform-unique message key, e.g. "slack:C123:1599529504.000400" */
  messageKey: string;
  text: string;
  permalink?: string;
  /** the message author's platform user id: linked as requester when they are a known contact */
  authorUserId?: string;
}

const subjectOf = (text: string) => {
  const line =
    text
      .split("\n")
      .map((l) => l.trim())
      .find(Boolean) ?? "Message from chat";
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
};

export async function ticketFromMessage(
  db: PrismaClient,
  tickets: TicketService,
  actor: Actor,
  m: MessageSource,
): Promise<{ ticket: TicketWithPeople; created: boolean }> {
  const existing = () =>
    db.ticket.findFirst({
      where: { workspaceId: actor.workspaceId, sourceMessageKey: m.messageKey },
      include: { assignee: true, requester: true },
    });
  const found = await existing();
  if (found) return { ticket: found, created: false };
  const field = actor.platform === "discord" ? "discordUserId" : "slackUserId";
  const requester = m.authorUserId
    ? await db.contact.findFirst({ where: { workspaceId: actor.workspaceId, [field]: m.authorUserId }, select: { number: true } })
    : null;
  try {
    const ticket = await tickets.open(actor, {
      subject: subjectOf(m.text),
      description: m.text.slice(0, 4000),
      sourcePermalink: m.permalink,
      sourceMessageKey: m.messageKey,
      sourceAuthorUserId: m.authorUserId,
      contact: requester ? `C-${requester.number}` : undefined,
    });
    return { ticket, created: true };
  } catch (e) {
    if ((e as { code?: string }).code !== "P2002") throw e;
    const again = await existing(); // another reaction won the race
    if (!again) throw e;
    return { ticket: again, created: false };
  }
}
