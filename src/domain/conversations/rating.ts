// A customer rating a resolved ticket by answering its resolution notice with a number (mail or chat):
// "4", "5 ⭐", "3 - ok I guess". Only the requester's answer counts, once per ticket (CsatResponse), and a
// rating does not reopen the ticket; anything else they write does.
import type { Prisma, Ticket } from "../../generated/prisma/client.ts";

type Tx = Prisma.TransactionClient;

/** The rating a message gives (its first line is 1–5, alone or before a short comment), or null. */
export function ratingIn(text: string): number | null {
  const first =
    text
      .split("\n")
      .map((l) => l.trim())
      .find(Boolean) ?? "";
  const m = /^([1-5])(?:\s*(?:\/\s*5|stars?|⭐+))?(?:\s*[-–—:,.!]\s*.{0,200})?$/iu.exec(first);
  return m ? Number(m[1]) : null;
}

/** Records the requester's rating of a resolved ticket; false when this message is no rating (or not theirs). */
export async function rateFromMessage(tx: Tx, t: Ticket, contactId: string, text: string): Promise<boolean> {
  if (t.status !== "resolved" || t.requesterId !== contactId) return false;
  const rating = ratingIn(text);
  if (rating === null) return false;
  await tx.csatResponse.createMany({ data: [{ workspaceId: t.workspaceId, ticketId: t.id }], skipDuplicates: true });
  await tx.csatResponse.updateMany({
    where: { ticketId: t.id, workspaceId: t.workspaceId, rating: null },
    data: { rating, answeredAt: new Date(), comment: text.trim().slice(0, 500) },
  });
  return true;
}
