// log <call|email|meeting|note|chat> <ref> <summary...> [when:<date>]
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, reply, s } from "../reply/reply.ts";
import { day } from "../reply/format.ts";
import { INTERACTION_KINDS } from "../domain/interactions/service.ts";
import type { RefKind } from "../domain/refs.ts";

const ICON: Record<(typeof INTERACTION_KINDS)[number], string> = { call: "📞", email: "✉️", meeting: "🤝", note: "📝", chat: "💬" };
const SHOW: Record<RefKind, string> = { contact: "contact show", company: "company show", deal: "deal show", ticket: "ticket show" };

export const log = defineCommand({
  path: ["log"],
  summary: "Log a call, email, meeting, note or chat on a contact, company, deal or ticket",
  usage: "/crm log <call|email|meeting|note|chat> <ref> <summary...> [when:<date>]",
  help: [
    "ref: a key like C-12, A-3, D-7 or T-42, or a contact's email.",
    "Example: /crm log call D-7 Walked through pricing; they want a 2-year term",
    "Backdate with when:, e.g. /crm log meeting ana@acme.com Kick-off on site when:yesterday",
  ],
  args: {
    kind: arg.choice("what happened", INTERACTION_KINDS),
    ref: arg.ref("contact, company, deal or ticket key, or a contact's email", "contact", "company", "deal", "ticket"),
    summary: arg.prose("what was said or agreed").rest(),
    when: arg.date("when it happened (default now)").optional().option(),
  },
  claimsInWrite: true,
  async run({ args, actor, services, claim }) {
    const {
      interaction: x,
      record,
      resumedTicket,
      firstResponse,
    } = await services.interactions.log(
      actor,
      {
        kind: args.kind,
        ref: args.ref,
        summary: args.summary,
        when: args.when,
      },
      { claim },
    );
    const line = `${ICON[args.kind]} Logged ${args.kind} on ${record.key} ${record.label}`;
    const notes = [
      args.when && `Dated ${day(x.occurredAt)}.`,
      firstResponse && `Counts as the first response on ${record.key}.`,
      resumedTicket && `${record.key} was waiting on the customer; its SLA clock runs again.`,
    ].filter(Boolean);
    const r = reply(line).text([s(`${ICON[args.kind]} Logged ${args.kind} on `), b(record.key), s(` ${record.label}`)]);
    if (notes.length) r.context(notes.join(" "));
    return r
      .actions([{ label: "Timeline", command: `${SHOW[record.kind]} ${record.key}` }])
      .record(record.key)
      .build();
  },
});
