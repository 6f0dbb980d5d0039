// contact edit: change a contact's name, email, phone, company, title or tags. Agents change their own and
// unassigned contacts (requireCanChange), like tagging; an email another contact has is refused with its key.
import { UserInputError } from "../../errors.ts";
import type { Contact, PrismaClient } from "../../generated/prisma/client.ts";
import { requireCanChange, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveRef } from "../refs.ts";
import type { CompanyService } from "../companies/service.ts";
import { recordEvent, type EventLog } from "../events/record.ts";
import { diff, requireLive, requireSomething, type Change } from "../records/changes.ts";

export interface ContactEdit {
  name?: string;
  email?: string;
  phone?: string;
  company?: string;
  title?: string;
  tags?: string[];
}

export const CONTACT_EDIT_OPTIONS = "name:, email:, phone:, company:, title: or tags:";
export const PHONE = /^\+?[0-9 ().-]{5,25}$/;

export class ContactEdits {
  constructor(
    private db: PrismaClient,
    private companies: CompanyService,
    private events: EventLog,
  ) {}

  /** The contact as the Edit form shows it. */
  async current(actor: Actor, ref: string) {
    const hit = await resolveRef(this.db, actor.workspaceId, "contact", ref);
    const c = await this.db.contact.findFirstOrThrow({ where: { id: hit.id, workspaceId: actor.workspaceId }, include: { company: true } });
    requireEditable(c);
    requireCanChange(actor, c.ownerId, "edit contacts");
    return c;
  }

  async edit(actor: Actor, ref: string, input: ContactEdit): Promise<{ contact: Contact; change: Change }> {
    const c = await this.current(actor, ref);
    const key = `C-${c.number}`;
    if (input.phone && !PHONE.test(input.phone)) throw new UserInputError(`"${input.phone}" is not a phone number like +1 555 0100`);
    if (input.email && input.email !== c.email) {
      const dup = await this.db.contact.findUnique({
        where: { workspaceId_email: { workspaceId: actor.workspaceId, email: input.email } },
      });
      if (dup)
        throw new UserInputError(
          `${input.email} is already C-${dup.number} ${dup.name}; merge them with /crm contact merge ${key} into C-${dup.number}.`,
        );
    }
    const wanted = { name: input.name, email: input.email, phone: input.phone, title: input.title, tags: input.tags };
    // an unchanged company is not looked up (or created) again
    const sameCompany =
      input.company !== undefined &&
      c.company &&
      [c.company.name.toLowerCase(), `a-${c.company.number}`].includes(input.company.toLowerCase());
    const probe = diff(c, { ...wanted, companyId: input.company && !sameCompany ? "?" : undefined });
    requireSomething(probe, key, CONTACT_EDIT_OPTIONS);
    const company = input.company && !sameCompany ? await this.companies.findOrCreate(actor, input.company) : undefined;
    return this.events.transaction(async (tx) => {
      const before = await tx.contact.findFirstOrThrow({ where: { id: c.id, workspaceId: actor.workspaceId } });
      const change = diff(before, { ...wanted, companyId: company?.id });
      requireSomething(change, key, CONTACT_EDIT_OPTIONS);
      const contact = await tx.contact.update({ where: { id: c.id }, data: change.after });
      await audit(tx, actor, "contact.edit", "contact", c.id, change.before, change.after);
      await recordEvent(tx, actor, { type: "contact.changed", recordKind: "contact", recordId: c.id, data: { fields: change.fields } });
      return { contact, change };
    });
  }
}

/** Archived and forgotten contacts cannot be edited. */
export function requireEditable(c: Pick<Contact, "number" | "archivedAt" | "forgottenAt">): void {
  if (c.forgottenAt) throw new UserInputError(`C-${c.number} was forgotten; its personal data is gone for good.`);
  requireLive("contact", `C-${c.number}`, c);
}
