// An interaction on a contact, company or deal written in one SQL statement: the record's links, the row,
// the contact's last touch, the audit row and the interaction.logged event — all or nothing, as a single
// statement is its own transaction. These are the rows InteractionService.logIn writes through Prisma in
// eight statements and a transaction; `/crm log` is the command a team runs most, and each statement
// through Prisma costs a worker several times what PostgreSQL spends on it (bench/README.md,
// bench/slack-ack.ts). A ticket's log keeps logIn: it may answer the ticket and restart its clock.
import { Prisma, type Interaction, type PrismaClient } from "../../generated/prisma/client.ts";
import { randomUUID } from "node:crypto";
import type { InvocationClaim } from "../../errors.ts";
import { newId, utcTimestamp } from "../../db/ids.ts";
import type { Actor } from "../actor.ts";
import { eventActor, writtenEvent } from "../events/record.ts";
import type { RecordedEvent } from "../events/dispatcher.ts";
import type { InteractionKind, Platform } from "../../generated/prisma/enums.ts";

/** Raw SQL on the pool (OpenedDb.rawSql: prepared statements on pg; Prisma itself on PGlite). */
export type RawSql = Pick<PrismaClient, "$queryRaw">;

export type LinkedKind = "contact" | "company" | "deal";

/** What is logged (service.ts's LogInput without its reference). */
export interface LogWhat {
  kind: InteractionKind;
  summary: string;
  when?: Date;
  source?: Platform;
  permalink?: string;
}

/** Which record: by id (found already), or by the number of the key the user typed (C-12). */
export type Which = { id: string } | { number: number };

const where = (alias: string, which: Which, ws: string) =>
  "id" in which
    ? Prisma.sql`${Prisma.raw(alias)}."id" = ${which.id} AND ${Prisma.raw(alias)}."workspaceId" = ${ws}`
    : Prisma.sql`${Prisma.raw(alias)}."workspaceId" = ${ws} AND ${Prisma.raw(alias)}."number" = ${which.number}`;

/**
 * The record (its id, number and name, as refs.ts's lookup of a key gives them: archived ones too) and its
 * links, as logIn's relatedLinks finds them: one row, or none when there is no such record.
 */
function links(kind: LinkedKind, which: Which, ws: string): Prisma.Sql {
  switch (kind) {
    case "contact":
      return Prisma.sql`SELECT x."id" AS "recordId", x."number", x."name" AS "label", x."id" AS "contactId", x."companyId", NULL::text AS "dealId"
        FROM "Contact" x WHERE ${where("x", which, ws)}`;
    case "company":
      return Prisma.sql`SELECT x."id" AS "recordId", x."number", x."name" AS "label", NULL::text AS "contactId", x."id" AS "companyId", NULL::text AS "dealId"
        FROM "Company" x WHERE ${where("x", which, ws)}`;
    case "deal":
      return Prisma.sql`SELECT x."id" AS "recordId", x."number", x."title" AS "label", x."contactId", COALESCE(x."companyId", c."companyId") AS "companyId", x."id" AS "dealId"
        FROM "Deal" x LEFT JOIN "Contact" c ON c."id" = x."contactId" WHERE ${where("x", which, ws)}`;
  }
}

interface Row {
  claimed: number;
  recordId: string | null;
  number: number;
  label: string;
  contactId: string | null;
  companyId: string | null;
  dealId: string | null;
  seq: string;
}

/** A one-statement write's claim of its command's invocation (ProcessedEvents): a row when taken now, none when taken before. */
export const claimedCte = (ws: string, claim?: InvocationClaim): Prisma.Sql =>
  claim
    ? Prisma.sql`INSERT INTO "ProcessedEvent" ("id", "workspaceId", "source", "eventKey")
        VALUES (${randomUUID()}, ${ws}, ${claim.source}::"Platform", ${claim.key})
        ON CONFLICT ("workspaceId", "source", "eventKey") DO NOTHING RETURNING 1`
    : Prisma.sql`SELECT 1`;

/**
 * The interaction and its event, and the record it is on; null when there is no such record, "already run"
 * when the claim (the command's invocation, ProcessedEvents) was taken before: nothing written either way.
 */
