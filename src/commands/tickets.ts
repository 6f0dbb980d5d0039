// ticket new | assign | escalate | wait | resolve | show | list
import { arg } from "./args.ts";
import { TEXT_LIMITS } from "../parse/limits.ts";
import { defineCommand } from "./define.ts";
import { b, reply, s, type Span } from "../reply/reply.ts";
import { plural } from "../reply/format.ts";
import { remindMeActions } from "../render/remind-me.ts";
import { eventData, TICKET_PRIORITIES, TICKET_VIEWS } from "../domain/tickets/service.ts";
import { ticketClocks, isBreached } from "../domain/tickets/slaClock.ts";
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
    const who = (n: { name: string } | null) => n?.name ?? "the SLA timer";
    const lines = [
      ...events.map((e) => {
        const d = eventData(e.data);
        const name = (id: string | null | undefined) => (id ? (names.get(id) ?? "someone") : "nobody");
        const text =
          e.kind === "created"
            ? `opened by ${who(e.actor)} (${d.priority ?? t.priority})${d.assigneeId ? `, ${d.auto ? "auto-assigned" : "assigned"} to ${name(d.assigneeId)}` : ""}`
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
                      : `${e.kind.replaceAll("_", " ")} (${who(e.actor)})`;
        return { at: e.at, text };
      }),
      ...interactions.map((x) => ({ at: x.occurredAt, text: `${x.kind} by ${x.author?.name ?? "someone"}: ${x.summary}` })),
    ]
      .sort((a, z) => a.at.getTime() - z.at.getTime())
      .slice(-20);
    r.text([b("Timeline\n"), ...lines.map((l) => s(`${stamp(l.at)} · ${l.text}\n`))]);
    return r.actions(ticketActions(t, actor.memberId)).actions(remindMeActions(k, t.subject)).record(k).build();
  },
});

const VIEW_TITLE = { open: "Open tickets", mine: "My open tickets", breached: "Tickets past their SLA" } as const;
const VIEW_EMPTY = {
  open: "No open tickets.",
  mine: "No open tickets assigned to you.",
  breached: "No tickets are past their SLA.",
} as const;

export const ticketList = defineCommand({
  path: ["ticket", "list"],
  summary: "List unresolved tickets: open (default), mine, or breached",
  usage: "/crm ticket list [mine|open|breached]",
  help: ["open: every unresolved ticket (waiting ones too); mine: assigned to you; breached: past an SLA due time or flagged."],
  readOnly: true,
  args: { view: arg.choice("which tickets", TICKET_VIEWS).optional() },
  async run({ args, actor, services }) {
    const { rows, total, view } = await services.tickets.list(actor, args.view ?? "open");
    const title = VIEW_TITLE[view];
    if (!rows.length) return reply(`${title}: none`).text(VIEW_EMPTY[view]).build();
    const now = new Date();
    const lines: Span[] = rows.flatMap((t, i) => [
      ...(i ? [s("\n")] : []),
      b(tkey(t)),
      s(
        ` ${t.subject} · ${t.priority} · ${t.status} · ${assignee(t)}${t.escalationLevel ? ` · level ${t.escalationLevel}` : ""}${isBreached(t, now) ? " · ⚠️ breached" : ""}`,
      ),
    ]);
    const r = reply(`${title}: ${total}`).header(`${title} (${total})`).text(lines);
    if (total > rows.length)
      r.context(`…and ${plural(total - rows.length, "more ticket")} not shown (showing ${rows.length} of ${total}).`);
    return r.build();
  },
});

export const ticketCommands = [ticketNew, ticketAssign, ticketEscalate, ticketWait, ticketResolve, ticketShow, ticketList];
