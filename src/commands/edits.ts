// contact edit | company edit | deal edit | ticket edit. Each card has an Edit button: a form button whose
// command is `deal edit D-7`, so the form (a Slack or Discord modal, the console's command box) opens with
// the record's current values (form.load); submitting runs the same command with every field, and only the
// fields that differ are written.
import { Arg, arg } from "./args.ts";
import { TEXT_LIMITS } from "../parse/limits.ts";
import { parseMoney, type Money } from "../parse/index.ts";
import { UserInputError } from "../errors.ts";
import { defineCommand } from "./define.ts";
import { b, reply, s, type Action } from "../reply/reply.ts";
import { day } from "../reply/format.ts";
import { dealCard } from "../render/deal-card.ts";
import { TICKET_PRIORITIES } from "../domain/tickets/service.ts";
import { CONTACT_EDIT_OPTIONS } from "../domain/contacts/edit.ts";
import { COMPANY_EDIT_OPTIONS } from "../domain/companies/edit.ts";
import { DEAL_EDIT_OPTIONS } from "../domain/deals/edit.ts";
import { TICKET_EDIT_OPTIONS } from "../domain/tickets/edit.ts";

/** The Edit button of a record's card: opens the edit form with the current values. */
export const editAction = (key: string): Action => {
  const kind = { C: "contact", A: "company", D: "deal", T: "ticket" }[key.charAt(0)] ?? "contact";
  return { label: "Edit", command: `${kind} edit ${key}`, form: true };
};

/** Column names as people know them (history and edit replies). */
export const FIELD_LABEL: Record<string, string> = {
  expectedCloseAt: "close",
  ownerId: "owner",
  companyId: "company",
  contactId: "contact",
  requesterId: "requester",
  archivedAt: "archived",
};
const changed = (fields: string[]) => fields.map((f) => FIELD_LABEL[f] ?? f).join(", ");

/** An amount typed without a currency keeps the deal's currency (currency "" here). */
const editAmount = new Arg<Money, false>(
  { type: "money", mode: "option", required: false, description: "amount, e.g. 15k or €12,000" },
  (r) => parseMoney(r, ""),
);
let currencies: Set<string> | undefined;
const currency = new Arg<string, false>(
  { type: "text", mode: "option", required: false, description: "currency code, e.g. EUR", maxLength: 3 },
  (r) => {
    const code = r.trim().toUpperCase();
    if (!(currencies ??= new Set(Intl.supportedValuesOf("currency"))).has(code))
      throw new UserInputError(`"${r}" is not a currency code like USD or EUR`);
    return code;
  },
);
/** an amount as the form shows it, read back by parseMoney: 12000EUR, $12000.50 */
const amountText = (amount: { toFixed(n: number): string }, cur: string) => {
  const v = amount.toFixed(2).replace(/\.00$/, "");
  return cur.trim() === "USD" ? `$${v}` : `${v}${cur.trim()}`;
};

export const contactEdit = defineCommand({
  path: ["contact", "edit"],
  summary: "Change a contact's name, email, phone, company, title or tags",
  usage: "/crm contact edit <C-ref> [name:] [email:] [phone:] [company:] [title:] [tags:]",
  help: [
    'Example: /crm contact edit C-9 email:ana@globex.com company:"Globex Inc"',
    "tags: replaces the tags (contact tag adds or removes some).",
  ],
  args: {
    contact: arg.ref("contact key or email", "contact"),
    name: arg.text("full name", TEXT_LIMITS.name).optional().option(),
    email: arg.email("email address").optional().option(),
    phone: arg.text("phone number", TEXT_LIMITS.phone).optional().option(),
    company: arg.text("company name or A- key (created when new)").optional().option(),
    title: arg.text("job title").optional().option(),
    tags: arg.tags("comma-separated tags").optional().option(),
  },
  form: {
    title: "Edit contact",
    async load({ raw, actor, services }) {
      if (!raw.contact) return {};
      const c = await services.edits.contacts.current(actor, raw.contact);
      return {
        title: `Edit C-${c.number}`,
        values: { name: c.name, email: c.email, phone: c.phone, company: c.company?.name, title: c.title, tags: c.tags.join(",") },
      };
    },
  },
  async run({ args, actor, services }) {
    const { contact: ref, ...input } = args;
    if (Object.values(input).every((v) => v === undefined)) throw nothingGiven(`C-ref`, CONTACT_EDIT_OPTIONS);
    const { contact: c, change } = await services.edits.contacts.edit(actor, ref, input);
    const key = `C-${c.number}`;
    return reply(`${key} ${c.name}: changed ${changed(change.fields)}`)
      .text([s("✏️ "), b(key), s(` ${c.name}: changed ${changed(change.fields)}.`)])
      .fields([
        { label: "Email", value: c.email ?? "—" },
        { label: "Phone", value: c.phone ?? "—" },
        c.title && { label: "Title", value: c.title },
        c.tags.length > 0 && { label: "Tags", value: c.tags.join(", ") },
      ])
      .actions([{ label: "Show", command: `contact show ${key}` }, editAction(key)])
      .record(key)
      .build();
  },
});

