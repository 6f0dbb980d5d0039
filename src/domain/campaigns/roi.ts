// Campaign ROI: deals won from contacts the campaign reached, closed within the workspace's window
// (Workspace.roiWindowDays, default 30) after each contact's send. Attribution, not causation.
import type { PrismaClient } from "../../generated/prisma/client.ts";

export interface CampaignRoi {
  windowDays: number;
  deals: number;
  won: { currency: string; amount: string }[];
}

export async function campaignRoi(db: PrismaClient, workspaceId: string, campaignId: string): Promise<CampaignRoi> {
  const ws = await db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { roiWindowDays: true } });
  const rows = await db.$queryRaw<{ currency: string; deals: number; amount: string }[]>`
    SELECT trim(d."currency") AS currency, count(DISTINCT d."id")::int AS deals, sum(d."amount")::text AS amount
    FROM "CampaignRecipient" r
    JOIN "Deal" d ON d."contactId" = r."contactId" AND d."workspaceId" = r."workspaceId"
    JOIN "Stage" s ON s."id" = d."stageId" AND s."isWon"
    WHERE r."workspaceId" = ${workspaceId} AND r."campaignId" = ${campaignId} AND r."status" = 'sent'
      AND d."closedAt" >= r."sentAt" AND d."closedAt" < r."sentAt" + make_interval(days => ${ws.roiWindowDays})
    GROUP BY 1 ORDER BY 1`;
  return {
    windowDays: ws.roiWindowDays,
    deals: rows.reduce((a, r) => a + r.deals, 0),
    won: rows.map((r) => ({ currency: r.currency, amount: r.amount })),
  };
}
