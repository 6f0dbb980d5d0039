// A console workspace linked to a Slack team or Discord server of its own (as /crm link would leave it),
// so it may name that team's or server's channels: a workspace with no link owns no channel.
import type { PrismaClient } from "../../src/generated/prisma/client.ts";

export async function linkWorkspace(
  prisma: PrismaClient,
  workspaceId: string,
  platform: "slack" | "discord",
  externalId: string,
): Promise<void> {
  await prisma.platformLink.create({ data: { workspaceId, platform, externalId } });
}
