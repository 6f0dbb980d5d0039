// What a new workspace starts with: the default pipeline and SLA policies (DESIGN.md, issue 05).
import type { Prisma } from "../../generated/prisma/client.ts";
import type { TicketPriority } from "../../generated/prisma/enums.ts";

export const DEFAULT_STAGES = [
  { name: "lead", probability: 10 },
  { name: "qualified", probability: 25 },
  { name: "proposal", probability: 50 },
  { name: "negotiation", probability: 75 },
  { name: "won", probability: 100, isWon: true },
  { name: "lost", probability: 0, isLost: true },
] as const;

const H = 3600,
  D = 86400;
export const DEFAULT_SLA: Record<TicketPriority, { first: number; resolve: number }> = {
  urgent: { first: 1 * H, resolve: 4 * H },
  high: { first: 4 * H, resolve: 1 * D },
  normal: { first: 8 * H, resolve: 3 * D },
  low: { first: 24 * H, resolve: 7 * D },
};

export async function createWorkspaceDefaults(tx: Prisma.TransactionClient, workspaceId: string): Promise<void> {
  const pipeline = await tx.pipeline.create({ data: { workspaceId, name: "Sales", isDefault: true } });
  await tx.stage.createMany({
    data: DEFAULT_STAGES.map((st, position) => ({
      workspaceId,
      pipelineId: pipeline.id,
      name: st.name,
      position,
      probability: st.probability,
      isWon: "isWon" in st ? st.isWon : false,
      isLost: "isLost" in st ? st.isLost : false,
    })),
  });
  await tx.slaPolicy.createMany({
    data: (Object.keys(DEFAULT_SLA) as TicketPriority[]).map((priority) => ({
      workspaceId,
      priority,
      firstResponseSec: DEFAULT_SLA[priority].first,
      resolutionSec: DEFAULT_SLA[priority].resolve,
    })),
  });
}
