// <contact|company|deal|ticket> delete | restore, contact merge | company merge, contact forget.
// Delete is an archive (restore undoes it); forget erases a person's data for good after a confirmation.
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, reply, s } from "../reply/reply.ts";
import { plural } from "../reply/format.ts";
import type { RefKind } from "../domain/refs.ts";
import type { Command } from "./define.ts";

const PREFIX: Record<RefKind, string> = { contact: "C", company: "A", deal: "D", ticket: "T" };
const NOUN: Record<RefKind, string> = { contact: "contact", company: "company", deal: "deal", ticket: "ticket" };

function archiveCommands(kind: RefKind): Command[] {
  const key = `<${PREFIX[kind]}-ref>`;
  const del = defineCommand({
    path: [kind, "delete"],
    summary: `Delete (archive) a ${NOUN[kind]}: it leaves lists, search and counts; restore brings it back`,
    usage: `/crm ${kind} delete ${key}`,
    args: { ref: arg.ref(`${NOUN[kind]} key`, kind) },
    async run({ args, actor, services }) {
      const row = await services.archive.delete(actor, kind, args.ref);
      const k = `${PREFIX[kind]}-${row.number}`;
      return reply(`${k} archived`)
        .text([s("🗄️ "), b(k), s(` ${row.label} is archived: it no longer shows in lists, search or counts.`)])
        .context(`/crm ${kind} restore ${k} brings it back; /crm undo within 10 minutes too.`)
        .actions([{ label: "Restore", command: `${kind} restore ${k}` }])
        .record(k)
        .build();
    },
  });
  const restore = defineCommand({
    path: [kind, "restore"],
    summary: `Restore a deleted (archived) ${NOUN[kind]}`,
    usage: `/crm ${kind} restore ${key}`,
    args: { ref: arg.ref(`${NOUN[kind]} key`, kind) },
    async run({ args, actor, services }) {
      const row = await services.archive.restore(actor, kind, args.ref);
      const k = `${PREFIX[kind]}-${row.number}`;
      return reply(`${k} restored`)
        .text([s("♻️ "), b(k), s(` ${row.label} is back.`)])
        .actions([{ label: "Show", command: `${kind} show ${k}` }])
        .record(k)
        .build();
    },
  });
  return [del, restore] as unknown as Command[];
}

const movedText = (m: { interactions: string[]; deals: string[]; tickets: string[]; tasks: string[]; contacts: string[] }) =>
  [
    m.contacts.length && plural(m.contacts.length, "contact"),
    m.interactions.length && plural(m.interactions.length, "interaction"),
    m.deals.length && plural(m.deals.length, "deal"),
    m.tickets.length && plural(m.tickets.length, "ticket"),
    m.tasks.length && plural(m.tasks.length, "task"),
  ]
    .filter(Boolean)
    .join(", ") || "nothing";

export const contactMerge = defineCommand({
  path: ["contact", "merge"],
  summary: "Merge a duplicate contact into another: interactions, deals, tickets, tasks, tags and score move; the duplicate is archived",
  usage: "/crm contact merge <C-ref> into <C-ref>",
  help: ["Example: /crm contact merge C-9 into C-3 (C-3 is kept; blanks of C-3 are filled in from C-9)"],
  args: {
    duplicate: arg.ref("the duplicate (archived after the merge)", "contact"),
    into: arg.choice('the word "into"', ["into"] as const),
    keep: arg.ref("the contact to keep", "contact"),
  },
  async run({ args, actor, services }) {
    const r = await services.merge.contacts(actor, args.duplicate, args.keep);
    const [from, into] = [`C-${r.from.number}`, `C-${r.into.number}`];
    return reply(`Merged ${from} into ${into}`)
      .text([s("🔀 Merged "), b(from), s(` ${r.from.name} into `), b(into), s(` ${r.into.name}: moved ${movedText(r.moved)}.`)])
      .context(
        `${from} is archived and points to ${into}${r.filled.length ? `; ${into} got its ${r.filled.join(", ")}` : ""}. /crm undo within 10 minutes moves it all back.`,
      )
      .actions([{ label: `Show ${into}`, command: `contact show ${into}` }])
      .record(into)
      .build();
  },
});

