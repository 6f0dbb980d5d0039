// Account health per company: won revenue (lifetime value), open pipeline, ticket load and breaches, days
// since the last interaction (on the company, its contacts or its deals) → healthy / watch / at risk.
import { Prisma, type PrismaClient } from "../../generated/prisma/client.ts";

export type HealthStatus = "healthy" | "watch" | "at risk";

export interface HealthFacts {
  wonRevenue: number;
  openPipeline: number;
  openTickets: number;
  breachedTickets: number;
  /** null: never an interaction */
  daysSinceInteraction: number | null;
}

export interface AccountHealth extends HealthFacts {
  status: HealthStatus;
  reasons: string[];
}

export const WATCH_DAYS = 30;
export const RISK_DAYS = 60;

/** Pure rules: any at-risk reason makes it at risk; else any watch reason makes it watch. */
export function judgeHealth(f: HealthFacts): AccountHealth {
  const risk: string[] = [];
  const watch: string[] = [];
  const hasBusiness = f.wonRevenue > 0 || f.openPipeline > 0;
  if (f.breachedTickets > 0) risk.push(`${f.breachedTickets} breached ticket${f.breachedTickets === 1 ? "" : "s"}`);
  if (f.openTickets >= 5) risk.push(`${f.openTickets} open tickets`);
  else if (f.openTickets >= 2) watch.push(`${f.openTickets} open tickets`);
  if (f.daysSinceInteraction == null) {
    if (hasBusiness) watch.push("no interactions logged");
  } else if (f.daysSinceInteraction > RISK_DAYS && hasBusiness) risk.push(`no contact for ${f.daysSinceInteraction} days`);
  else if (f.daysSinceInteraction > WATCH_DAYS) watch.push(`no contact for ${f.daysSinceInteraction} days`);
  const status: HealthStatus = risk.length ? "at risk" : watch.length ? "watch" : "healthy";
  const reasons = risk.length
    ? risk
    : watch.length
      ? watch
      : [
          f.wonRevenue > 0 ? "customer with won revenue" : f.openPipeline > 0 ? "open pipeline" : "no issues",
          ...(f.daysSinceInteraction != null ? [`last contact ${f.daysSinceInteraction} days ago`] : []),
        ];
  return { ...f, status, reasons };
}

export interface HealthRow {
  id: string;
  won: number;
  pipeline: number;
  open: number;
  breached: number;
  last: Date | null;
}

/**
 * The facts of the company aliased `co`, as the columns won, pipeline, open, breached, last of a lateral
 * `h` (`SELECT co.id, h.* FROM "Company" co ${HEALTH_FACTS}`); also used by the digest's accounts at risk.
 * Each company's deals are read once (both sums and, per deal, its latest interaction by a backward probe
 * of the (dealId, occurredAt) index), and its contacts' tickets once (open and breached together).
 */
export const HEALTH_FACTS = Prisma.sql`CROSS JOIN LATERAL (
  SELECT dl.won, dl.pipeline, tk.open, tk.breached,
    GREATEST((SELECT max(i."occurredAt") FROM "Interaction" i WHERE i."companyId" = co."id" AND i."workspaceId" = co."workspaceId"),
             (SELECT max(c."lastInteractionAt") FROM "Contact" c WHERE c."companyId" = co."id" AND c."workspaceId" = co."workspaceId"),
             dl.last) AS last
  FROM (SELECT COALESCE(sum(d."amount") FILTER (WHERE d."workspaceId" = co."workspaceId" AND s."isWon"), 0)::float8 AS won,
               COALESCE(sum(d."amount") FILTER (WHERE d."workspaceId" = co."workspaceId" AND NOT s."isWon" AND NOT s."isLost"), 0)::float8 AS pipeline,
               max((SELECT max(i."occurredAt") FROM "Interaction" i WHERE i."dealId" = d."id" AND i."workspaceId" = co."workspaceId")) AS last
        FROM "Deal" d JOIN "Stage" s ON s."id" = d."stageId" WHERE d."companyId" = co."id") dl,
       (SELECT count(*)::int AS open, count(*) FILTER (WHERE t."breached")::int AS breached
        FROM "Contact" c JOIN "Ticket" t ON t."requesterId" = c."id"
        WHERE c."companyId" = co."id" AND t."workspaceId" = co."workspaceId" AND t."status" <> 'resolved') tk) h`;

/** A fact row judged at `now`. */
export function healthOf(r: HealthRow, now: Date): AccountHealth {
  return judgeHealth({
    wonRevenue: r.won,
    openPipeline: r.pipeline,
    openTickets: r.open,
    breachedTickets: r.breached,
    daysSinceInteraction: r.last ? Math.floor((now.getTime() - new Date(r.last).getTime()) / 86_400_000) : null,
  });
}

export class AccountHealthService {
  constructor(private db: PrismaClient) {}

  /** Health of the given companies (all of the workspace when ids is undefined), one query. */
  async of(workspaceId: string, ids?: string[], now = new Date()): Promise<Map<string, AccountHealth>> {
    const rows = await this.db.$queryRaw<HealthRow[]>`
      SELECT co."id", h.* FROM "Company" co ${HEALTH_FACTS}
      WHERE co."workspaceId" = ${workspaceId} AND (${ids ?? null}::text[] IS NULL OR co."id" = ANY(${ids ?? null}::text[]))`;
    return new Map(rows.map((r) => [r.id, healthOf(r, now)]));
  }
}
