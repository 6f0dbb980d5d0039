// ticket new | assign | escalate | wait | resolve | show | list (open, mine, breached, resolved, all)
import { arg } from "./args.ts";
import { TEXT_LIMITS } from "../parse/limits.ts";
import { defineCommand } from "./define.ts";
import { b, reply, s, type Span } from "../reply/reply.ts";
import { remindMeActions } from "../render/remind-me.ts";
import { eventData, TICKET_PRIORITIES } from "../domain/tickets/service.ts";
import { TICKET_LIST_VIEWS } from "../domain/search/lists.ts";
import { addMore, afterArg, afterNote } from "./paging.ts";
import { ticketClocks, isBreached } from "../domain/tickets/slaClock.ts";
import { archivedNote } from "./records.ts";
import { conversationSpans } from "./conversationLines.ts";
import {
  assignee,
  clockText,
  requester,
  spent,
  stamp,
  ticketActions,
  ticketAssignedReply,
  ticketOpenedReply,
  ticketResolvedReply,
  tkey,
} from "./ticketReplies.ts";

// The tickets channel hears of opened, assigned and resolved tickets from the events the ticket service
// records (jobs/events/ticketAnnouncements.ts), whichever way the change came in.

export const ticketNew = defineCommand({
  path: ["ticket", "new"],
  summary: "Open a support ticket (SLA clocks start from the workspace policy)",
  usage: '/crm ticket new "<subject>" [priority:low|normal|high|urgent] [contact:<ref>] [assign:@user|me|auto]',
  help: [
    'Example: /crm ticket new "Printer on fire" priority:urgent contact:ana@acme.com assign:auto',
    "assign:auto picks the on-call agent with the fewest open tickets (go on call with /crm oncall on).",
  ],
  args: {
    subject: arg.text("what the ticket is about", TEXT_LIMITS.subject).rest(),
    priority: arg.choice("priority", TICKET_PRIORITIES).optional().option(),
    contact: arg.ref("requester: contact key, email or name", "contact").optional().option(),
    assign: arg.member("assignee: @user, me or auto", ["me", "auto"]).optional().option(),
  },
  // the New ticket button of a contact card (`ticket new contact:C-3`): a form with a subject to change
  form: {
    title: "New ticket",
    buttonOnly: true,
    async load({ raw, actor, services }) {
      if (!raw.contact) return {};
      const { contact: c } = await services.contacts.get(actor, raw.contact);
      return { title: `New ticket for C-${c.number}`, values: { subject: `Request from ${c.name}` } };
    },
  },
  async run({ args, actor, services }) {
    const t = await services.tickets.open(actor, args);
    return ticketOpenedReply(t, { memberId: actor.memberId, auto: t.autoAssigned });
  },
});

export const ticketAssign = defineCommand({
  path: ["ticket", "assign"],
  summary: "Assign a ticket to someone, to yourself, or to whoever is on call",
  usage: "/crm ticket assign <T-ref> <@user|me|auto>",
  help: ["Agents assign their own and unassigned tickets; managers and admins any ticket."],
  args: { ticket: arg.ref("ticket key", "ticket"), to: arg.member("@user, me or auto", ["me", "auto"]) },
  async run({ args, actor, services }) {
    const t = await services.tickets.assign(actor, args.ticket, args.to);
    return ticketAssignedReply(t, { auto: t.autoAssigned, previous: t.previous });
  },
});

export const ticketEscalate = defineCommand({
  path: ["ticket", "escalate"],
  summary: "Escalate a ticket one level, with a reason",
  usage: "/crm ticket escalate <T-ref> [reason...]",
  help: [
    "Any agent can escalate any open ticket; escalating does not change the assignee.",
    "Level 1 tells the assignee and the tickets channel; level 2 and up the managers and the escalations channel.",
  ],
  args: { ticket: arg.ref("ticket key", "ticket"), reason: arg.prose("why it needs escalating").optional().rest() },
  async run({ args, actor, services }) {
    // who hears it depends on the level (escalation.ts): level 1 the assignee and tickets channel, 2+ the managers and escalations channel
    const t = await services.tickets.escalate(actor, args.ticket, args.reason);
    const k = tkey(t);
    return reply(`${k} escalated to level ${t.escalationLevel}`)
      .text([s("⬆️ "), b(k), s(` ${t.subject} escalated to level ${t.escalationLevel}${args.reason ? `: ${args.reason}` : "."}`)])
      .context(
        t.escalationLevel >= 2 ? "The managers and the escalations channel are told." : "The assignee and the tickets channel are told.",
      )
      .actions([{ label: "Show", command: `ticket show ${k}` }])
      .record(k)
      .build();
  },
});

