// The workspace a demo plan fills (plan.ts, supportPlan.ts): its ids, members, stages and SLA policies.
import type { Role, TicketPriority } from "../generated/prisma/enums.ts";

export interface PlanInput {
  workspaceId: string;
  pipelineId: string;
  members: { id: string; name: string; role: Role }[];
  stages: { id: string; name: string; position: number; isWon: boolean; isLost: boolean }[];
  sla: Record<TicketPriority, { firstResponseSec: number; resolutionSec: number }>;
  now: Date;
  newId: () => string;
  seed?: number;
}
