// contact add | find | show | tag
import { arg } from "./args.ts";
import { TEXT_LIMITS } from "../parse/limits.ts";
import { defineCommand } from "./define.ts";
import { b, code, reply, s } from "../reply/reply.ts";
import { day, money, when } from "../reply/format.ts";
import { editAction } from "./edits.ts";
import { remindMeActions } from "../render/remind-me.ts";
import { formatReasons, topReasons } from "../domain/scoring/leadScore.ts";

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
    return reply(`Added C-${c.number} ${c.name}`)
      .text([s("✅ Added "), b(`C-${c.number}`), s(` ${c.name}`), ...(c.companyName ? [s(` at ${c.companyName}`)] : [])])
      .fields([
        c.email && { label: "Email", value: c.email },
        c.phone && { label: "Phone", value: c.phone },
        c.tags.length > 0 && { label: "Tags", value: c.tags.join(", ") },
      ])
      .actions([
        { label: "Show", command: `contact show C-${c.number}` },
        { label: "Log a call", command: `log call C-${c.number}`, form: true },
        editAction(`C-${c.number}`),
      ])
      .record(`C-${c.number}`)
      .build();
  },
});

export const contactFind = defineCommand({
  path: ["contact", "find"],
  summary: "Find contacts by name, email or company",
  usage: "/crm contact find <query>",
  readOnly: true,
  args: { query: arg.text("name, email or company").rest() },
  async run({ args, actor, services }) {
    const { rows, more } = await services.contacts.find(actor, args.query);
    if (!rows.length) return reply(`No contacts match "${args.query}"`).text(`No contacts match "${args.query}".`).build();
    const r = reply(`${rows.length}${more ? "+" : ""} contact(s) match "${args.query}"`).header(`Contacts matching "${args.query}"`);
    r.text(
      rows.flatMap((c, i) => [
        ...(i ? [s("\n")] : []),
        b(`C-${c.number}`),
        s(` ${c.name}`),
        ...(c.email ? [s(` · ${c.email}`)] : []),
        ...(c.company ? [s(` · ${c.company.name}`)] : []),
      ]),
    );
    if (more) r.context(`Showing the first ${rows.length}; narrow the query to see others.`);
    return r.build();
  },
});

export const contactShow = defineCommand({
  path: ["contact", "show"],
  summary: "Show a contact with deals, tickets and timeline",
  usage: "/crm contact show <C-ref|email>",
  readOnly: true,
  args: { contact: arg.ref("contact key, email or name", "contact").rest() },
  async run({ args, actor, services }) {
    const { contact: c, deals, tickets, timeline } = await services.contacts.get(actor, args.contact);
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
