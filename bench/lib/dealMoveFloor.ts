// The floor under a `deal move` (issue #15 item 1): what DealService.move reads and writes for a move between two
// open stages — the deal by its number with its stage, the target stage by name, the conditional update of the
// deal (stage, stageEnteredAt, closedAt, lostReason, updatedAt), the DealStageChange row, the AuditLog row and the
// DomainEvent row (deal.moved) — as raw SQL through `pg`, one transaction each, at a fixed concurrency, each move by
// the deal's owner. Returns this process's CPU time per command (user + system). Each lane of the floor has deals of
// its own, taken in turn, each moved to the open stage after its own (cyclically): two moves of one deal are never in
// flight together (a lane stalled on a commit while the others went round all the deals once found its deal moved).
// The events are written already dispatched, so no worker's sweep picks them up and adds to what it measures.
import { randomUUID } from "node:crypto";
import { sqlFloorCpuMs, type FloorOptions } from "./sqlFloor.ts";

interface Ctx {
  ws: string;
  pipelineId: string;
  open: string[];
  /** each lane's deals (by number), and how many moves each lane has made */
  lanes: number[][];
  turns: number[];
}

export async function dealMoveFloorCpuMs(url: string, opts: FloorOptions): Promise<number> {
  return sqlFloorCpuMs<Ctx>(
    url,
    opts,
    async (pool, concurrency) => {
      const { rows: deals } = await pool.query<{ workspaceId: string; pipelineId: string; number: number }>(
        `SELECT d."workspaceId", d."pipelineId", d.number FROM "Deal" d JOIN "Stage" s ON s.id = d."stageId"
         WHERE d."archivedAt" IS NULL AND d."ownerId" IS NOT NULL AND NOT s."isWon" AND NOT s."isLost" ORDER BY d.number`,
      );
      const ws = deals[0]?.workspaceId;
      const mine = deals.filter((d) => d.workspaceId === ws && d.pipelineId === deals[0].pipelineId);
      if (mine.length < concurrency) throw new Error(`deal move floor: ${mine.length} open deals, need ${concurrency}`);
      const { rows: stages } = await pool.query<{ name: string }>(
        `SELECT name FROM "Stage" WHERE "workspaceId" = $1 AND "pipelineId" = $2 AND NOT "isWon" AND NOT "isLost" ORDER BY position`,
        [ws, mine[0].pipelineId],
      );
      const lanes = Array.from({ length: concurrency }, (_, lane) => mine.filter((_, k) => k % concurrency === lane).map((d) => d.number));
      return { ws, pipelineId: mine[0].pipelineId, open: stages.map((s) => s.name), lanes, turns: lanes.map(() => 0) };
    },
    async (c, { ws, pipelineId, open, lanes, turns }, _i, lane) => {
      const own = lanes[lane];
      const { rows } = await c.query<{
        id: string;
        number: number;
        stageId: string;
        contactId: string | null;
        ownerId: string;
        ownerName: string;
        ownerSlack: string | null;
        stage: string;
      }>(
        `SELECT d.id, d.number, d."stageId", d."contactId", d."ownerId", m.name AS "ownerName", m."slackUserId" AS "ownerSlack", s.name AS stage
         FROM "Deal" d JOIN "Stage" s ON s.id = d."stageId" JOIN "Member" m ON m.id = d."ownerId"
         WHERE d."workspaceId" = $1 AND d.number = $2 AND d."archivedAt" IS NULL`,
        [ws, own[turns[lane]++ % own.length]],
      );
      const deal = rows[0];
      const toName = open[(open.indexOf(deal.stage) + 1) % open.length];
      const { rows: to } = await c.query<{ id: string; name: string }>(
        `SELECT id, name FROM "Stage" WHERE "workspaceId" = $1 AND "pipelineId" = $2 AND name = $3`,
        [ws, pipelineId, toName],
      );
      const now = new Date();
      const moved = await c.query(
        `UPDATE "Deal" SET "stageId" = $4, "stageEnteredAt" = $5, "closedAt" = NULL, "lostReason" = NULL, "updatedAt" = $5
         WHERE id = $1 AND "workspaceId" = $2 AND "stageId" = $3`,
        [deal.id, ws, deal.stageId, to[0].id, now],
      );
      if (moved.rowCount !== 1) throw new Error(`deal move floor: D-${deal.number} moved by someone else`);
      await c.query(
        `INSERT INTO "DealStageChange" (id, "workspaceId", "dealId", "fromStageId", "toStageId", "actorId") VALUES ($1, $2, $3, $4, $5, $6)`,
        [randomUUID(), ws, deal.id, deal.stageId, to[0].id, deal.ownerId],
      );
      await c.query(
        `INSERT INTO "AuditLog" (id, "workspaceId", "actorId", action, entity, "entityId", before, after)
         VALUES ($1, $2, $3, 'deal.move', 'deal', $4, $5, $6)`,
        [randomUUID(), ws, deal.ownerId, deal.id, JSON.stringify({ stage: deal.stage }), JSON.stringify({ stage: to[0].name })],
      );
      const actor = { memberId: deal.ownerId, name: deal.ownerName, platform: "slack", platformUserId: deal.ownerSlack };
      await c.query(
        `INSERT INTO "DomainEvent" (id, "workspaceId", type, "recordKind", "recordId", "actorId", data, "dispatchedAt")
         VALUES ($1, $2, 'deal.moved', 'deal', $3, $4, $5, now())`,
        [
          randomUUID(),
          ws,
          deal.id,
          deal.ownerId,
          JSON.stringify({
            actor,
            fromStageId: deal.stageId,
            toStageId: to[0].id,
            from: deal.stage,
            to: to[0].name,
            contactId: deal.contactId,
            lostReason: null,
            via: "move",
          }),
        ],
      );
    },
  );
}
