// The undo of contact merge / company merge, from the merge's audit row: everything in `moved` goes back to
// the duplicate (the rows still pointing at the kept record), the duplicate is live again (its email back
// when the merge moved it), and the kept record's filled-in fields get their values from before the merge.
// Runs inside /crm undo's transaction, with both rows locked by the caller.
import { UserInputError } from "../../errors.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import { requireCanChange, requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { recordEvent } from "../events/record.ts";
import type { Moved } from "./merge.ts";
import { changedEvent } from "./archive.ts";

type Tx = Prisma.TransactionClient;

/** the merge row's after: the duplicate's pointer, the kept record's change and what moved */
export interface MergeAfter {
  email?: string | null;
  into: { id: string; fields: string[]; before: Record<string, unknown>; after: Record<string, unknown> };
  moved: Moved;
}

const JSON_COLUMNS = new Set(["scoreReasons"]);

/** audit values as column data: JSON null as the database's null; dates and decimals stay ISO/decimal text */
export function columns(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v == null && JSON_COLUMNS.has(k) ? Prisma.DbNull : v]));
}

export async function unmerge(
  tx: Tx,
  actor: Actor,
  kind: "contact" | "company",
  auditId: string,
  fromId: string,
  fromBefore: Record<string, unknown>,
  after: MergeAfter,
): Promise<{ fromNumber: number; intoNumber: number; moved: number }> {
  const ws = actor.workspaceId;
  const { into, moved } = after;
  const [from, kept] =
    kind === "contact"
      ? [
          await tx.contact.findFirstOrThrow({ where: { id: fromId, workspaceId: ws } }),
          await tx.contact.findFirstOrThrow({ where: { id: into.id, workspaceId: ws } }),
        ]
      : [
          await tx.company.findFirstOrThrow({ where: { id: fromId, workspaceId: ws } }),
          await tx.company.findFirstOrThrow({ where: { id: into.id, workspaceId: ws } }),
        ];
  const prefix = kind === "contact" ? "C" : "A";
  if (from.mergedIntoId !== into.id || !from.archivedAt)
    throw new UserInputError(`${prefix}-${from.number} is no longer merged into ${prefix}-${kept.number}; there is nothing to move back.`);
  if (kind === "contact") {
    for (const c of [from, kept]) requireCanChange(actor, (c as { ownerId: string | null }).ownerId, "merge contacts");
    if ((from as { forgottenAt: Date | null }).forgottenAt || (kept as { forgottenAt: Date | null }).forgottenAt)
      throw new UserInputError(`A forgotten contact cannot be unmerged.`);
  } else requireRole(actor, "manager", "merge companies");

  // the rows that moved and still point at the kept record go back
  let count = 0;
  if (kind === "contact") {
    count += (
      await tx.interaction.updateMany({
        where: { workspaceId: ws, id: { in: moved.interactions }, contactId: kept.id },
        data: { contactId: from.id },
      })
    ).count;
    count += (
      await tx.deal.updateMany({ where: { workspaceId: ws, id: { in: moved.deals }, contactId: kept.id }, data: { contactId: from.id } })
    ).count;
    count += (
      await tx.ticket.updateMany({
        where: { workspaceId: ws, id: { in: moved.tickets }, requesterId: kept.id },
        data: { requesterId: from.id },
      })
    ).count;
    count += (
      await tx.task.updateMany({ where: { workspaceId: ws, id: { in: moved.tasks }, contactId: kept.id }, data: { contactId: from.id } })
    ).count;
  } else {
    count += (
      await tx.interaction.updateMany({
        where: { workspaceId: ws, id: { in: moved.interactions }, companyId: kept.id },
        data: { companyId: from.id },
      })
    ).count;
    count += (
      await tx.deal.updateMany({ where: { workspaceId: ws, id: { in: moved.deals }, companyId: kept.id }, data: { companyId: from.id } })
    ).count;
    count += (
      await tx.task.updateMany({ where: { workspaceId: ws, id: { in: moved.tasks }, companyId: kept.id }, data: { companyId: from.id } })
    ).count;
    count += (
      await tx.contact.updateMany({
        where: { workspaceId: ws, id: { in: moved.contacts }, companyId: kept.id },
        data: { companyId: from.id },
      })
    ).count;
  }
  // the kept record's filled-in fields first (its email may be the one going back to the duplicate)
  const restore = columns(into.before);
  if (Object.keys(restore).length) {
    if (kind === "contact") await tx.contact.update({ where: { id: kept.id }, data: restore });
    else await tx.company.update({ where: { id: kept.id }, data: restore });
  }
  const emailBack = kind === "contact" && typeof fromBefore.email === "string" && after.email === null ? fromBefore.email : undefined;
  if (kind === "contact")
    await tx.contact.update({
      where: { id: from.id },
      data: { archivedAt: null, mergedIntoId: null, ...(emailBack ? { email: emailBack } : {}) },
    });
  else await tx.company.update({ where: { id: from.id }, data: { archivedAt: null, mergedIntoId: null } });

  const undid = `${kind}.merge`;
  await audit(
    tx,
    actor,
    `${kind}.undo`,
    kind,
    from.id,
    { archivedAt: from.archivedAt, mergedIntoId: into.id, ...(emailBack ? { email: null } : {}) },
    { archivedAt: null, mergedIntoId: null, ...(emailBack ? { email: emailBack } : {}), undoes: auditId, undid, moved },
  );
  await audit(tx, actor, `${kind}.undo`, kind, kept.id, into.after, { ...into.before, undoes: auditId, undid, from: from.id });
  await recordEvent(tx, actor, changedEvent(kind, { id: from.id, contactId: null }, ["archivedAt", "mergedIntoId"]));
  const movedFields = kind === "contact" ? ["interactions", "deals", "tickets"] : ["contacts", "deals"];
  await recordEvent(tx, actor, changedEvent(kind, { id: kept.id, contactId: null }, [...into.fields, ...movedFields]));
  return { fromNumber: from.number, intoNumber: kept.number, moved: count };
}
