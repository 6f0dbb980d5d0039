// Everything a channel setting can write in a workspace, to compare before and after a refused command.
import type { PrismaClient } from "../../src/generated/prisma/client.ts";

export async function channelSettingsOf(prisma: PrismaClient, workspaceId: string) {
  const where = { workspaceId };
  const [routes, workspace, reports, companies, audits] = await Promise.all([
    prisma.notifyRoute.findMany({ where, orderBy: { topic: "asc" } }),
    prisma.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { supportChannelId: true, dealForumId: true } }),
    prisma.reportSchedule.count({ where }),
    prisma.company.findMany({ where, select: { slackChannelId: true } }),
    prisma.auditLog.count({ where }),
  ]);
  return { routes, workspace, reports, companies, audits };
}
