// company add | list | show | channel
import { arg } from "./args.ts";
import { TEXT_LIMITS } from "../parse/limits.ts";
import { UserInputError } from "../errors.ts";
import { defineCommand } from "./define.ts";
import { b, code, reply, s } from "../reply/reply.ts";
import { money, plural, when } from "../reply/format.ts";
import type { HealthStatus } from "../domain/health/accountHealth.ts";
import { editAction } from "./edits.ts";
import { archivedNote } from "./records.ts";
import { afterArg, listPage } from "./paging.ts";

const HEALTH_ICON: Record<HealthStatus, string> = { healthy: "🟢", watch: "🟡", "at risk": "🔴" };

export const companyAdd = defineCommand({
  path: ["company", "add"],
  summary: "Add a company",
  usage: "/crm company add <name> [domain:<d>]",
  args: { name: arg.text("company name", TEXT_LIMITS.name).rest(), domain: arg.text("web domain, e.g. acme.com").optional().option() },
  async run({ args, actor, services }) {
    const c = await services.companies.add(actor, args);
    return reply(`Added A-${c.number} ${c.name}`)
      .text([s("✅ Added "), b(`A-${c.number}`), s(` ${c.name}${c.domain ? ` (${c.domain})` : ""}`)])
      .actions([{ label: "Show", command: `company show A-${c.number}` }, editAction(`A-${c.number}`)])
      .record(`A-${c.number}`)
      .build();
  },
});

export const companyList = defineCommand({
  path: ["company", "list"],
  summary: "List every company by key, a page at a time (More shows the next page)",
  usage: "/crm company list [after:<A-ref>]",
  readOnly: true,
  args: { after: afterArg("company", "after:A-20") },
  async run({ args, actor, services }) {
    const page = await services.lists.companies(actor, args.after);
    return listPage({ noun: "companies", command: "company list", after: args.after }, page, (c) => ({
      key: `A-${c.number}`,
      rest: `${c.name}${c.domain ? ` · ${c.domain}` : ""} · ${plural(c._count.contacts, "contact")}`,
    }));
  },
});

export const companyShow = defineCommand({
  path: ["company", "show"],
  summary: "Show a company: contacts, open deals, won revenue, tickets",
  usage: "/crm company show <A-ref|name>",
  readOnly: true,
  args: { company: arg.ref("company key or name", "company").rest() },
  async run({ args, actor, services }) {
    const { company: c, contacts, openDeals, won, openTickets, recent, mergedInto } = await services.companies.get(actor, args.company);
    const key = `A-${c.number}`;
    const r = reply(`${key} ${c.name}`)
      .header(`${key} · ${c.name}`)
      .fields([
        { label: "Domain", value: c.domain ?? "—" },
        { label: "Won revenue", value: `${money(won.amount)} (${won.count} deals)` },
        { label: "Open deals", value: String(openDeals.length) },
        { label: "Open tickets", value: String(openTickets) },
      ]);
    const archived = archivedNote("company", key, c, mergedInto ? `A-${mergedInto.number} ${mergedInto.name}` : undefined);
    if (archived) r.context(`🗄️ ${archived}`);
    const health = (await services.accountHealth.of(actor.workspaceId, [c.id])).get(c.id);
    if (health) r.fields([{ label: "Health", value: `${HEALTH_ICON[health.status]} ${health.status} — ${health.reasons.join(", ")}` }]);
    if (contacts.length)
      r.text([b("Contacts\n"), ...contacts.flatMap((x) => [code(`C-${x.number}`), s(` ${x.name}${x.email ? ` · ${x.email}` : ""}\n`)])]);
    if (openDeals.length)
      r.text([
        b("Open deals\n"),
        ...openDeals.flatMap((d) => [code(`D-${d.number}`), s(` ${d.title} · ${money(d.amount, d.currency)} · ${d.stage.name}\n`)]),
      ]);
    if (recent.length)
      r.text([
        b("Recent\n"),
        ...recent.flatMap((x) => [s(`${x.kind} · ${when(x.occurredAt)} · ${x.author?.name ?? "someone"}: ${x.summary}\n`)]),
      ]);
    return r
      .actions([{ label: "Log note", command: `log note ${key}`, form: true }, editAction(key)])
      .record(key)
      .build();
  },
});

export const companyChannel = defineCommand({
  path: ["company", "channel"],
  summary: "Map a company to its shared Slack channel (campaign posts go there)",
  usage: "/crm company channel <A-ref> <#channel>",
  args: { company: arg.ref("company key or name", "company"), channel: arg.channel("the company's shared channel") },
  async run({ args, actor, services }) {
    if (args.channel.platform !== "slack")
      throw new UserInputError(
        "A company's shared channel is a Slack channel (campaigns post there); run this in Slack and pick a Slack channel.",
        "/crm company channel <A-ref> <#channel>",
      );
    const c = await services.companies.setChannel(actor, args.company, args.channel.channelId);
    return reply(`A-${c.number} posts go to <#${args.channel.channelId}>`)
      .text([b(`A-${c.number}`), s(` ${c.name} is mapped to channel `), code(args.channel.channelId)])
      .build();
  },
});
