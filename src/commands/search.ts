// search: every kind of record at once, grouped by kind, best first (src/domain/search/search.ts)
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, reply, s, type Span } from "../reply/reply.ts";
import { money } from "../reply/format.ts";
import type { SearchHit, SearchKind } from "../domain/search/search.ts";
import { SEARCH_KINDS } from "../domain/search/search.ts";

/** the best this many of each kind */
export const SEARCH_PER_KIND = 5;

const GROUP: Record<SearchKind, string> = { contact: "Contacts", company: "Companies", deal: "Deals", ticket: "Tickets" };
const SHOW: Record<SearchKind, string> = { contact: "contact show", company: "company show", deal: "deal show", ticket: "ticket show" };

/** "C-3 Zoë Martin · zoe@acme.com · Acme": the key, the name, then what tells records apart */
export function hitLine(h: SearchHit): Span[] {
  const [d1, d2, d3] = h.details;
  const extra =
    h.kind === "deal" ? [d1 != null ? money(d1, d2 ?? "USD") : null, d3] : h.kind === "ticket" ? [d1, d2 && `${d2} priority`] : [d1, d2];
  return [b(h.key), s(` ${h.label}`), ...extra.filter((x): x is string => !!x).map((x) => s(` · ${x}`))];
}

export const search = defineCommand({
  path: ["search"],
  summary: "Find contacts, companies, deals and tickets by name, title, subject, email or key (typos and accents forgiven)",
  usage: "/crm search <text>",
  help: [
    'Examples: /crm search zoe (finds "Zoë"), /crm search Lopes (finds "Lopez"), /crm search ana@acme.com, /crm search D-7',
    `Shows the best ${SEARCH_PER_KIND} of each kind; % and _ are searched as themselves.`,
  ],
  readOnly: true,
  args: { text: arg.text("a name, title, subject, email or key").rest() },
  async run({ args, actor, services }) {
    const found = await services.search.search(actor, args.text, { perKind: SEARCH_PER_KIND });
    const groups = SEARCH_KINDS.filter((k) => found[k].hits.length);
    if (!groups.length)
      return reply(`Nothing matches "${args.text}"`)
        .text(`Nothing matches "${args.text}" in contacts, companies, deals or tickets.`)
        .build();
    const count = groups.reduce((n, k) => n + found[k].hits.length, 0);
    const r = reply(`${count} record(s) match "${args.text}"`).header(`Search: "${args.text}"`);
    for (const k of groups) {
      const g = found[k];
      r.text([b(GROUP[k]), s("\n"), ...g.hits.flatMap((h, i) => [...(i ? [s("\n")] : []), ...hitLine(h)])]);
      if (g.more)
        r.context(`More ${GROUP[k].toLowerCase()} match; these are the best ${g.hits.length}. Type more of the name to narrow it.`);
    }
    // the best record of each kind, one click away
    return r.actions(groups.map((k) => ({ label: `Show ${found[k].hits[0].key}`, command: `${SHOW[k]} ${found[k].hits[0].key}` }))).build();
  },
});
