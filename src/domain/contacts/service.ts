// Contacts: add, find, show, tags. Keys C-n; email unique per workspace.
import { UserInputError } from "../../errors.ts";
import type { PrismaClient, Contact } from "../../generated/prisma/client.ts";
import { nextNumber } from "../../db/keys.ts";
import { requireCanChange, requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveRef } from "../refs.ts";
import type { CompanyService } from "../companies/service.ts";
import { recordEvent, type EventLog } from "../events/record.ts";
import { requireEditable } from "./edit.ts";

export interface NewContact {
  name: string;
  email?: string;
  phone?: string;
  company?: string;
  tags?: string[];
  title?: string;
}

export class ContactService {
  constructor(
    private db: PrismaClient,
    private companies: CompanyService,
    private events: EventLog,
  ) {}

  /** Adds a contact; `sameName` lists live contacts with exactly this name (the reply warns: perhaps a duplicate). */
  async add(actor: Actor, input: NewContact): Promise<Contact & { companyName?: string; sameName: { number: number; name: string }[] }> {
    requireRole(actor, "agent", "add contacts");
    if (input.phone && !/^\+?[0-9 ().-]{5,25}$/.test(input.phone))
      throw new UserInputError(`"${input.phone}" is not a phone number like +1 555 0100`);
    if (input.email) {
      const dup = await this.db.contact.findUnique({
        where: { workspaceId_email: { workspaceId: actor.workspaceId, email: input.email } },
      });
      if (dup)
        throw new UserInputError(
          dup.archivedAt
            ? `${input.email} is already C-${dup.number} ${dup.name}, archived; bring it back with /crm contact restore C-${dup.number}.`
            : `${input.email} is already C-${dup.number} ${dup.name}.`,
        );
    }
    const sameName = await this.db.contact.findMany({
      where: { workspaceId: actor.workspaceId, name: { equals: input.name, mode: "insensitive" }, archivedAt: null },
      orderBy: { number: "asc" },
      take: 3,
      select: { number: true, name: true },
    });
    // resolve the company first so a bad reference writes nothing
    const company = input.company ? await this.companies.findOrCreate(actor, input.company) : undefined;
    return this.events.transaction(async (tx) => {
      const number = await nextNumber(tx, actor.workspaceId, "contact");
      const c = await tx.contact.create({
        data: {
          workspaceId: actor.workspaceId,
          number,
          name: input.name,
          email: input.email,
          phone: input.phone,
          title: input.title,
          tags: input.tags ?? [],
          companyId: company?.id,
          ownerId: actor.memberId,
        },
      });
      await audit(tx, actor, "contact.add", "contact", c.id, null, c);
      await recordEvent(tx, actor, { type: "contact.created", recordKind: "contact", recordId: c.id, data: {} });
      return { ...c, companyName: company?.name, sameName };
    });
  }

  /** Name substring, email prefix or company name prefix; keys resolve exactly. Index-backed (pg_trgm). */
  async find(actor: Actor, query: string, limit = 10) {
    const q = query.trim();
    // companies first, so every branch of the OR below is a column of Contact and can use an index
    const companyIds = (
      await this.db.company.findMany({
        where: { workspaceId: actor.workspaceId, name: { startsWith: q, mode: "insensitive" } },
        select: { id: true },
        take: 50,
      })
    ).map((c) => c.id);
    const where = {
      workspaceId: actor.workspaceId,
      OR: [
        { name: { contains: q, mode: "insensitive" as const } },
        { email: { startsWith: q.toLowerCase() } },
        ...(companyIds.length ? [{ companyId: { in: companyIds } }] : []),
        ...(/^C-?\d{1,9}$/i.test(q) ? [{ number: Number(q.replace(/\D/g, "")) }] : []),
      ],
    };
    const rows = await this.db.contact.findMany({
      where,
      orderBy: { number: "asc" },
      take: limit + 1,
      include: { company: { select: { name: true, number: true } } },
    });
    return { rows: rows.slice(0, limit), more: rows.length > limit };
  }

  async get(actor: Actor, ref: string) {
    const hit = await resolveRef(this.db, actor.workspaceId, "contact", ref);
    const contact = await this.db.contact.findFirstOrThrow({
      where: { id: hit.id, workspaceId: actor.workspaceId },
      include: { company: true, owner: true },
    });
    const [deals, tickets, timeline, mergedInto] = await Promise.all([
      this.db.deal.findMany({
        where: { workspaceId: actor.workspaceId, contactId: contact.id, archivedAt: null },
        orderBy: { number: "desc" },
        take: 5,
        include: { stage: true },
      }),
      this.db.ticket.findMany({
        where: { workspaceId: actor.workspaceId, requesterId: contact.id, archivedAt: null },
        orderBy: { number: "desc" },
        take: 5,
      }),
      this.db.interaction.findMany({
        where: { workspaceId: actor.workspaceId, contactId: contact.id },
        orderBy: { occurredAt: "desc" },
        take: 5,
        include: { author: true },
      }),
      // a merged contact points at the one it was merged into
      contact.mergedIntoId
        ? this.db.contact.findFirst({
            where: { id: contact.mergedIntoId, workspaceId: actor.workspaceId },
            select: { number: true, name: true },
          })
        : null,
    ]);
    return { contact, deals, tickets, timeline, mergedInto };
  }

  async tag(actor: Actor, ref: string, add: string[], remove: string[]): Promise<Contact> {
    const hit = await resolveRef(this.db, actor.workspaceId, "contact", ref);
    return this.events.transaction(async (tx) => {
      const before = await tx.contact.findFirstOrThrow({ where: { id: hit.id, workspaceId: actor.workspaceId } });
      requireEditable(before);
      requireCanChange(actor, before.ownerId, "tag contacts");
      const tags = [...new Set([...before.tags.filter((t) => !remove.includes(t)), ...add])];
      const after = await tx.contact.update({ where: { id: hit.id }, data: { tags } });
      await audit(tx, actor, "contact.tag", "contact", hit.id, { tags: before.tags }, { tags });
      await recordEvent(tx, actor, { type: "contact.changed", recordKind: "contact", recordId: hit.id, data: { fields: ["tags"] } });
      return after;
    });
  }
}
