// Writes the demo workspace ("Demo Co") in one transaction with bulk inserts. Idempotent: when the
// workspace exists nothing is written, unless `reset` deletes it first.
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Role, TicketPriority } from "../generated/prisma/enums.ts";
import { KEY_PREFIX } from "../db/keys.ts";
import { audit } from "../domain/audit.ts";
import { DEFAULT_SLA, createWorkspaceDefaults } from "../domain/workspaces/defaults.ts";
import { DEMO_WORKSPACE, TEAM } from "./data.ts";
import { planDemo } from "./plan.ts";

export interface SeedOptions {
  /** delete an existing demo workspace (and everything in it) first */
  reset?: boolean;
  now?: Date;
  name?: string;
  seed?: number;
}

export interface SeedCounts {
  members: number;
  companies: number;
  contacts: number;
  deals: number;
  stageChanges: number;
  interactions: number;
  tickets: number;
  ticketEvents: number;
}

export interface SeedResult {
  status: "created" | "exists";
  workspaceId: string;
  name: string;
  /** workspaces deleted by reset */
  deleted: number;
  counts: SeedCounts;
  dealsByStage: Record<string, number>;
  ticketsByStatus: Record<string, number>;
  members: { name: string; role: Role; onCall: boolean }[];
}

/** cuid-like ids made here, so related rows can point at each other before one bulk insert each */
const newId = () => `c${randomBytes(12).toString("hex")}`;

export async function seedDemo(prisma: PrismaClient, opts: SeedOptions = {}): Promise<SeedResult> {
  const name = opts.name ?? DEMO_WORKSPACE;
  const now = opts.now ?? new Date();
  return prisma.$transaction(
    async (tx) => {
      // two seeds started at once: the second waits, then finds the first one's workspace
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`seed:${name}`}))`;
      const existing = await tx.workspace.findMany({ where: { name }, orderBy: { createdAt: "asc" }, select: { id: true } });
      if (existing.length && !opts.reset)
        return { ...(await describe(tx as unknown as PrismaClient, existing[0].id, name)), status: "exists", deleted: 0 };
      for (const w of existing) {
        // deals restrict their pipeline and stage: remove them before the workspace cascade
        await tx.deal.deleteMany({ where: { workspaceId: w.id } });
        await tx.workspace.delete({ where: { id: w.id } });
      }

      const ws = await tx.workspace.create({ data: { name, createdAt: new Date(now.getTime() - 250 * 86_400_000) } });
      await createWorkspaceDefaults(tx, ws.id);
      const members = TEAM.map((m) => ({ id: newId(), workspaceId: ws.id, name: m.name, role: m.role as Role, onCall: m.onCall }));
      await tx.member.createMany({ data: members });
      const pipeline = await tx.pipeline.findFirstOrThrow({
        where: { workspaceId: ws.id, isDefault: true },
        include: { stages: { orderBy: { position: "asc" } } },
      });
      const policies = await tx.slaPolicy.findMany({ where: { workspaceId: ws.id } });
      const sla = {} as Record<TicketPriority, { firstResponseSec: number; resolutionSec: number }>;
      for (const priority of Object.keys(DEFAULT_SLA) as TicketPriority[]) {
        const p = policies.find((x) => x.priority === priority);
        sla[priority] = p ?? { firstResponseSec: DEFAULT_SLA[priority].first, resolutionSec: DEFAULT_SLA[priority].resolve };
      }

      const plan = planDemo({
        workspaceId: ws.id,
        pipelineId: pipeline.id,
        members,
        stages: pipeline.stages,
        sla,
        now,
        newId,
        seed: opts.seed,
      });
      await tx.company.createMany({ data: plan.companies });
      await tx.contact.createMany({ data: plan.contacts });
      await tx.deal.createMany({ data: plan.deals });
      await tx.dealStageChange.createMany({ data: plan.stageChanges });
      await tx.ticket.createMany({ data: plan.tickets });
      await tx.ticketEvent.createMany({ data: plan.ticketEvents });
      await tx.interaction.createMany({ data: plan.interactions });
      // later commands continue the sequences: C-81, A-26, D-41, T-31
      const max = (rows: { number: number }[]) => rows.reduce((m, r) => Math.max(m, r.number), 0);
      const counters: [keyof typeof KEY_PREFIX, number][] = [
        ["contact", max(plan.contacts)],
        ["company", max(plan.companies)],
        ["deal", max(plan.deals)],
        ["ticket", max(plan.tickets)],
      ];
      await tx.keyCounter.createMany({ data: counters.map(([kind, value]) => ({ workspaceId: ws.id, kind, value })) });
      await audit(tx, { workspaceId: ws.id, memberId: members[0].id }, "workspace.seed", "workspace", ws.id, null, {
        name,
        reset: existing.length > 0,
      });
      return { ...(await describe(tx as unknown as PrismaClient, ws.id, name)), status: "created", deleted: existing.length };
    },
    { maxWait: 30_000, timeout: 180_000 },
  );
}

/** What the workspace holds, for the summary line (also when it already existed). */
async function describe(db: PrismaClient, workspaceId: string, name: string) {
  const where = { workspaceId };
  // one after another: these run inside the seed's transaction, which holds a single connection
  const members = await db.member.findMany({ where, orderBy: { createdAt: "asc" }, select: { name: true, role: true, onCall: true } });
  const counts = {
    members: members.length,
    companies: await db.company.count({ where }),
    contacts: await db.contact.count({ where }),
    deals: await db.deal.count({ where }),
    stageChanges: await db.dealStageChange.count({ where }),
    interactions: await db.interaction.count({ where }),
    tickets: await db.ticket.count({ where }),
    ticketEvents: await db.ticketEvent.count({ where }),
  };
  const byStage = await db.deal.groupBy({ by: ["stageId"], where, _count: true });
  const byStatus = await db.ticket.groupBy({ by: ["status"], where, _count: true });
  const stages = await db.stage.findMany({
    where: { ...where, pipeline: { isDefault: true } },
    orderBy: { position: "asc" },
    select: { id: true, name: true },
  });
  const dealsByStage = Object.fromEntries(stages.map((s) => [s.name, byStage.find((g) => g.stageId === s.id)?._count ?? 0]));
  const ticketsByStatus = Object.fromEntries(byStatus.map((g) => [g.status, g._count]));
  return {
    workspaceId,
    name,
    members,
    dealsByStage,
    ticketsByStatus,
    counts,
  };
}
