// Score rules, batch rescoring and lead routing. The rescoring runs in the predict worker; commands only
// ask for it (PredictJobs) after a change, so no request ever computes scores.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Outbox } from "../../delivery/outbox.ts";
import type { Reply } from "../../reply/reply.ts";
import { UserInputError } from "../../errors.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { HALF_LIFE_DAYS, SCORE_FIELDS, scoreOf, type ScoreField } from "./leadScore.ts";

const BATCH = 500;

/** What the command layer asks of the predict queue (jobs/predict.ts); absent = nothing is recomputed. */
export interface PredictJobs {
  rescore(workspaceId: string, contactIds: string[]): Promise<void>;
  refit(workspaceId: string): Promise<void>;
  /** re-applies the stored win model to open deals (after a deal changes) */
  rescoreDeals(workspaceId: string): Promise<void>;
}

interface Row {
  id: string;
  old: number | null;
  ownerId: string | null;
  rules: { field: string; value: string; points: number }[] | null;
  kinds: Record<string, number> | null;
  deals: number;
  /** the workspace's leadThreshold, read in the same statement */
  threshold: number;
}

export interface Crossed {
  contactId: string;
  number: number;
  name: string;
  score: number;
  ownerId: string;
  ownerName: string;
  ownerSlackUserId: string | null;
  ownerDiscordUserId: string | null;
}

export class ScoringService {
  constructor(
    private db: PrismaClient,
    public jobs?: PredictJobs,
    private outbox?: Outbox,
  ) {}

  /** A direct message to the new owner of a routed lead (Slack first), once per contact and owner. */
  async tellOwner(workspaceId: string, hit: Crossed, reply: Reply): Promise<boolean> {
    if (!this.outbox) return false;
    const platform = hit.ownerSlackUserId ? "slack" : hit.ownerDiscordUserId ? "discord" : null;
    if (!platform) return false;
    await this.outbox.deliver({
      platform,
      workspaceId,
      target: { userId: (platform === "slack" ? hit.ownerSlackUserId : hit.ownerDiscordUserId)! },
      reply,
      dedupeKey: `lead-dm:${hit.contactId}:${hit.ownerId}`,
    });
    return true;
  }

  async rules(actor: Actor) {
    return this.db.scoreRule.findMany({ where: { workspaceId: actor.workspaceId }, orderBy: [{ field: "asc" }, { points: "desc" }] });
  }

  async addRule(actor: Actor, field: string, value: string, points: number) {
    requireRole(actor, "manager", "change score rules");
    const f = field.toLowerCase() as ScoreField;
    if (!SCORE_FIELDS.includes(f))
      throw new UserInputError(
        `"${field}" is not a score field; use ${SCORE_FIELDS.join(", ")}.`,
        "/crm score rule add <field>:<value> <points>",
      );
    const v = value.trim().toLowerCase();
    const rule = await this.db.$transaction(async (tx) => {
      const r = await tx.scoreRule.upsert({
        where: { workspaceId_field_value: { workspaceId: actor.workspaceId, field: f, value: v } },
        create: { workspaceId: actor.workspaceId, field: f, value: v, points },
        update: { points },
      });
      await audit(tx, actor, "score.rule.set", "ScoreRule", r.id, undefined, { field: f, value: v, points });
      return r;
    });
    // a rule changes every contact's fit: rescore the workspace in the background
    await this.jobs?.rescore(actor.workspaceId, []);
    return rule;
  }

  /** the nightly run walks every workspace (no actor: the scheduler is the authority) */
  async workspaceIds(): Promise<string[]> {
    return (await this.db.workspace.findMany({ select: { id: true }, orderBy: { createdAt: "asc" } })).map((w) => w.id);
  }

  async leads(actor: Actor, n: number) {
    return this.db.contact.findMany({
      where: { workspaceId: actor.workspaceId, ownerId: null, score: { not: null }, archivedAt: null },
      orderBy: [{ score: "desc" }, { number: "asc" }],
      take: n,
      include: { company: { select: { name: true } } },
    });
  }

