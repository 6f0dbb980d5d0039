// contact merge C-9 into C-3 (and company merge A-9 into A-3): the duplicate's interactions, deals, tickets
// and tasks move to the one kept, tags are joined, the higher lead score is kept, blanks of the kept one are
// filled in from the duplicate (email, phone, title, company; domain and channel for companies), and the
// duplicate is archived with a pointer (mergedIntoId). One transaction: the audit rows (on both) say what
// moved, so /crm undo can move it back; contact.changed / company.changed for both.
import { UserInputError } from "../../errors.ts";
import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import { requireCanChange, requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveRef } from "../refs.ts";
import { recordEvent, type EventLog } from "../events/record.ts";
import { diff } from "./changes.ts";

/** What moved from the duplicate to the kept record, by table: what undo moves back. */
export interface Moved {
  interactions: string[];
  deals: string[];
  tickets: string[];
  tasks: string[];
  contacts: string[];
}

export interface MergeResult {
  from: { number: number; name: string };
  into: { number: number; name: string };
  moved: Moved;
  filled: string[];
}

const ids = async (rows: Promise<{ id: string }[]>) => (await rows).map((r) => r.id);

export class RecordMerge {
  constructor(
    private db: PrismaClient,
    private events: EventLog,
  ) {}

  async contacts(actor: Actor, fromRef: string, intoRef: string): Promise<MergeResult> {
    requireRole(actor, "agent", "merge contacts");
    const ws = actor.workspaceId;
    const [a, b] = [await resolveRef(this.db, ws, "contact", fromRef), await resolveRef(this.db, ws, "contact", intoRef)];
    if (a.id === b.id) throw new UserInputError(`C-${a.number} and C-${b.number} are the same contact.`);
    return this.events.transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "Contact" WHERE "id" IN (${a.id}, ${b.id}) AND "workspaceId" = ${ws} ORDER BY "id" FOR UPDATE`;
      const from = await tx.contact.findFirstOrThrow({ where: { id: a.id, workspaceId: ws } });
      const into = await tx.contact.findFirstOrThrow({ where: { id: b.id, workspaceId: ws } });
      for (const c of [from, into]) {
        if (c.forgottenAt) throw new UserInputError(`C-${c.number} was forgotten; it cannot be merged.`);
        if (c.archivedAt) throw new UserInputError(`C-${c.number} is archived; restore it first with /crm contact restore C-${c.number}.`);
        requireCanChange(actor, c.ownerId, "merge contacts");
      }
      const where = { workspaceId: ws, contactId: from.id };
      const moved: Moved = {
        interactions: await ids(tx.interaction.findMany({ where, select: { id: true } })),
        deals: await ids(tx.deal.findMany({ where, select: { id: true } })),
        tickets: await ids(tx.ticket.findMany({ where: { workspaceId: ws, requesterId: from.id }, select: { id: true } })),
        tasks: await ids(tx.task.findMany({ where, select: { id: true } })),
        contacts: [],
      };
      await tx.interaction.updateMany({ where: { id: { in: moved.interactions } }, data: { contactId: into.id } });
      await tx.deal.updateMany({ where: { id: { in: moved.deals } }, data: { contactId: into.id } });
      await tx.ticket.updateMany({ where: { id: { in: moved.tickets } }, data: { requesterId: into.id } });
      await tx.task.updateMany({ where: { id: { in: moved.tasks } }, data: { contactId: into.id } });
      // the kept contact: joined tags, the higher score, blanks filled in (an email moves: it is unique)
      const higher = (from.score ?? -1) > (into.score ?? -1);
      const last = [from.lastInteractionAt, into.lastInteractionAt]
        .filter((d): d is Date => !!d)
        .sort((x, y) => y.getTime() - x.getTime())[0];
      const wanted = {
        tags: [...new Set([...into.tags, ...from.tags])],
        email: into.email ?? from.email ?? undefined,
        phone: into.phone ?? from.phone ?? undefined,
        title: into.title ?? from.title ?? undefined,
        companyId: into.companyId ?? from.companyId ?? undefined,
        ownerId: into.ownerId ?? from.ownerId ?? undefined,
        score: higher ? from.score : undefined,
        scoreReasons: higher ? ((from.scoreReasons ?? undefined) as Prisma.InputJsonValue | undefined) : undefined,
        lastInteractionAt: last ?? undefined,
      };
      const change = diff(into, wanted);
      const fromBefore = { archivedAt: null, mergedIntoId: null, email: from.email };
      const emailMoves = change.fields.includes("email");
      await tx.contact.update({
        where: { id: from.id },
        data: { archivedAt: new Date(), mergedIntoId: into.id, ...(emailMoves ? { email: null } : {}) },
      });
      if (change.fields.length) await tx.contact.update({ where: { id: into.id }, data: wanted });
      const after = { archivedAt: new Date().toISOString(), mergedIntoId: into.id, email: emailMoves ? null : from.email };
      await audit(tx, actor, "contact.merge", "contact", from.id, fromBefore, { ...after, into: { id: into.id, ...change }, moved });
      await audit(tx, actor, "contact.merged-in", "contact", into.id, change.before, { ...change.after, from: from.id });
      await recordEvent(tx, actor, {
        type: "contact.changed",
        recordKind: "contact",
        recordId: from.id,
        data: { fields: ["archivedAt", "mergedIntoId"] },
      });
      await recordEvent(tx, actor, {
        type: "contact.changed",
        recordKind: "contact",
        recordId: into.id,
        data: { fields: [...change.fields, "interactions", "deals", "tickets"] },
      });
      return {
        from: { number: from.number, name: from.name },
        into: { number: into.number, name: into.name },
        moved,
        filled: change.fields,
      };
    });
  }

  async companies(actor: Actor, fromRef: string, intoRef: string): Promise<MergeResult> {
    requireRole(actor, "manager", "merge companies");
    const ws = actor.workspaceId;
    const [a, b] = [await resolveRef(this.db, ws, "company", fromRef), await resolveRef(this.db, ws, "company", intoRef)];
    if (a.id === b.id) throw new UserInputError(`A-${a.number} and A-${b.number} are the same company.`);
    return this.events.transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "Company" WHERE "id" IN (${a.id}, ${b.id}) AND "workspaceId" = ${ws} ORDER BY "id" FOR UPDATE`;
      const from = await tx.company.findFirstOrThrow({ where: { id: a.id, workspaceId: ws } });
      const into = await tx.company.findFirstOrThrow({ where: { id: b.id, workspaceId: ws } });
      for (const c of [from, into])
        if (c.archivedAt) throw new UserInputError(`A-${c.number} is archived; restore it first with /crm company restore A-${c.number}.`);
      const where = { workspaceId: ws, companyId: from.id };
      const moved: Moved = {
        interactions: await ids(tx.interaction.findMany({ where, select: { id: true } })),
        deals: await ids(tx.deal.findMany({ where, select: { id: true } })),
        tickets: [],
        tasks: await ids(tx.task.findMany({ where, select: { id: true } })),
        contacts: await ids(tx.contact.findMany({ where, select: { id: true } })),
      };
      await tx.interaction.updateMany({ where: { id: { in: moved.interactions } }, data: { companyId: into.id } });
      await tx.deal.updateMany({ where: { id: { in: moved.deals } }, data: { companyId: into.id } });
      await tx.task.updateMany({ where: { id: { in: moved.tasks } }, data: { companyId: into.id } });
      await tx.contact.updateMany({ where: { id: { in: moved.contacts } }, data: { companyId: into.id } });
      const wanted = {
        domain: into.domain ?? from.domain ?? undefined,
        slackChannelId: into.slackChannelId ?? from.slackChannelId ?? undefined,
      };
      const change = diff(into, wanted);
      await tx.company.update({ where: { id: from.id }, data: { archivedAt: new Date(), mergedIntoId: into.id } });
      if (change.fields.length) await tx.company.update({ where: { id: into.id }, data: change.after });
      await audit(
        tx,
        actor,
        "company.merge",
        "company",
        from.id,
        { archivedAt: null, mergedIntoId: null },
        { archivedAt: new Date().toISOString(), mergedIntoId: into.id, into: { id: into.id, ...change }, moved },
      );
      await audit(tx, actor, "company.merged-in", "company", into.id, change.before, { ...change.after, from: from.id });
      await recordEvent(tx, actor, {
        type: "company.changed",
        recordKind: "company",
        recordId: from.id,
        data: { fields: ["archivedAt", "mergedIntoId"] },
      });
      await recordEvent(tx, actor, {
        type: "company.changed",
        recordKind: "company",
        recordId: into.id,
        data: { fields: [...change.fields, "contacts", "deals"] },
      });
      return {
        from: { number: from.number, name: from.name },
        into: { number: into.number, name: into.name },
        moved,
        filled: change.fields,
      };
    });
  }
}
