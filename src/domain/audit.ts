// Every write leaves an AuditLog row: who, what, which record, before and after.
import type { Prisma } from "../generated/prisma/client.ts";
import type { Actor } from "./actor.ts";

type Tx = Prisma.TransactionClient;

const toJson = (v: unknown): Prisma.InputJsonValue | undefined =>
  v == null ? undefined : (JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x))) as Prisma.InputJsonValue);

/** The AuditLog row audit() writes, for a caller that writes many in one statement (createMany). */
export function auditRow(
  actor: { workspaceId: string; memberId?: string | null },
  action: string,
  entity: string,
  entityId: string,
  before?: unknown,
  after?: unknown,
): Prisma.AuditLogCreateManyInput {
  return {
    workspaceId: actor.workspaceId,
    actorId: actor.memberId ?? null,
    action,
    entity,
    entityId,
    before: toJson(before),
    after: toJson(after),
  };
}

export async function audit(
  tx: Tx,
  actor: Actor | { workspaceId: string; memberId?: string | null },
  action: string,
  entity: string,
  entityId: string,
  before?: unknown,
  after?: unknown,
): Promise<void> {
  await tx.auditLog.create({ data: auditRow(actor, action, entity, entityId, before, after) });
}
