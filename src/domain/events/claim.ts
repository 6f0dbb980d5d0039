// The dispatcher's statements (dispatcher.ts). A handler's claim is one statement in the handler's own
// transaction: it inserts the (event, handler) row, and for the event's last handler also marks the event
// dispatched, so the mark commits with that handler or not at all. When asked, the same statement first
// checks that no earlier event of the record waits (then it claims nothing and the caller goes back to
// dispatching those first).
import { Prisma, type PrismaClient } from "../../generated/prisma/client.ts";
import type { StoredEvent } from "./types.ts";

/** The handler's transaction, or the client itself for a claim that is its own statement (dispatcher.ts's `outside`). */
type Tx = Pick<Prisma.TransactionClient, "$queryRaw">;

/** Failures after which the sweep stops retrying an event (its lastError says why). */
export const MAX_ATTEMPTS = 20;

/** An event as written: what a handler receives, and its commit order within its record. */
export type RecordedEvent = StoredEvent & { seq: bigint };

// Prisma writes DateTime columns (timestamp without time zone) in UTC
const NOW = Prisma.raw(`(now() AT TIME ZONE 'UTC')`);

export type Claim = "claimed" | "taken" | "earlier";

export async function claimHandler(
  tx: Tx,
  e: Pick<RecordedEvent, "id" | "seq" | "workspaceId" | "recordKind" | "recordId">,
  handler: string,
  opts: { last: boolean; checkEarlier: boolean },
): Promise<Claim> {
  const [row] = await tx.$queryRaw<{ earlier: number; claimed: number }[]>`
    WITH earlier AS (
      SELECT 1 FROM "DomainEvent"
      WHERE ${opts.checkEarlier}::boolean AND "workspaceId" = ${e.workspaceId} AND "recordKind" = ${e.recordKind}
        AND "recordId" = ${e.recordId} AND "seq" < ${e.seq}::bigint AND "dispatchedAt" IS NULL AND "attempts" < ${MAX_ATTEMPTS}::int
      LIMIT 1
    ), claimed AS (
      INSERT INTO "DomainEventHandled" ("eventId", "handler", "workspaceId", "doneAt")
      SELECT ${e.id}, ${handler}, ${e.workspaceId}, ${NOW} WHERE NOT EXISTS (SELECT 1 FROM earlier)
      ON CONFLICT DO NOTHING
      RETURNING 1
    ), done AS (
      -- after the claim (which waits for another dispatcher's claim of the same handler): every handler's row exists now
      UPDATE "DomainEvent" SET "dispatchedAt" = ${NOW}
      WHERE ${opts.last}::boolean AND "id" = ${e.id} AND "workspaceId" = ${e.workspaceId} AND "dispatchedAt" IS NULL
        AND NOT EXISTS (SELECT 1 FROM earlier) AND (SELECT count(*) FROM claimed) >= 0
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM earlier)::int AS "earlier", (SELECT count(*) FROM claimed)::int AS "claimed",
      (SELECT count(*) FROM done)::int AS "done"`;
  if (row.earlier) return "earlier";
  return row.claimed ? "claimed" : "taken";
}

/**
 * claimHandler for several (event, handler) pairs — every handler of each event — in one statement (the
 * caller's transaction then runs those handlers): returns the pairs it claimed (`claimKey`) and the events
 * that must wait for an earlier event of their record outside the batch (claimed nothing: the caller
 * dispatches them one by one; an earlier one inside the batch is claimed with it, and the caller runs the
 * batch in seq order). The events are marked dispatched with their claims.
 */
/** A pair claimEach claimed: `${eventId}|${handler}`. */
export const claimKey = (eventId: string, handler: string) => `${eventId}|${handler}`;

export async function claimEach(
  tx: Tx,
  batch: { event: Pick<RecordedEvent, "id" | "seq" | "workspaceId" | "recordKind" | "recordId">; handler: string }[],
): Promise<{ claimed: Set<string>; earlier: Set<string> }> {
  const col = <T>(f: (x: (typeof batch)[number]) => T) => batch.map(f);
  const [row] = await tx.$queryRaw<{ earlier: string[]; claimed: string[] }[]>`
    WITH ev AS (
      SELECT * FROM unnest(${col((x) => x.event.id)}::text[], ${col((x) => x.event.workspaceId)}::text[],
        ${col((x) => x.event.recordKind)}::text[], ${col((x) => x.event.recordId)}::text[],
        ${col((x) => String(x.event.seq))}::bigint[], ${col((x) => x.handler)}::text[]) AS ev(id, ws, kind, rid, seq, handler)
    ), earlier AS (
      SELECT DISTINCT ev.id FROM ev WHERE EXISTS (
        SELECT 1 FROM "DomainEvent" d
        WHERE d."workspaceId" = ev.ws AND d."recordKind" = ev.kind AND d."recordId" = ev.rid AND d."seq" < ev.seq
          AND d."dispatchedAt" IS NULL AND d."attempts" < ${MAX_ATTEMPTS}::int
          -- an earlier event of the same batch is no hindrance: it is claimed here too, and its handlers run first
          AND d."id" NOT IN (SELECT id FROM ev))
    ), claimed AS (
      INSERT INTO "DomainEventHandled" ("eventId", "handler", "workspaceId", "doneAt")
      SELECT ev.id, ev.handler, ev.ws, ${NOW} FROM ev WHERE ev.id NOT IN (SELECT id FROM earlier) ORDER BY ev.seq
      ON CONFLICT DO NOTHING
      RETURNING "eventId", "handler"
    ), done AS (
      UPDATE "DomainEvent" d SET "dispatchedAt" = ${NOW} FROM (SELECT DISTINCT id, ws FROM ev) ev
      WHERE d."id" = ev.id AND d."workspaceId" = ev.ws AND d."dispatchedAt" IS NULL AND ev.id NOT IN (SELECT id FROM earlier)
        AND (SELECT count(*) FROM claimed) >= 0
      RETURNING d."id"
    )
    SELECT coalesce((SELECT array_agg(id) FROM earlier), '{}') AS "earlier",
      coalesce((SELECT array_agg("eventId" || '|' || "handler") FROM claimed), '{}') AS "claimed", (SELECT count(*) FROM done)::int AS "done"`;
  return { claimed: new Set(row.claimed), earlier: new Set(row.earlier) };
}

/** Events no handler reacts to: done as soon as they are seen. */
export async function markDispatched(db: PrismaClient, events: Pick<RecordedEvent, "id" | "workspaceId">[]): Promise<void> {
  if (!events.length) return;
  await db.$executeRaw`
    UPDATE "DomainEvent" SET "dispatchedAt" = ${NOW}
    WHERE "id" = ANY(${events.map((e) => e.id)}::text[]) AND "workspaceId" = ANY(${events.map((e) => e.workspaceId)}::text[])
      AND "dispatchedAt" IS NULL`;
}
