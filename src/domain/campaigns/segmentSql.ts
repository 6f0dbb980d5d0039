// Parsed segment terms → one SQL condition over `"Contact" c`, scoped to the workspace and never
// including opted-out contacts. Names are resolved here: company → id, owner → member id, stage → ids.
import { NotFoundError, UserInputError } from "../../errors.ts";
import { Prisma, type PrismaClient } from "../../generated/prisma/client.ts";
import { parseMention } from "../../parse/values.ts";
import { resolveRef } from "../refs.ts";
import { SEGMENT_USAGE, type SegmentTerm } from "./segment.ts";

export interface ResolvedSegment {
  /** the terms with company names replaced by their A- keys (what the campaign stores) */
  terms: SegmentTerm[];
  /** WHERE condition over alias c, including workspace scope and the opt-out rule */
  where: Prisma.Sql;
}

export interface ResolveOptions {
  /** who "owner:me" is (the campaign's author); null matches nobody */
  meId: string | null;
  /** strict (at creation): unknown names are errors; lenient (at send time): they match nobody */
  strict: boolean;
}

type Db = Pick<PrismaClient, "contact" | "company" | "deal" | "ticket" | "member" | "stage">;

export async function resolveSegment(db: Db, workspaceId: string, terms: SegmentTerm[], opts: ResolveOptions): Promise<ResolvedSegment> {
  const out: SegmentTerm[] = [];
  // archived (deleted, merged, forgotten) contacts are in no segment
  const conds: Prisma.Sql[] = [
    Prisma.sql`c."workspaceId" = ${workspaceId}`,
    Prisma.sql`c."optedOutAt" IS NULL`,
    Prisma.sql`c."archivedAt" IS NULL`,
  ];
  const nothing = (message: string): Prisma.Sql => {
    if (opts.strict) throw new UserInputError(`Segment: ${message}`, SEGMENT_USAGE);
    return Prisma.sql`FALSE`;
  };
  for (const t of terms) {
    let cond: Prisma.Sql;
    let term: SegmentTerm = t;
    switch (t.kind) {
      case "all":
        out.push(t);
        continue;
      case "tag":
        cond = Prisma.sql`${t.tag}::text = ANY(c.tags)`;
        break;
      case "has":
        cond =
          t.what === "email"
            ? Prisma.sql`c.email IS NOT NULL`
            : t.what === "discord"
              ? Prisma.sql`c."discordUserId" IS NOT NULL`
              : Prisma.sql`c."companyId" IS NOT NULL`;
        break;
      case "last":
        // before: no interaction since that moment (never contacted counts); after: one on or after it
        cond =
          t.when === "before"
            ? Prisma.sql`(c."lastInteractionAt" IS NULL OR c."lastInteractionAt" < (${t.at.toISOString()}::timestamptz AT TIME ZONE 'UTC'))`
            : Prisma.sql`c."lastInteractionAt" >= (${t.at.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
        break;
      case "company": {
        try {
          const hit = await resolveRef(db, workspaceId, "company", t.ref);
          term = { ...t, ref: `A-${hit.number}` };
          cond = Prisma.sql`c."companyId" = ${hit.id}`;
        } catch (e) {
          if (!(e instanceof NotFoundError || e instanceof UserInputError)) throw e;
          cond = nothing(e.message);
        }
        break;
      }
      case "stage": {
        const stages = await db.stage.findMany({
          where: { workspaceId, name: { equals: t.stage, mode: "insensitive" } },
          select: { id: true },
        });
        if (!stages.length) {
          const names = [
            ...new Set(
              (await db.stage.findMany({ where: { workspaceId }, select: { name: true }, orderBy: { position: "asc" } })).map(
                (s) => s.name,
              ),
            ),
          ];
          cond = nothing(`no stage "${t.stage}"; stages are ${names.join(", ")}`);
        } else {
          const ids = stages.map((s) => s.id);
          cond = Prisma.sql`EXISTS (SELECT 1 FROM "Deal" d WHERE d."contactId" = c.id AND d."workspaceId" = ${workspaceId} AND d."archivedAt" IS NULL AND d."stageId" = ANY(${ids}::text[]))`;
        }
        break;
      }
      case "owner": {
        const id = await ownerId(db, workspaceId, t.owner, opts);
        cond = id ? Prisma.sql`c."ownerId" = ${id}` : nothing(`no member "${t.owner}" in this workspace`);
        break;
      }
    }
    out.push(term);
    // NOT over a NULL comparison would drop rows: a negated term matches whenever the term is not true
    conds.push("negated" in t && t.negated ? Prisma.sql`NOT COALESCE((${cond}), FALSE)` : cond);
  }
  return { terms: out, where: Prisma.join(conds, " AND ") };
}

async function ownerId(db: Db, workspaceId: string, owner: string, opts: ResolveOptions): Promise<string | null> {
  if (owner.toLowerCase() === "me") return opts.meId;
  const mention = parseMention(owner);
  if (mention) {
    const m = await db.member.findFirst({
      where: { workspaceId, [mention.platform === "slack" ? "slackUserId" : "discordUserId"]: mention.userId },
      select: { id: true },
    });
    return m?.id ?? null;
  }
  const matches = await db.member.findMany({
    where: { workspaceId, name: { startsWith: owner, mode: "insensitive" } },
    select: { id: true, name: true },
    take: 6,
  });
  const exact = matches.filter((m) => m.name.toLowerCase() === owner.toLowerCase());
  if (exact.length === 1) return exact[0].id;
  if (matches.length === 1) return matches[0].id;
  if (matches.length > 1 && opts.strict)
    throw new UserInputError(
      `Segment: owner "${owner}" matches ${matches.map((m) => m.name).join(", ")}; be more specific.`,
      SEGMENT_USAGE,
    );
  return null;
}