  /** Recomputes scores for the given contacts (all of the workspace when empty); returns threshold crossings routed to an owner. */
  async rescore(workspaceId: string, contactIds: string[] = [], now = new Date()): Promise<{ scored: number; routed: Crossed[] }> {
    let scored = 0;
    const routed: Crossed[] = [];
    const all = contactIds.length === 0;
    let after = "";
    for (;;) {
      const ids = all
        ? (
            await this.db.contact.findMany({
              where: { workspaceId, id: { gt: after } },
              orderBy: { id: "asc" },
              take: BATCH,
              select: { id: true },
            })
          ).map((c) => c.id)
        : contactIds.slice(scored, scored + BATCH);
      if (!ids.length) break;
      const rows = await this.inputs(workspaceId, ids, now);
      const results = rows.map((r) => ({ r, ...scoreOf({ rules: r.rules ?? [], decayedByKind: r.kinds ?? {}, openDeals: r.deals }) }));
      await this.db.$executeRaw`
        UPDATE "Contact" c SET "score" = v.s, "scoreReasons" = v.r::jsonb
        FROM (SELECT unnest(${results.map((x) => x.r.id)}::text[]) AS id, unnest(${results.map((x) => x.score)}::int[]) AS s,
          unnest(${results.map((x) => JSON.stringify(x.reasons))}::text[]) AS r) v
        WHERE c."id" = v.id AND c."workspaceId" = ${workspaceId}`;
      for (const x of results) {
        if (x.score >= x.r.threshold && (x.r.old ?? -1) < x.r.threshold && !x.r.ownerId) {
          const hit = await this.route(workspaceId, x.r.id, x.score, now);
          if (hit) routed.push(hit);
        }
      }
      scored += ids.length;
      after = ids[ids.length - 1];
      if (!all && scored >= contactIds.length) break;
    }
    return { scored, routed };
  }

  private async inputs(workspaceId: string, ids: string[], now: Date): Promise<Row[]> {
    return this.db.$queryRaw<Row[]>`
      SELECT c."id", c."score" AS old, c."ownerId",
        (SELECT json_agg(json_build_object('field', r."field", 'value', r."value", 'points', r."points"))
          FROM "ScoreRule" r WHERE r."workspaceId" = c."workspaceId" AND (
            (r."field" = 'tag' AND r."value" = ANY(c."tags"))
            OR (r."field" = 'company' AND co."id" IS NOT NULL AND (lower(co."name") = r."value" OR lower(co."domain") = r."value"))
            OR (r."field" = 'title' AND c."title" IS NOT NULL AND strpos(lower(c."title"), r."value") > 0))) AS rules,
        (SELECT json_object_agg(k.kind, k.w) FROM (
          SELECT i."kind"::text AS kind, sum(exp(-ln(2) * GREATEST(0, extract(epoch FROM (${now}::timestamptz - i."occurredAt")) / 86400.0) / ${HALF_LIFE_DAYS})) AS w
          FROM "Interaction" i WHERE i."contactId" = c."id" AND i."workspaceId" = c."workspaceId" GROUP BY i."kind") k) AS kinds,
        (SELECT count(*) FROM "Deal" d JOIN "Stage" s ON s."id" = d."stageId"
          WHERE d."contactId" = c."id" AND d."workspaceId" = c."workspaceId" AND NOT s."isWon" AND NOT s."isLost")::int AS deals,
        w."leadThreshold" AS threshold
      FROM "Contact" c JOIN "Workspace" w ON w."id" = c."workspaceId" LEFT JOIN "Company" co ON co."id" = c."companyId"
      WHERE c."workspaceId" = ${workspaceId} AND c."id" = ANY(${ids}::text[])`;
  }

  /** Round-robin among agents+: fewest owned contacts, then least recently assigned. Idempotent: only an unowned contact gets one. */
  private async route(workspaceId: string, contactId: string, score: number, now: Date): Promise<Crossed | null> {
    return this.db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${workspaceId} || ':leads'))::text AS locked`;
      const pick = await tx.$queryRaw<{ id: string; name: string; slackUserId: string | null; discordUserId: string | null }[]>`
        SELECT m."id", m."name", m."slackUserId", m."discordUserId" FROM "Member" m
        LEFT JOIN "Contact" c ON c."ownerId" = m."id" AND c."workspaceId" = m."workspaceId"
        WHERE m."workspaceId" = ${workspaceId} AND m."role" IN ('agent', 'manager', 'admin')
        GROUP BY m."id", m."name", m."slackUserId", m."discordUserId", m."lastAssignedAt", m."createdAt"
        ORDER BY count(c."id") ASC, m."lastAssignedAt" ASC NULLS FIRST, m."createdAt" ASC, m."id" ASC LIMIT 1`;
      if (!pick.length) return null;
      const took = await tx.contact.updateMany({ where: { id: contactId, workspaceId, ownerId: null }, data: { ownerId: pick[0].id } });
      if (!took.count) return null;
      await tx.member.update({ where: { id: pick[0].id }, data: { lastAssignedAt: now } });
      const c = await tx.contact.findUniqueOrThrow({ where: { id: contactId }, select: { number: true, name: true } });
      return {
        contactId,
        number: c.number,
        name: c.name,
        score,
        ownerId: pick[0].id,
        ownerName: pick[0].name,
        ownerSlackUserId: pick[0].slackUserId,
        ownerDiscordUserId: pick[0].discordUserId,
      };
    });
  }
}