export const ticketWait = defineCommand({
  path: ["ticket", "wait"],
  summary: "Mark a ticket as waiting on the customer (SLA clocks pause)",
  usage: "/crm ticket wait <T-ref>",
  help: ["The clocks restart, with the waited time added to the due times, when an interaction is logged on the ticket."],
  args: { ticket: arg.ref("ticket key", "ticket").rest() },
  async run({ args, actor, services }) {
    const t = await services.tickets.wait(actor, args.ticket);
    const k = tkey(t);
    return reply(`${k} is waiting on the customer`)
      .text([s("⏸ "), b(k), s(` ${t.subject} is waiting on the customer; its SLA clocks are paused.`)])
      .actions([{ label: "Show", command: `ticket show ${k}` }])
      .record(k)
      .build();
  },
});

export const ticketResolve = defineCommand({
  path: ["ticket", "resolve"],
  summary: "Resolve a ticket, with an optional closing note",
  usage: "/crm ticket resolve <T-ref> [note...]",
  args: { ticket: arg.ref("ticket key", "ticket"), note: arg.prose("closing note (logged on the ticket)").optional().rest() },
  async run({ args, actor, services }) {
    const t = await services.tickets.resolve(actor, args.ticket, args.note);
    // the requester gets a one-click rating when they can be reached in chat: the ticket.resolved event asks them
    return ticketResolvedReply(t, await services.csat.channelFor(actor.workspaceId, t.id, actor.platform));
  },
});

export const ticketReopen = defineCommand({
  path: ["ticket", "reopen"],
  summary: "Reopen a resolved ticket: its resolution clock starts again",
  usage: "/crm ticket reopen <T-ref> [reason...]",
  args: { ticket: arg.ref("ticket key", "ticket"), reason: arg.prose("why it is open again (logged on the ticket)").optional().rest() },
  async run({ args, actor, services }) {
    const t = await services.tickets.reopen(actor, args.ticket, args.reason);
    const k = `T-${t.number}`;
    const due = t.resolutionDueAt ? ` Resolution due ${t.resolutionDueAt.toISOString().slice(0, 16).replace("T", " ")} UTC.` : "";
    return reply(`Reopened ${k}`)
      .text([s("↩️ Reopened "), b(k), s(` ${t.subject}.${due}`)])
      .record(k)
      .build();
  },
});

