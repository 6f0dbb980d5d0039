// contact add | find | list | show | tag
import { arg } from "./args.ts";
import { TEXT_LIMITS } from "../parse/limits.ts";
import { defineCommand } from "./define.ts";
import { b, code, reply, s } from "../reply/reply.ts";
import { day, money, when } from "../reply/format.ts";
import { editAction } from "./edits.ts";
import { archivedNote } from "./records.ts";
import { remindMeActions } from "../render/remind-me.ts";
import { formatReasons, topReasons } from "../domain/scoring/leadScore.ts";
import { hitLine } from "./search.ts";
import { afterArg, listPage } from "./paging.ts";

/** contact find shows the best this many */
const FIND_LIMIT = 10;

export const contactAdd = defineCommand({
  path: ["contact", "add"],
  summary: "Add a contact",
  usage: "/crm contact add <name> [email:<e>] [phone:<p>] [company:<name>] [tags:a,b]",
  help: ["Example: /crm contact add Ana Lopez email:ana@acme.com company:Acme tags:vip"],
  args: {
    name: arg.text("full name", TEXT_LIMITS.name).rest(),
    email: arg.email("email address").optional().option(),
    phone: arg.text("phone number", TEXT_LIMITS.phone).optional().option(),
    company: arg.text("company name or A- key (created when new)").optional().option(),
    tags: arg.tags("comma-separated tags").optional().option(),
    title: arg.text("job title").optional().option(),
  },
  async run({ args, actor, services }) {
    // scoring follows the contact.created event (jobs/events/rescore.ts)
    const c = await services.contacts.add(actor, args);
    const r = reply(`Added C-${c.number} ${c.name}`)
      .text([s("✅ Added "), b(`C-${c.number}`), s(` ${c.name}`), ...(c.companyName ? [s(` at ${c.companyName}`)] : [])])
      .fields([
        c.email && { label: "Email", value: c.email },
        c.phone && { label: "Phone", value: c.phone },
        c.tags.length > 0 && { label: "Tags", value: c.tags.join(", ") },
      ]);
    // an exact name that exists already: perhaps the same person
    const same = c.sameName[0];
    if (same)
      r.context(
        `⚠️ Same name as ${c.sameName.map((x) => `C-${x.number} ${x.name}`).join(", ")}. If it is the same person: /crm contact merge C-${c.number} into C-${same.number}`,
      );
    return r
      .actions([
        { label: "Show", command: `contact show C-${c.number}` },
        { label: "Log a call", command: `log call C-${c.number}`, form: true },
        editAction(`C-${c.number}`),
        same && { label: `Merge into C-${same.number}`, command: `contact merge C-${c.number} into C-${same.number}` },
      ])
      .record(`C-${c.number}`)
      .build();
  },
});

export const contactFind = defineCommand({
  path: ["contact", "find"],
  summary: "Find contacts by name, email or company (typos and accents forgiven)",
  usage: "/crm contact find <query>",
  help: ['Lopes finds "Lopez", zoe finds "Zoë"; % and _ are searched as themselves. The best matches come first.'],
  readOnly: true,
  args: { query: arg.text("name, email or company").rest() },
  async run({ args, actor, services }) {
    const { contact: g } = await services.search.search(actor, args.query, {
      kinds: ["contact"],
      perKind: FIND_LIMIT,
      contactsByCompany: true,
    });
    if (!g.hits.length) return reply(`No contacts match "${args.query}"`).text(`No contacts match "${args.query}".`).build();
    const r = reply(`${g.hits.length}${g.more ? "+" : ""} contact(s) match "${args.query}"`).header(`Contacts matching "${args.query}"`);
    r.text(g.hits.flatMap((h, i) => [...(i ? [s("\n")] : []), ...hitLine(h)]));
    if (g.more) r.context(`Showing the best ${g.hits.length}; narrow the query to see others, or page through all with /crm contact list.`);
    return r.build();
  },
});

