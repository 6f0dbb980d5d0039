// The floor under a `log note` (issue #15 item 1): the rows InteractionService.log writes for a note on a contact
// — the lookup of the contact by its number, the Interaction, the contact's last touch, the AuditLog row and the
// DomainEvent row — as raw SQL through `pg`, one transaction each, at a fixed concurrency. Returns this process's
// CPU time per command (user + system), the figure the worker's CPU per command is compared with.
// The events are written already dispatched, so no worker's sweep picks them up and adds to what it measures.
import { randomUUID } from "node:crypto";
import pg from "pg";

export async function logNoteFloorCpuMs(url: string, opts: { commands: number; warmup?: number; concurrency?: number }): Promise<number> {
  const concurrency = opts.concurrency ?? 8;
  const pool = new pg.Pool({ connectionString: url, max: concurrency });
  try {
    const { rows } = await pool.query<{ workspaceId: string; number: number; memberId: string }>(
      `SELECT c."workspaceId", c.number, m.id AS "memberId" FROM "Contact" c JOIN "Member" m ON m."workspaceId" = c."workspaceId"
       ORDER BY c.number, m."createdAt" LIMIT 1`,
    );
    if (!rows[0]) throw new Error("log note floor: no contact to log against");
    const { workspaceId: ws, number, memberId } = rows[0];
    const one = async (i: number) => {
      const c = await pool.connect();
      try {
        await c.query("BEGIN");
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
        await c.query("COMMIT");
      } catch (e) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    };
    const run = async (n: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < n) await one(next++);
        }),
      );
    };
    await run(opts.warmup ?? 100);
    const c0 = process.cpuUsage();
    await run(opts.commands);
    const cpu = process.cpuUsage(c0);
    return (cpu.user + cpu.system) / 1000 / opts.commands;
  } finally {
    await pool.end();
  }
}