export const ticketShow = defineCommand({
  path: ["ticket", "show"],
  summary: "Show a ticket: people, SLA clocks and timeline",
  usage: "/crm ticket show <T-ref>",
  readOnly: true,
  args: { ticket: arg.ref("ticket key or subject", "ticket").rest() },
  async run({ args, actor, services }) {
    const { ticket: t, events, interactions, names } = await services.tickets.get(actor, args.ticket);
    const k = tkey(t);
    const now = new Date();
    const clocks = ticketClocks(t, now);
    const status = t.status === "waiting" && t.waitingSince ? `waiting since ${stamp(t.waitingSince)}` : t.status;
    const r = reply(`${k} ${t.subject}`)
      .header(`${k} · ${t.subject}`)
      .fields([
        { label: "Status", value: `${status}${isBreached(t, now) ? " · ⚠️ SLA breached" : ""}` },
        { label: "Priority", value: t.priority },
        { label: "Requester", value: requester(t) },
        { label: "Assignee", value: assignee(t) },
        { label: "Escalation", value: t.escalationLevel ? `level ${t.escalationLevel}` : "none" },
        { label: "First response", value: clockText(clocks.firstResponse, "responded") },
        { label: "Resolution", value: clockText(clocks.resolution, "resolved") },
        t.pausedMs > 0n && { label: "Time paused", value: spent(Number(t.pausedMs)) },
      ]);
    const archived = archivedNote("ticket", k, t);
    if (archived) r.context(`🗄️ ${archived}`);
    const who = (n: { name: string } | null) => n?.name ?? "the SLA timer";
    const lines = [
      ...events.map((e) => {
        const d = eventData(e.data);
        const name = (id: string | null | undefined) => (id ? (names.get(id) ?? "someone") : "nobody");
        const text =
          e.kind === "created"
            ? `opened ${d.via ? `by ${d.via} from ${t.requester?.name ?? "the customer"}` : `by ${who(e.actor)}`} (${d.priority ?? t.priority})${d.assigneeId ? `, ${d.auto ? "auto-assigned" : "assigned"} to ${name(d.assigneeId)}` : ""}`
            : e.kind === "assigned"
              ? `${d.auto ? "auto-assigned" : "assigned"} to ${name(d.to)} by ${who(e.actor)}`
              : e.kind === "escalated"
                ? `escalated to level ${d.level} by ${who(e.actor)}${d.reason ? `: ${d.reason}` : ""}`
                : e.kind === "waiting"
                  ? `waiting on the customer (${who(e.actor)})`
                  : e.kind === "resumed"
                    ? `resumed by ${who(e.actor)} after ${spent(d.pausedMs ?? 0)} waiting`
                    : e.kind === "resolved"
                      ? `resolved by ${who(e.actor)}${d.late ? " (after the SLA)" : ""}`
                      : e.kind === "reopened"
                        ? `reopened by ${who(e.actor)}${d.reason ? `: ${d.reason}` : ""}`
                        : `${e.kind.replaceAll("_", " ")} (${who(e.actor)})`;
        return { at: e.at, text };
      }),
      // an interaction without an author is the customer's own (mail or chat into the support inbox)
      ...interactions.map((x) => ({
        at: x.occurredAt,
        text: `${x.kind} ${x.author ? `by ${x.author.name}` : `from ${t.requester?.name ?? "the customer"}`}: ${x.summary}`,
      })),
    ]
      .sort((a, z) => a.at.getTime() - z.at.getTime())
      .slice(-20);
    r.text([b("Timeline\n"), ...lines.map((l) => s(`${stamp(l.at)} · ${l.text}\n`))]);
    const talk = await services.conversations.conversation(actor.workspaceId, t.id);
    if (talk.lines.length) r.text(conversationSpans(talk.lines, talk.total));
    // Remind me: a follow-up on an open ticket (a resolved one offers Reopen instead)
    const remind = t.status === "resolved" ? [] : remindMeActions(k, t.subject);
    return r.actions(ticketActions(t, actor.memberId)).actions(remind).record(k).build();
  },
});

const VIEW_TITLE = {
  open: "Open tickets",
  mine: "My open tickets",
  breached: "Tickets past their SLA",
  resolved: "Resolved tickets",
  all: "All tickets",
} as const;
const VIEW_EMPTY = {
  open: "No open tickets.",
  mine: "No open tickets assigned to you.",
  breached: "No tickets are past their SLA.",
  resolved: "No resolved tickets.",
  all: "No tickets yet.",
} as const;

export const ticketList = defineCommand({
  path: ["ticket", "list"],
  summary: "List tickets: open (default), mine, breached, resolved or all, a page at a time",
  usage: "/crm ticket list [mine|open|breached|resolved|all] [after:<T-ref>]",
  help: [
    "open: every unresolved ticket (waiting ones too); mine: assigned to you; breached: past an SLA due time or flagged (most urgent first); resolved, all: newest first.",
    "More shows the next page: the same list with after: the last ticket shown (ticket list resolved after:T-40).",
  ],
  readOnly: true,
  args: { view: arg.choice("which tickets", TICKET_LIST_VIEWS).optional(), after: afterArg("ticket", "after:T-40") },
  async run({ args, actor, services }) {
    const page = await services.lists.tickets(actor, args.view ?? "open", args.after);
    const { rows, total, view } = page;
    const title = `${VIEW_TITLE[view]}${afterNote(args.after)}`;
    if (!rows.length)
      return reply(`${title}: none`)
        .text(args.after ? `${title}: none.` : VIEW_EMPTY[view])
        .build();
    const now = new Date();
    const lines: Span[] = rows.flatMap((t, i) => [
      ...(i ? [s("\n")] : []),
      b(tkey(t)),
      s(
        ` ${t.subject} · ${t.priority} · ${t.status} · ${assignee(t)}${t.escalationLevel ? ` · level ${t.escalationLevel}` : ""}${t.status !== "resolved" && isBreached(t, now) ? " · ⚠️ breached" : ""}`,
      ),
    ]);
    const r = reply(`${title}: ${rows.length} of ${total}`)
      .header(args.after ? title : `${title} (${total})`)
      .text(lines);
    return addMore(r, `ticket list ${view}`, page, "tickets").build();
  },
});

export const ticketCommands = [ticketNew, ticketAssign, ticketEscalate, ticketWait, ticketResolve, ticketReopen, ticketShow, ticketList];