export const companyMerge = defineCommand({
  path: ["company", "merge"],
  summary: "Merge a duplicate company into another: contacts, deals, interactions and tasks move; the duplicate is archived",
  usage: "/crm company merge <A-ref> into <A-ref>",
  args: {
    duplicate: arg.ref("the duplicate (archived after the merge)", "company"),
    into: arg.choice('the word "into"', ["into"] as const),
    keep: arg.ref("the company to keep", "company"),
  },
  async run({ args, actor, services }) {
    const r = await services.merge.companies(actor, args.duplicate, args.keep);
    const [from, into] = [`A-${r.from.number}`, `A-${r.into.number}`];
    return reply(`Merged ${from} into ${into}`)
      .text([s("🔀 Merged "), b(from), s(` ${r.from.name} into `), b(into), s(` ${r.into.name}: moved ${movedText(r.moved)}.`)])
      .context(`${from} is archived and points to ${into}. /crm undo within 10 minutes moves it all back.`)
      .actions([{ label: `Show ${into}`, command: `company show ${into}` }])
      .record(into)
      .build();
  },
});

export const contactForget = defineCommand({
  path: ["contact", "forget"],
  summary: "Erase a contact's personal data for good (right to erasure); asks for confirmation",
  usage: "/crm contact forget <C-ref>",
  help: [
    "Managers and admins. The name becomes 'Forgotten contact C-9'; email, phone, title, tags and interaction summaries are erased, and the audit log's copies too. Counts stay. It cannot be undone.",
  ],
  args: {
    contact: arg.ref("contact key or email", "contact"),
    confirm: arg.choice("confirm to erase for good", ["confirm"] as const).optional(),
  },
  async run({ args, actor, services }) {
    if (!args.confirm) {
      const c = await services.forget.check(actor, args.contact);
      const k = `C-${c.number}`;
      return reply(`Forget ${k}? This cannot be undone`)
        .text([
          s("⚠️ Forget "),
          b(k),
          s(
            ` ${c.name}? Their name, email, phone, title, tags and the summaries of interactions with them are erased for good, from the audit log too. Deals, tickets and counts stay, anonymous. This cannot be undone.`,
          ),
        ])
        .actions([{ label: `Forget ${k} for good`, command: `contact forget ${k} confirm`, style: "danger" }])
        .build();
    }
    const r = await services.forget.forget(actor, args.contact);
    const k = `C-${r.number}`;
    return reply(`${k} forgotten`)
      .text([
        s("🧹 "),
        b(k),
        s(
          ` is now "Forgotten contact ${k}": personal data erased, ${plural(r.interactions, "interaction summary", "interaction summaries")} cleared, ${plural(r.scrubbed, "audit entry", "audit entries")} scrubbed.`,
        ),
      ])
      .record(k)
      .build();
  },
});

export const recordCommands = [
  ...(["contact", "company", "deal", "ticket"] as const).flatMap(archiveCommands),
  contactMerge,
  companyMerge,
  contactForget,
] as unknown as Command[];

/** What a card says of an archived record: how to get it back, or where it went. */
export function archivedNote(
  kind: RefKind,
  key: string,
  row: { archivedAt: Date | null; mergedIntoId?: string | null; forgottenAt?: Date | null },
  mergedInto?: string,
): string | null {
  if (row.forgottenAt) return `forgotten — personal data erased for good`;
  if (!row.archivedAt) return null;
  if (row.mergedIntoId) return `archived — merged into ${mergedInto ?? `another ${kind}`}`;
  return `archived — /crm ${kind} restore ${key}`;
}
