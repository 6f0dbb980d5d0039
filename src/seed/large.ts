// `npm run seed -- --scale large`: one workspace ("Large Co") with 100k contacts, 5k companies, 50k deals
// and their stage history, 1M interactions and 100k tickets, for benches and for trying the digest at size.
// Every table is filled by one INSERT … SELECT over generate_series inside one transaction: the rows never
// travel through Node. Ids are md5 of (workspace, kind, number), so a deal's stage changes, an
// interaction's deal or a contact's company can be computed instead of joined. setseed() makes it repeatable.
import type { PrismaClient, Prisma } from "../generated/prisma/client.ts";
import { createWorkspaceDefaults } from "../domain/workspaces/defaults.ts";
import { audit } from "../domain/audit.ts";
import { COMPANIES, DEAL_KINDS, FIRST_NAMES, LAST_NAMES, LOST_REASONS, SUMMARIES, TICKET_SUBJECTS, TITLES } from "./data.ts";

export const LARGE_WORKSPACE = "Large Co";

export interface LargeScale {
  contacts: number;
  companies: number;
  deals: number;
  interactions: number;
  tickets: number;
  members: number;
}
export const LARGE: LargeScale = {
  contacts: 100_000,
  companies: 5_000,
  deals: 50_000,
  interactions: 1_000_000,
  tickets: 100_000,
  members: 12,
};

export interface LargeSeedOptions {
  reset?: boolean;
  now?: Date;
  name?: string;
  scale?: Partial<LargeScale>;
  seed?: number;
  onStep?: (label: string, ms: number) => void;
}
export interface LargeSeedResult {
  status: "created" | "exists";
  workspaceId: string;
  name: string;
  deleted: number;
  counts: {
    members: number;
    companies: number;
    contacts: number;
    deals: number;
    stageChanges: number;
    interactions: number;
    tickets: number;
  };
  ms: number;
}

/**
 * A cuid-shaped id (25 characters) for row n of a kind in a workspace, computable anywhere in the SQL. Like
 * real cuids it grows with creation order, so primary-key inserts append instead of landing at random.
 */
const idSql = (kind: string, n: string) => `('c' || substr(md5($1), 1, 8) || '${kind}' || lpad((${n})::text, 15, '0'))`;
/** Row g of n created over the last `days`, in creation order (keys, times and the heap follow each other, as they do in life). */
const overTime = (g: string, n: string, days: number) =>
  `($2::timestamp - interval '${days} days' * (1 - (${g} - 1 + random()) / ${n}::int))`;