export const contactList = defineCommand({
  path: ["contact", "list"],
  summary: "List every contact by key, a page at a time (More shows the next page)",
  usage: "/crm contact list [after:<C-ref>]",
  readOnly: true,
  args: { after: afterArg("contact", "after:C-20") },
  async run({ args, actor, services }) {
    const page = await services.lists.contacts(actor, args.after);
    return listPage({ noun: "contacts", command: "contact list", after: args.after }, page, (c) => ({
      key: `C-${c.number}`,
      rest: `${c.name}${c.email ? ` · ${c.email}` : ""}${c.company ? ` · ${c.company.name}` : ""}`,
    }));
  },
});

export const contactShow = defineCommand({
  path: ["contact", "show"],
  summary: "Show a contact with deals, tickets and timeline",
  usage: "/crm contact show <C-ref|email>",
  readOnly: true,
  args: { contact: arg.ref("contact key, email or name", "contact").rest() },
  async run({ args, actor, services }) {
    const { contact: c, deals, tickets, timeline, mergedInto } = await services.contacts.get(actor, args.contact);
    const key = `C-${c.number}`;
    const r = reply(`${key} ${c.name}`)
      .header(`${key} · ${c.name}`)
      .fields([
        { label: "Email", value: c.email ?? "—" },
        { label: "Phone", value: c.phone ?? "—" },
        { label: "Company", value: c.company ? `A-${c.company.number} ${c.company.name}` : "—" },
        { label: "Owner", value: c.owner?.name ?? "—" },
        c.tags.length > 0 && { label: "Tags", value: c.tags.join(", ") },
        c.score != null && {
          label: "Lead score",
          value: `${c.score}/100${topReasons(c.scoreReasons).length ? ` — ${formatReasons(topReasons(c.scoreReasons))}` : ""}`,
        },
        c.optedOutAt && { label: "Opted out", value: day(c.optedOutAt) },
      ]);
    const archived = archivedNote("contact", key, c, mergedInto ? `C-${mergedInto.number} ${mergedInto.name}` : undefined);
    if (archived) r.context(`🗄️ ${archived}`);
    if (deals.length)
      r.text([
        b("Deals\n"),
        ...deals.flatMap((d) => [code(`D-${d.number}`), s(` ${d.title} · ${money(d.amount, d.currency)} · ${d.stage.name}\n`)]),
      ]);
    if (tickets.length) r.text([b("Tickets\n"), ...tickets.flatMap((t) => [code(`T-${t.number}`), s(` ${t.subject} · ${t.status}\n`)])]);
    r.text(
      timeline.length
        ? [
            b("Timeline\n"),
            ...timeline.flatMap((x) => [s(`${x.kind} · ${when(x.occurredAt)} · ${x.author?.name ?? "someone"}: ${x.summary}\n`)]),
          ]
        : "No interactions yet.",
    );
    // New deal and New ticket open a form filled in from the contact (dealNew, ticketNew form.load): nothing
    // is created until the person saves it, and the name never becomes part of a command text
    return r
      .actions([
        { label: "Log call", command: `log call ${key}`, form: true },
        { label: "New deal", command: `deal new contact:${key}`, form: true },
        { label: "New ticket", command: `ticket new contact:${key}`, form: true },
        editAction(key),
      ])
      .actions(remindMeActions(key, c.name))
      .record(key)
      .build();
  },
});

export const contactTag = defineCommand({
  path: ["contact", "tag"],
  summary: "Add or remove tags (prefix a tag with - to remove it)",
  usage: "/crm contact tag <C-ref> <tag,-tag,...>",
  args: { contact: arg.ref("contact key or email", "contact"), tags: arg.text("tags, e.g. vip,-trial") },
  async run({ args, actor, services }) {
    const parts = args.tags
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean);
    const add = parts.filter((t) => !t.startsWith("-"));
    const remove = parts.filter((t) => t.startsWith("-")).map((t) => t.slice(1));
    const c = await services.contacts.tag(actor, args.contact, add, remove);
    return reply(`C-${c.number} tags: ${c.tags.join(", ") || "none"}`)
      .text([b(`C-${c.number}`), s(` tags: ${c.tags.join(", ") || "none"}`)])
      .record(`C-${c.number}`)
      .build();
  },
});