export const companyEdit = defineCommand({
  path: ["company", "edit"],
  summary: "Change a company's name or domain",
  usage: "/crm company edit <A-ref> [name:] [domain:]",
  help: ['Example: /crm company edit A-3 name:"Globex Inc" domain:globex.com'],
  args: {
    company: arg.ref("company key or name", "company"),
    name: arg.text("company name", TEXT_LIMITS.name).optional().option(),
    domain: arg.text("web domain, e.g. acme.com").optional().option(),
  },
  form: {
    title: "Edit company",
    async load({ raw, actor, services }) {
      if (!raw.company) return {};
      const c = await services.edits.companies.current(actor, raw.company);
      return { title: `Edit A-${c.number}`, values: { name: c.name, domain: c.domain } };
    },
  },
  async run({ args, actor, services }) {
    if (args.name === undefined && args.domain === undefined) throw nothingGiven("A-ref", COMPANY_EDIT_OPTIONS);
    const { company: c, change } = await services.edits.companies.edit(actor, args.company, args);
    const key = `A-${c.number}`;
    return reply(`${key} ${c.name}: changed ${changed(change.fields)}`)
      .text([s("✏️ "), b(key), s(` ${c.name}${c.domain ? ` (${c.domain})` : ""}: changed ${changed(change.fields)}.`)])
      .actions([{ label: "Show", command: `company show ${key}` }, editAction(key)])
      .record(key)
      .build();
  },
});

export const dealEdit = defineCommand({
  path: ["deal", "edit"],
  summary: "Change a deal's title, amount, currency, close date, owner, contact or company",
  usage: "/crm deal edit <D-ref> [title:] [amount:] [currency:] [close:] [owner:@user] [contact:] [company:]",
  help: [
    "An amount without a currency keeps the deal's currency; amount:€15k or currency:EUR changes it. The stage changes with deal move.",
    'Example: /crm deal edit D-7 amount:15k close:"next friday" owner:@raj',
  ],
  args: {
    deal: arg.ref("deal key or title", "deal"),
    title: arg.text("deal title", TEXT_LIMITS.name).optional().option(),
    amount: editAmount,
    currency,
    close: arg.date("expected close date").optional().option(),
    owner: arg.member("owner").optional().option(),
    contact: arg.ref("contact key, email or name", "contact").optional().option(),
    company: arg.text("company name or A- key (created when new)").optional().option(),
  },
  form: {
    title: "Edit deal",
    async load({ raw, actor, services }) {
      if (!raw.deal) return {};
      const d = await services.edits.deals.current(actor, raw.deal);
      return {
        title: `Edit D-${d.number}`,
        values: {
          title: d.title,
          amount: amountText(d.amount, d.currency),
          close: d.expectedCloseAt ? day(d.expectedCloseAt) : undefined,
          owner: d.owner?.name,
          contact: d.contact ? `C-${d.contact.number}` : undefined,
          company: d.company ? `A-${d.company.number}` : undefined,
        },
        // the amount carries the currency in the form
        hide: ["currency"],
      };
    },
  },
  async run({ args, actor, services }) {
    const { deal: ref, ...input } = args;
    if (Object.values(input).every((v) => v === undefined)) throw nothingGiven("D-ref", DEAL_EDIT_OPTIONS);
    const { deal, change } = await services.edits.deals.edit(actor, ref, input);
    const stages = await services.pipelines.stages(actor.workspaceId);
    return dealCard(deal, stages, `changed ${changed(change.fields)}`).build();
  },
});

export const ticketEdit = defineCommand({
  path: ["ticket", "edit"],
  summary: "Change a ticket's subject, priority or requester",
  usage: "/crm ticket edit <T-ref> [subject:] [priority:low|normal|high|urgent] [requester:<C-ref>]",
  help: ['Example: /crm ticket edit T-42 subject:"Printer on fire" priority:urgent', "A new priority moves the SLA due times."],
  args: {
    ticket: arg.ref("ticket key", "ticket"),
    subject: arg.text("what the ticket is about", TEXT_LIMITS.subject).optional().option(),
    priority: arg.choice("priority", TICKET_PRIORITIES).optional().option(),
    requester: arg.ref("requester: contact key, email or name", "contact").optional().option(),
  },
  form: {
    title: "Edit ticket",
    async load({ raw, actor, services }) {
      if (!raw.ticket) return {};
      const t = await services.edits.tickets.current(actor, raw.ticket);
      return {
        title: `Edit T-${t.number}`,
        values: { subject: t.subject, priority: t.priority, requester: t.requester ? `C-${t.requester.number}` : undefined },
      };
    },
  },
  async run({ args, actor, services }) {
    const { ticket: ref, ...input } = args;
    if (Object.values(input).every((v) => v === undefined)) throw nothingGiven("T-ref", TICKET_EDIT_OPTIONS);
    const { ticket: t, change } = await services.edits.tickets.edit(actor, ref, input);
    const key = `T-${t.number}`;
    return reply(`${key} ${t.subject}: changed ${changed(change.fields)}`)
      .text([s("✏️ "), b(key), s(` ${t.subject}: changed ${changed(change.fields)}.`)])
      .fields([
        { label: "Priority", value: t.priority },
        { label: "Requester", value: t.requester ? `C-${t.requester.number} ${t.requester.name}` : "—" },
      ])
      .actions([{ label: "Show", command: `ticket show ${key}` }, editAction(key)])
      .record(key)
      .build();
  },
});

function nothingGiven(ref: string, options: string): UserInputError {
  return new UserInputError(`Nothing to change: give ${options} after the ${ref}, or press Edit on its card.`);
}

export const editCommands = [contactEdit, companyEdit, dealEdit, ticketEdit];