export async function logInOneStatement(
  raw: RawSql,
  actor: Actor,
  target: { kind: LinkedKind; which: Which; key: string },
  input: LogWhat,
  now: Date,
  claim?: InvocationClaim,
): Promise<
  { interaction: Interaction; event: RecordedEvent; record: { id: string; number: number; label: string } } | null | "already run"
> {
  const ws = actor.workspaceId;
  const id = newId();
  const eventId = newId();
  const summary = input.summary.trim();
  const occurredAt = input.when ?? now;
  const occ = utcTimestamp(occurredAt);
  const at = utcTimestamp(now);
  const source = input.source ?? actor.platform;
  const author = actor.memberId;
  const who = eventActor(actor);
  // what logIn's audit row and event hold; the links come from the statement's own read of the record
  const unlinked = {
    id,
    workspaceId: ws,
    kind: input.kind,
    summary,
    occurredAt,
    authorId: author,
    ticketId: null,
    source,
    permalink: input.permalink ?? null,
    createdAt: now,
  };
  const after = { ...unlinked, record: target.key };
  const data = { actor: who, kind: input.kind, ticketId: null };
  const rows = await raw.$queryRaw<Row[]>(Prisma.sql`
    WITH claimed AS (${claimedCte(ws, claim)}),
    l AS (SELECT * FROM (${links(target.kind, target.which, ws)}) x WHERE EXISTS (SELECT 1 FROM claimed)),
    i AS (
      INSERT INTO "Interaction" ("id", "workspaceId", "kind", "summary", "occurredAt", "authorId", "contactId", "companyId", "dealId", "ticketId", "source", "permalink", "createdAt")
      SELECT ${id}, ${ws}, ${input.kind}::"InteractionKind", ${summary}, ${occ}::timestamp(3), ${author}, l."contactId", l."companyId", l."dealId", NULL, ${source}::"Platform", ${input.permalink ?? null}, ${at}::timestamp(3)
      FROM l
      RETURNING "contactId", "companyId", "dealId"
    ),
    touched AS (
      -- a backdated entry never moves "last touched" backwards
      UPDATE "Contact" SET "lastInteractionAt" = ${occ}::timestamp(3), "updatedAt" = ${at}::timestamp(3)
      WHERE "id" = (SELECT "contactId" FROM i) AND "workspaceId" = ${ws} AND ("lastInteractionAt" IS NULL OR "lastInteractionAt" < ${occ}::timestamp(3))
    ),
    audited AS (
      INSERT INTO "AuditLog" ("id", "workspaceId", "actorId", "action", "entity", "entityId", "after", "at")
      SELECT ${newId()}, ${ws}, ${author}, 'interaction.log', 'interaction', ${id},
        ${JSON.stringify(after)}::jsonb || jsonb_build_object('contactId', i."contactId", 'companyId', i."companyId", 'dealId', i."dealId"), ${at}::timestamp(3)
      FROM i
    ),
    e AS (
      INSERT INTO "DomainEvent" ("id", "workspaceId", "type", "recordKind", "recordId", "actorId", "data", "createdAt", "attempts")
      SELECT ${eventId}, ${ws}, 'interaction.logged', 'interaction', ${id}, ${author},
        ${JSON.stringify(data)}::jsonb || jsonb_build_object('contactId', i."contactId", 'companyId', i."companyId", 'dealId', i."dealId"), ${at}::timestamp(3), 0
      FROM i
      RETURNING "seq"
    )
    SELECT (SELECT count(*) FROM claimed)::int AS "claimed", r.*
    FROM (SELECT 1) one LEFT JOIN (
      SELECT l."recordId", l."number", l."label", i."contactId", i."companyId", i."dealId", e."seq"::text AS "seq" FROM l, i, e
    ) r ON true`);
  const row = rows[0];
  if (!row.claimed) return "already run";
  if (!row.recordId) return null;
  const linked = { contactId: row.contactId, companyId: row.companyId, dealId: row.dealId };
  const interaction: Interaction = { ...unlinked, ...linked };
  const event = writtenEvent(
    { type: "interaction.logged", recordKind: "interaction", recordId: id, data: { kind: input.kind, ...linked, ticketId: null } },
    { id: eventId, seq: BigInt(row.seq), createdAt: now },
    actor,
  );
  return { interaction, event, record: { id: row.recordId, number: Number(row.number), label: row.label } };
}
