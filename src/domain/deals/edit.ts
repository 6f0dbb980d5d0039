// deal edit: change a deal's title, amount, currency, expected close date, owner, contact or company.
// Agents change their own and unassigned deals (requireCanChange), as they move them; stage changes stay
// with deal move / won / lost.
import { UserInputError } from "../../errors.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { MemberRef } from "../../parse/memberRef.ts";
import { requireCanChange, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveRef } from "../refs.ts";
import type { CompanyService } from "../companies/service.ts";
import type { MemberService } from "../members/service.ts";
import { recordEvent, type EventLog } from "../events/record.ts";
import { diff, requireLive, requireSomething, type Change } from "../records/changes.ts";
import type { DealWithRefs } from "./service.ts";

export interface DealEdit {
  title?: string;
  /** currency "" when the amount was typed without one: the deal keeps its currency */
  amount?: { amount: string; currency: string };
  currency?: string;
  close?: Date;
  owner?: MemberRef;
  contact?: string;
  company?: string;
}

export const DEAL_EDIT_OPTIONS = "title:, amount:, currency:, close:, owner:, contact: or company:";
const dealInclude = { stage: true, owner: true, company: true, contact: true } as const;

export class DealEdits {
  constructor(
    private db: PrismaClient,
    private companies: CompanyService,
    private members: MemberService,
    private events: EventLog,
  ) {}

  /** The deal as the Edit form shows it. */
  async current(actor: Actor, ref: string): Promise<DealWithRefs> {
    const hit = await resolveRef(this.db, actor.workspaceId, "deal", ref);
    const d = await this.db.deal.findFirstOrThrow({ where: { id: hit.id, workspaceId: actor.workspaceId }, include: dealInclude });
    requireLive("deal", `D-${d.number}`, d);
    requireCanChange(actor, d.ownerId, "edit deals");
    return d;
  }

  async edit(actor: Actor, ref: string, input: DealEdit): Promise<{ deal: DealWithRefs; change: Change }> {
    const d = await this.current(actor, ref);
    const key = `D-${d.number}`;
    const ws = actor.workspaceId;
    if (input.amount?.currency && input.currency && input.amount.currency !== input.currency)
      throw new UserInputError(`amount: says ${input.amount.currency} and currency: says ${input.currency}; give one.`);
    // resolve every reference before writing anything
    const owner = input.owner ? await this.members.resolve(actor, input.owner) : undefined;
    const contact = input.contact ? await resolveRef(this.db, ws, "contact", input.contact) : undefined;
    const sameCompany =
      input.company !== undefined &&
      d.company &&
      [d.company.name.toLowerCase(), `a-${d.company.number}`].includes(input.company.toLowerCase());
    const wanted = {
      title: input.title,
      amount: input.amount?.amount,
      currency: input.currency ?? (input.amount?.currency || undefined),
      expectedCloseAt: input.close,
      ownerId: owner?.id,
      contactId: contact?.id,
    };
    requireSomething(
      diff({ ...d, amount: d.amount.toFixed(2) }, { ...wanted, companyId: input.company && !sameCompany ? "?" : undefined }),
      key,
      DEAL_EDIT_OPTIONS,
    );
    const company = input.company && !sameCompany ? await this.companies.findOrCreate(actor, input.company) : undefined;
    return this.events.transaction(async (tx) => {
      const before = await tx.deal.findFirstOrThrow({ where: { id: d.id, workspaceId: ws } });
      const change = diff({ ...before, amount: before.amount.toFixed(2) }, { ...wanted, companyId: company?.id });
      requireSomething(change, key, DEAL_EDIT_OPTIONS);
      await tx.deal.update({ where: { id: d.id }, data: { ...change.after, ...(input.close ? { expectedCloseAt: input.close } : {}) } });
      await audit(tx, actor, "deal.edit", "deal", d.id, change.before, change.after);
      await recordEvent(tx, actor, {
        type: "deal.changed",
        recordKind: "deal",
        recordId: d.id,
        data: { fields: change.fields, contactId: contact?.id ?? before.contactId },
      });
      const deal = await tx.deal.findUniqueOrThrow({ where: { id: d.id }, include: dealInclude });
      return { deal, change };
    });
  }
}