export async function seedLarge(prisma: PrismaClient, opts: LargeSeedOptions = {}): Promise<LargeSeedResult> {
  const name = opts.name ?? LARGE_WORKSPACE;
  const scale = { ...LARGE, ...opts.scale };
  const now = opts.now ?? new Date();
  const started = performance.now();
  const result: LargeSeedResult = await prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`seed:${name}`}))`;
      const existing = await tx.workspace.findMany({ where: { name }, select: { id: true } });
      if (existing.length && !opts.reset)
        return {
          ...(await counts(tx, existing[0].id)),
          status: "exists",
          workspaceId: existing[0].id,
          name,
          deleted: 0,
          ms: performance.now() - started,
        };
      for (const w of existing) {
        await tx.deal.deleteMany({ where: { workspaceId: w.id } });
        await tx.workspace.delete({ where: { id: w.id } });
      }
      const ws = await tx.workspace.create({ data: { name, createdAt: new Date(now.getTime() - 400 * 86_400_000) } });
      await createWorkspaceDefaults(tx, ws.id);
      const stages = await tx.stage.findMany({ where: { workspaceId: ws.id }, orderBy: { position: "asc" } });
      const open = stages.filter((s) => !s.isWon && !s.isLost).map((s) => s.id);
      const won = stages.find((s) => s.isWon)!.id,
        lost = stages.find((s) => s.isLost)!.id;
      const pipelineId = stages[0].pipelineId;

      // each table is analyzed right after its insert: later steps join it, and without statistics the
      // planner picks nested loops over what it believes are empty tables
      const step = async (table: string, sql: string, ...params: unknown[]) => {
        const t = performance.now();
        await tx.$executeRawUnsafe(sql, ws.id, ...params);
        await tx.$executeRawUnsafe(`ANALYZE "${table}"`);
        opts.onStep?.(table, performance.now() - t);
      };
      // random() below is repeatable within this transaction; the generated rows reference each other by formula
      await tx.$executeRawUnsafe(`SELECT setseed(${(opts.seed ?? 0.42) % 1})`);
      // the rows are consistent by construction: skip per-row FK triggers when allowed (superuser), else keep them
      await tx.$executeRawUnsafe("SAVEPOINT fk");
      try {
        await tx.$executeRawUnsafe("SET LOCAL session_replication_role = replica");
        await tx.$executeRawUnsafe("RELEASE SAVEPOINT fk");
      } catch {
        await tx.$executeRawUnsafe("ROLLBACK TO SAVEPOINT fk");
      }

      const nowTs = `$2::timestamp`;
      await step(
        "Member",
        `
      INSERT INTO "Member" (id, "workspaceId", name, role, "onCall", "createdAt")
      SELECT ${idSql("m", "g")}, $1, ($3::text[])[1 + (g * 7) % cardinality($3::text[])] || ' ' || ($4::text[])[1 + (g * 11) % cardinality($4::text[])],
             (CASE WHEN g = 1 THEN 'admin' WHEN g <= 3 THEN 'manager' WHEN g = $5 THEN 'viewer' ELSE 'agent' END)::"Role", g = 4, ${nowTs} - interval '400 days'
      FROM generate_series(1, $5::int) g`,
        now,
        FIRST_NAMES,
        LAST_NAMES,
        scale.members,
      );

      await step(
        "Company",
        `
      INSERT INTO "Company" (id, "workspaceId", number, name, domain, "createdAt", "updatedAt")
      SELECT ${idSql("a", "g")}, $1, g, split_part(($3::text[])[1 + g % cardinality($3::text[])], ' ', 1) || ' ' || g, 'co' || g || '.example', t, t
      FROM (SELECT g, ${overTime("g", "$4", 700)} AS t FROM generate_series(1, $4::int) g) s`,
        now,
        COMPANIES.map((c) => c.name),
        scale.companies,
      );

      await step(
        "Contact",
        `
      INSERT INTO "Contact" (id, "workspaceId", number, name, email, phone, title, tags, "companyId", "ownerId", "createdAt", "updatedAt")
      SELECT ${idSql("c", "g")}, $1, g, f || ' ' || l,
             lower(regexp_replace(f || '.' || l, '[^A-Za-z.]', '', 'g')) || '.' || g || '@' || CASE WHEN co > 0 THEN 'co' || co || '.example' ELSE 'mail.example' END,
             CASE WHEN r1 < 0.6 THEN '+1 555 ' || lpad((g % 10000)::text, 4, '0') END,
             ($5::text[])[1 + floor(r2 * cardinality($5::text[]))::int],
             CASE WHEN r3 < 0.1 THEN ARRAY['vip'] WHEN r3 < 0.25 THEN ARRAY['trial'] ELSE ARRAY[]::text[] END,
             CASE WHEN co > 0 THEN ${idSql("a", "co")} END, ${idSql("m", "(1 + floor(r4 * $7)::int)")}, t, t
      FROM (SELECT g, ($3::text[])[1 + floor(random() * cardinality($3::text[]))::int] AS f, ($4::text[])[1 + floor(random() * cardinality($4::text[]))::int] AS l,
                   CASE WHEN random() < 0.85 THEN 1 + floor(random() * $8)::int ELSE 0 END AS co,
                   random() AS r1, random() AS r2, random() AS r3, random() AS r4, ${overTime("g", "$6", 600)} AS t
            FROM generate_series(1, $6::int) g) s`,
        now,
        FIRST_NAMES,
        LAST_NAMES,
        TITLES,
        scale.contacts,
        scale.members,
        scale.companies,
      );

      // deals: 25 % won, 15 % lost, the rest spread over the open stages; closed ones closed 5-90 days after
      // creation, all within the last year
      await step(
        "Deal",
        `
      INSERT INTO "Deal" (id, "workspaceId", number, title, amount, currency, "pipelineId", "stageId", "ownerId", "companyId", "contactId",
                          "expectedCloseAt", "stageEnteredAt", "closedAt", "lostReason", "createdAt", "updatedAt")
      SELECT ${idSql("d", "g")}, $1, g, 'Co ' || co || ' ' || ($3::text[])[1 + g % cardinality($3::text[])],
             round((500 + r1 * r1 * 200000)::numeric, -1), CASE WHEN r2 < 0.1 THEN 'EUR' ELSE 'USD' END, $4,
             CASE outcome WHEN 'won' THEN $6::text WHEN 'lost' THEN $7::text ELSE ($5::text[])[1 + p] END,
             ${idSql("m", "(1 + floor(r3 * $9)::int)")}, ${idSql("a", "co")}, ${idSql("c", "(1 + floor(r4 * $10)::int)")},
             CASE WHEN outcome = 'open' THEN ${nowTs} + (r5 * 120 - 30) * interval '1 day' ELSE e END,
             e, CASE WHEN outcome <> 'open' THEN e END,
             CASE WHEN outcome = 'lost' THEN ($11::text[])[1 + g % cardinality($11::text[])] END, t, e
      FROM (SELECT *, CASE WHEN outcome = 'open' AND p = 0 THEN t WHEN outcome = 'open' THEN t + (${nowTs} - t) * r6 ELSE t + dur END AS e
            FROM (SELECT *, CASE WHEN outcome = 'open' THEN ${nowTs} - age * interval '365 days'
                                 ELSE ${nowTs} - dur - age * (interval '365 days' - dur) END AS t
                  FROM (SELECT g, CASE WHEN u < 0.25 THEN 'won' WHEN u < 0.40 THEN 'lost' ELSE 'open' END AS outcome,
                               floor(random() * cardinality($5::text[]))::int AS p, 1 + floor(random() * $12)::int AS co,
                               random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6,
                               1 - (g - 1 + random()) / $8::int AS age, (5 + random() * 85) * interval '1 day' AS dur
                        FROM (SELECT g, random() AS u FROM generate_series(1, $8::int) g) g0) s0) s1) s`,
        now,
        DEAL_KINDS,
        pipelineId,
        open,
        won,
        lost,
        scale.deals,
        scale.members,
        scale.contacts,
        LOST_REASONS,
        scale.companies,
      );

      // stage history: the open stages in order up to the deal's stage (won passes them all, lost stops after
      // a few), evenly spaced from creation to stageEnteredAt
      await step(
        "DealStageChange",
        `
      INSERT INTO "DealStageChange" (id, "workspaceId", "dealId", "fromStageId", "toStageId", "actorId", at)
      SELECT ${idSql("s", "(d.number::bigint * 16 + i)")}, $1, d.id, CASE WHEN i > 0 THEN d.path[i] END, d.path[i + 1], d."ownerId",
             d."createdAt" + (d."stageEnteredAt" - d."createdAt") * (i::float8 / greatest(cardinality(d.path) - 1, 1))
      FROM (SELECT d.id, d.number, d."ownerId", d."createdAt", d."stageEnteredAt",
                   CASE WHEN d."stageId" = $3 THEN $2::text[] || $3::text
                        WHEN d."stageId" = $4 THEN ($2::text[])[1 : 1 + abs(hashtext(d.id)) % cardinality($2::text[])] || $4::text
                        ELSE ($2::text[])[1 : array_position($2::text[], d."stageId")] END AS path
            FROM "Deal" d WHERE d."workspaceId" = $1) d,
           generate_series(0, cardinality(d.path) - 1) i`,
        open,
        won,
        lost,
      );

      await step(
        "Ticket",
        `
      INSERT INTO "Ticket" (id, "workspaceId", number, subject, status, priority, "requesterId", "assigneeId", breached,
                            "firstResponseDueAt", "resolutionDueAt", "firstResponseAt", "resolvedAt", "waitingSince", source, "createdAt", "updatedAt")
      SELECT ${idSql("t", "g")}, $1, g, ($3::text[])[1 + g % cardinality($3::text[])], status::"TicketStatus", prio::"TicketPriority",
             ${idSql("c", "(1 + floor(r1 * $5)::int)")}, ${idSql("m", "(2 + floor(r2 * ($6 - 1))::int)")},
             (fr IS NOT NULL AND fr > t + fdue) OR (rs IS NOT NULL AND rs > t + rdue),
             t + fdue, t + rdue, fr, rs, CASE WHEN status = 'waiting' THEN least(t + rdue / 4, ${nowTs}) END,
             'slack'::"Platform", t, coalesce(rs, fr, t)
      FROM (SELECT *, CASE WHEN status = 'resolved' OR r3 < 0.5 THEN least(t + fdue * (r4 * 1.6), ${nowTs}) END AS fr,
                      CASE WHEN status = 'resolved' THEN least(t + rdue * (r5 * 1.4), ${nowTs}) END AS rs
            FROM (SELECT *, CASE prio WHEN 'urgent' THEN interval '1 hour' WHEN 'high' THEN interval '4 hours' WHEN 'normal' THEN interval '8 hours' ELSE interval '24 hours' END AS fdue,
                            CASE prio WHEN 'urgent' THEN interval '4 hours' WHEN 'high' THEN interval '1 day' WHEN 'normal' THEN interval '3 days' ELSE interval '7 days' END AS rdue,
                            CASE WHEN t > ${nowTs} - interval '2 days' AND u < 0.7 THEN 'open' WHEN u < 0.88 THEN 'resolved' WHEN u < 0.96 THEN 'open' ELSE 'waiting' END AS status
                  FROM (SELECT g, random() AS u, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
                               (CASE WHEN random() < 0.05 THEN 'urgent' WHEN random() < 0.2 THEN 'high' WHEN random() < 0.8 THEN 'normal' ELSE 'low' END) AS prio,
                               ${overTime("g", "$4", 365)} AS t
                        FROM generate_series(1, $4::int) g) g0) s0) s`,
        now,
        TICKET_SUBJECTS,
        scale.tickets,
        scale.contacts,
        scale.members,
      );

      const kinds = Object.keys(SUMMARIES);
      const summaries = kinds.map((k) => SUMMARIES[k as keyof typeof SUMMARIES][0]);
      await step(
        "Interaction",
        `
      INSERT INTO "Interaction" (id, "workspaceId", kind, summary, "occurredAt", "authorId", "contactId", "dealId", "ticketId", source, "createdAt")
      SELECT ${idSql("i", "g")}, $1, ($3::text[])[k]::"InteractionKind", ($4::text[])[k], t,
             ${idSql("m", "(1 + floor(r1 * $6)::int)")},
             CASE WHEN r2 < 0.9 THEN ${idSql("c", "(1 + floor(r3 * $7)::int)")} END,
             CASE WHEN r4 < 0.4 THEN ${idSql("d", "(1 + floor(r5 * $8)::int)")} END,
             CASE WHEN r4 > 0.9 THEN ${idSql("t", "(1 + floor(r5 * $9)::int)")} END,
             'slack'::"Platform", t
      FROM (SELECT g, CASE WHEN u < 0.30 THEN 1 WHEN u < 0.65 THEN 2 WHEN u < 0.77 THEN 3 WHEN u < 0.90 THEN 4 ELSE 5 END AS k,
                   random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, ${overTime("g", "$5", 365)} AS t
            FROM (SELECT g, random() AS u FROM generate_series(1, $5::int) g) g0) s`,
        now,
        kinds,
        summaries,
        scale.interactions,
        scale.members,
        scale.contacts,
        scale.deals,
        scale.tickets,
      );

      await step(
        "Contact",
        `
      UPDATE "Contact" c SET "lastInteractionAt" = x.last
      FROM (SELECT "contactId", max("occurredAt") AS last FROM "Interaction" WHERE "workspaceId" = $1 AND "contactId" IS NOT NULL GROUP BY 1) x
      WHERE c.id = x."contactId" AND c."workspaceId" = $1`,
      );

      await tx.$executeRaw`INSERT INTO "KeyCounter" ("workspaceId", kind, value)
      VALUES (${ws.id}, 'contact', ${scale.contacts}), (${ws.id}, 'company', ${scale.companies}), (${ws.id}, 'deal', ${scale.deals}), (${ws.id}, 'ticket', ${scale.tickets})`;
      await audit(tx, { workspaceId: ws.id, memberId: null }, "workspace.seed", "workspace", ws.id, null, { name, scale });
      return {
        ...(await counts(tx, ws.id)),
        status: "created",
        workspaceId: ws.id,
        name,
        deleted: existing.length,
        ms: performance.now() - started,
      };
    },
    { maxWait: 30_000, timeout: 600_000 },
  );
  if (result.status === "created") {
    // fresh statistics for the planner, and a visibility map so the digest's index-only scans skip the heap
    const t = performance.now();
    for (const table of TABLES) await prisma.$executeRawUnsafe(`VACUUM (ANALYZE) "${table}"`);
    opts.onStep?.("vacuum analyze", performance.now() - t);
    result.ms = performance.now() - started;
  }
  return result;
}

const TABLES = ["Member", "Company", "Contact", "Deal", "DealStageChange", "Ticket", "Interaction"];

async function counts(tx: Prisma.TransactionClient, workspaceId: string) {
  const [row] = await tx.$queryRaw<Record<string, bigint>[]>`
    SELECT (SELECT count(*) FROM "Member" WHERE "workspaceId" = ${workspaceId}) AS members,
           (SELECT count(*) FROM "Company" WHERE "workspaceId" = ${workspaceId}) AS companies,
           (SELECT count(*) FROM "Contact" WHERE "workspaceId" = ${workspaceId}) AS contacts,
           (SELECT count(*) FROM "Deal" WHERE "workspaceId" = ${workspaceId}) AS deals,
           (SELECT count(*) FROM "DealStageChange" WHERE "workspaceId" = ${workspaceId}) AS "stageChanges",
           (SELECT count(*) FROM "Interaction" WHERE "workspaceId" = ${workspaceId}) AS interactions,
           (SELECT count(*) FROM "Ticket" WHERE "workspaceId" = ${workspaceId}) AS tickets`;
  return { counts: Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as LargeSeedResult["counts"] };
}
