// `assign:auto`: the on-call member with the fewest unresolved tickets, then the least recently assigned.
// One advisory lock per workspace serialises the pick and the assignment, so concurrent auto-assigns
// each see the previous one's ticket and spread evenly.
import { UserInputError } from "../../errors.ts";
import type { Member, Prisma } from "../../generated/prisma/client.ts";

type Tx = Prisma.TransactionClient;

/** Call inside the transaction that writes the assignment; the lock is held until it commits. */
export async function pickOnCall(tx: Tx, workspaceId: string, now: Date, ignoreTicketId?: string): Promise<Member> {
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${workspaceId} || ':assign'))::text AS locked`;
  // the ticket being reassigned does not count against anyone
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT m."id"
    FROM "Member" m
    LEFT JOIN "Ticket" t ON t."assigneeId" = m."id" AND t."workspaceId" = m."workspaceId"
      AND t."status" <> 'resolved' AND t."id" <> ${ignoreTicketId ?? ""}
    WHERE m."workspaceId" = ${workspaceId} AND m."onCall" AND m."role" IN ('agent', 'manager', 'admin')
    GROUP BY m."id", m."lastAssignedAt", m."createdAt"
    ORDER BY count(t."id") ASC, m."lastAssignedAt" ASC NULLS FIRST, m."createdAt" ASC, m."id" ASC
    LIMIT 1`;
  if (!rows.length) {
    throw new UserInputError(
      "Nobody is on call, so auto-assign has no one to pick. An agent can go on call with /crm oncall on, or assign someone by name.",
    );
  }
  return tx.member.update({ where: { id: rows[0].id }, data: { lastAssignedAt: now } });
}
