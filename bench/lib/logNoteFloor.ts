// The floor under a `log note` (issue #15 item 1): the rows InteractionService.log writes for a note on a contact
// — the lookup of the contact by its number, the Interaction, the contact's last touch, the AuditLog row and the
// DomainEvent row — as raw SQL through `pg`, one transaction each, at a fixed concurrency. Returns this process's
// CPU time per command (user + system), the figure the worker's CPU per command is compared with.
// The events are written already dispatched, so no worker's sweep picks them up and adds to what it measures.
import { randomUUID } from "node:crypto";
import { sqlFloorCpuMs, type FloorOptions } from "./sqlFloor.ts";

export async function logNoteFloorCpuMs(url: string, opts: FloorOptions): Promise<number> {
  return sqlFloorCpuMs(
    url,
    opts,
    async (pool) => {
      const { rows } = await pool.query<{ workspaceId: string; number: number; memberId: string }>(
        `SELECT c."workspaceId", c.number, m.id AS "memberId" FROM "Contact" c JOIN "Member" m ON m."workspaceId" = c."workspaceId"
         ORDER BY c.number, m."createdAt" LIMIT 1`,
      );
      if (!rows[0]) throw new Error("log note floor: no contact to log against");
      return rows[0];
    },
    async (c, { workspaceId: ws, number, memberId }, i) => {
      const hit = await c.query<{ id: string; companyId: string | null }>(
        `SELECT id, "companyId" FROM "Contact" WHERE "workspaceId" = $1 AND number = $2`,
        [ws, number],
      );
      const contact = hit.rows[0];
      const id = randomUUID(),
        now = new Date(),
        summary = `floor note ${i}`;
      await c.query(
        `INSERT INTO "Interaction" (id, "workspaceId", kind, summary, "occurredAt", "authorId", "contactId", "companyId", source)
         VALUES ($1, $2, 'note', $3, $4, $5, $6, $7, 'slack')`,
        [id, ws, summary, now, memberId, contact.id, contact.companyId],
      );
      await c.query(
        `UPDATE "Contact" SET "lastInteractionAt" = $3 WHERE id = $1 AND "workspaceId" = $2
           AND ("lastInteractionAt" IS NULL OR "lastInteractionAt" < $3)`,
        [contact.id, ws, now],
      );
      await c.query(
        `INSERT INTO "AuditLog" (id, "workspaceId", "actorId", action, entity, "entityId", after) VALUES ($1, $2, $3, 'interaction.log', 'interaction', $4, $5)`,
        [randomUUID(), ws, memberId, id, JSON.stringify({ id, kind: "note", summary, occurredAt: now, contactId: contact.id })],
      );
      await c.query(
        `INSERT INTO "DomainEvent" (id, "workspaceId", type, "recordKind", "recordId", "actorId", data, "dispatchedAt")
         VALUES ($1, $2, 'interaction.logged', 'interaction', $3, $4, $5, now())`,
        [randomUUID(), ws, id, memberId, JSON.stringify({ actor: { memberId, platform: "slack" }, kind: "note", contactId: contact.id })],
      );
    },
  );
}
