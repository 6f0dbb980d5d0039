// A deal's stage change written in one SQL statement: the command's claim, the conditional update, the
// DealStageChange row, the audit row and the deal.moved / won / lost event — all or nothing, as a single
// statement is its own transaction. These are the rows DealService.moveIn writes through Prisma in a
// transaction of four statements (six round trips with BEGIN and COMMIT) after the runner's claim; a move
// was the costliest command of a team's load (bench/README.md, bench/slack-ack.ts). /crm undo keeps moveIn.
import { Prisma } from "../../generated/prisma/client.ts";
import type { InvocationClaim } from "../../errors.ts";
import { newId, utcTimestamp } from "../../db/ids.ts";
import type { Actor } from "../actor.ts";
import { eventActor, writtenEvent } from "../events/record.ts";
import type { RecordedEvent } from "../events/dispatcher.ts";
import { claimedCte, type RawSql } from "../interactions/oneStatement.ts";
import { moveChanges, moveEvent, type MoveFrom, type MoveTo, type MoveOptions } from "./moveRows.ts";

/**
 * The move and its event; "already run" when the claim was taken before, "changed" when the deal left `deal`'s
 * stage meanwhile (a concurrent move): nothing written but the claim in that case, as a failed command's claim.
 */
export async function moveInOneStatement(
  raw: RawSql,
  actor: Actor,
  deal: MoveFrom,
  to: MoveTo,
  opts: MoveOptions,
  now: Date,
  claim?: InvocationClaim,
): Promise<{ set: ReturnType<typeof moveChanges>; event: RecordedEvent } | "already run" | "changed"> {
  const ws = actor.workspaceId;
  const set = moveChanges(to, opts, now);
  const ev = moveEvent(deal, to, opts);
  const who = eventActor(actor);
  const eventId = newId();
  const at = utcTimestamp(now);
  const ts = (d: Date | null) => (d ? utcTimestamp(d) : null);
  const author = actor.memberId;
  const rows = await raw.$queryRaw<{ claimed: number; seq: string | null }[]>(Prisma.sql`
    WITH claimed AS (${claimedCte(ws, claim)}),
    u AS (
      UPDATE "Deal" SET "stageId" = ${set.stageId}, "stageEnteredAt" = ${ts(set.stageEnteredAt)}::timestamp(3),
        "closedAt" = ${ts(set.closedAt)}::timestamp(3), "lostReason" = ${set.lostReason}, "updatedAt" = ${at}::timestamp(3)
      WHERE "id" = ${deal.id} AND "workspaceId" = ${ws} AND "stageId" = ${deal.stageId} AND EXISTS (SELECT 1 FROM claimed)
      RETURNING "id"
    ),
    changed AS (
      INSERT INTO "DealStageChange" ("id", "workspaceId", "dealId", "fromStageId", "toStageId", "actorId", "at")
      SELECT ${newId()}, ${ws}, u."id", ${deal.stageId}, ${to.id}, ${author}, ${at}::timestamp(3) FROM u
    ),
    audited AS (
      INSERT INTO "AuditLog" ("id", "workspaceId", "actorId", "action", "entity", "entityId", "before", "after", "at")
      SELECT ${newId()}, ${ws}, ${author}, ${ev.action}, 'deal', u."id", ${JSON.stringify(ev.before)}::jsonb, ${JSON.stringify(ev.after)}::jsonb,
        ${at}::timestamp(3)
      FROM u
    ),
    e AS (
      INSERT INTO "DomainEvent" ("id", "workspaceId", "type", "recordKind", "recordId", "actorId", "data", "createdAt", "attempts")
      SELECT ${eventId}, ${ws}, ${ev.event.type}, 'deal', u."id", ${author}, ${JSON.stringify({ actor: who, ...ev.event.data })}::jsonb,
        ${at}::timestamp(3), 0
      FROM u
      RETURNING "seq"
    )
    SELECT (SELECT count(*) FROM claimed)::int AS "claimed", (SELECT "seq"::text FROM e) AS "seq"`);
  const row = rows[0];
  if (!row.claimed) return "already run";
  if (row.seq === null) return "changed";
  return { set, event: writtenEvent(ev.event, { id: eventId, seq: BigInt(row.seq), createdAt: now }, actor) };
}
