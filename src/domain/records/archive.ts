// Delete is an archive: `<kind> delete <ref>` sets archivedAt (the record leaves lists, search, autocomplete
// and counts; `show` still finds it by key and says how to restore it), `<kind> restore <ref>` clears it.
// Who may: as for changing the record (agents their own and unassigned contacts, deals and tickets;
// companies, which have no owner, managers and admins). Audited and raising <kind>.changed in one transaction.
import { UserInputError } from "../../errors.ts";
import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import { requireCanChange, requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveRef, type RefKind } from "../refs.ts";
import { formatKey } from "../../db/keys.ts";
import { recordEvent, type EventLog } from "../events/record.ts";
import type { DomainEventInput } from "../events/types.ts";

type Tx = Prisma.TransactionClient;

/** A record's row as archive, merge, history and undo need it, whatever its kind. */
export interface RecordRow {
  id: string;
  number: number;
  label: string;
  archivedAt: Date | null;
  /** the owner (contacts, deals) or assignee (tickets) for requireCanChange; companies have none */
  ownerId: string | null;
  contactId: string | null;
  mergedIntoId?: string | null;
  forgottenAt?: Date | null;
}

export const PLURAL: Record<RefKind, string> = { contact: "contacts", company: "companies", deal: "deals", ticket: "tickets" };

/** The row of a record of any kind, in the workspace (null: not there). */
export async function loadRow(db: PrismaClient | Tx, workspaceId: string, kind: RefKind, id: string): Promise<RecordRow | null> {
  const where = { id, workspaceId };
  switch (kind) {
    case "contact": {
      const c = await db.contact.findFirst({ where });
      return (
        c && {
          id,
          number: c.number,
          label: c.name,
          archivedAt: c.archivedAt,
          ownerId: c.ownerId,
          contactId: id,
          mergedIntoId: c.mergedIntoId,
          forgottenAt: c.forgottenAt,
        }
      );
    }
    case "company": {
      const c = await db.company.findFirst({ where });
      return (
        c && { id, number: c.number, label: c.name, archivedAt: c.archivedAt, ownerId: null, contactId: null, mergedIntoId: c.mergedIntoId }
      );
    }
    case "deal": {
      const d = await db.deal.findFirst({ where });
      return d && { id, number: d.number, label: d.title, archivedAt: d.archivedAt, ownerId: d.ownerId, contactId: d.contactId };
    }
    case "ticket": {
      const t = await db.ticket.findFirst({ where });
      return t && { id, number: t.number, label: t.subject, archivedAt: t.archivedAt, ownerId: t.assigneeId, contactId: t.requesterId };
    }
  }
}

/** The role and owner rule for changing a record of this kind. */
export function requireMayChange(actor: Actor, kind: RefKind, row: Pick<RecordRow, "ownerId">, what: string): void {
  if (kind === "company") requireRole(actor, "manager", what);
  else requireCanChange(actor, row.ownerId, what);
}

/** Writes archivedAt (a Date or null) on a record of any kind. */
export async function setArchived(
  tx: Tx,
  kind: RefKind,
  id: string,
  archivedAt: Date | null,
  extra: { mergedIntoId?: string | null } = {},
) {
  const data = { archivedAt, ...extra };
  if (kind === "contact") await tx.contact.update({ where: { id }, data });
  else if (kind === "company") await tx.company.update({ where: { id }, data });
  else if (kind === "deal") await tx.deal.update({ where: { id }, data: { archivedAt } });
  else await tx.ticket.update({ where: { id }, data: { archivedAt } });
}

/** The <kind>.changed event for a change of these columns. */
export function changedEvent(kind: RefKind, row: Pick<RecordRow, "id" | "contactId">, fields: string[]): DomainEventInput {
  switch (kind) {
    case "contact":
      return { type: "contact.changed", recordKind: "contact", recordId: row.id, data: { fields } };
    case "company":
      return { type: "company.changed", recordKind: "company", recordId: row.id, data: { fields } };
    case "deal":
      return { type: "deal.changed", recordKind: "deal", recordId: row.id, data: { fields, contactId: row.contactId } };
    case "ticket":
      return { type: "ticket.changed", recordKind: "ticket", recordId: row.id, data: { fields } };
  }
}

export class RecordArchive {
  constructor(
    private db: PrismaClient,
    private events: EventLog,
  ) {}

  async delete(actor: Actor, kind: RefKind, ref: string): Promise<RecordRow> {
    return this.set(actor, kind, ref, true);
  }

  async restore(actor: Actor, kind: RefKind, ref: string): Promise<RecordRow> {
    return this.set(actor, kind, ref, false);
  }

  private async set(actor: Actor, kind: RefKind, ref: string, archive: boolean): Promise<RecordRow> {
    const verb = archive ? "delete" : "restore";
    requireRole(actor, "agent", `${verb} ${PLURAL[kind]}`);
    const hit = await resolveRef(this.db, actor.workspaceId, kind, ref);
    return this.events.transaction(async (tx) => {
      const row = await loadRow(tx, actor.workspaceId, kind, hit.id);
      if (!row) throw new UserInputError(`No ${kind} ${formatKey(kind, hit.number)} in this workspace.`);
      const key = formatKey(kind, row.number);
      requireMayChange(actor, kind, row, `${verb} ${PLURAL[kind]}`);
      if (archive && row.archivedAt) throw new UserInputError(`${key} is already archived; /crm ${kind} restore ${key} brings it back.`);
      if (!archive && !row.archivedAt) throw new UserInputError(`${key} is not archived; there is nothing to restore.`);
      if (!archive && row.mergedIntoId)
        throw new UserInputError(`${key} was merged into another ${kind}; its records are there now, so it stays archived.`);
      const at = archive ? new Date() : null;
      await setArchived(tx, kind, row.id, at);
      await audit(tx, actor, `${kind}.${verb}`, kind, row.id, { archivedAt: row.archivedAt }, { archivedAt: at });
      await recordEvent(tx, actor, changedEvent(kind, row, ["archivedAt"]));
      return { ...row, archivedAt: at };
    });
  }
}
