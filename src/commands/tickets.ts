// ticket new | assign | escalate | wait | resolve | show | list
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, reply, s, type Action, type Reply, type Span } from "../reply/reply.ts";
import type { Services } from "../domain/services.ts";
import type { Actor } from "../domain/actor.ts";
import { duration, plural } from "../reply/format.ts";
import { eventData, TICKET_PRIORITIES, TICKET_VIEWS, type TicketWithPeople } from "../domain/tickets/service.ts";
import { ticketClocks, isBreached, type ClockState } from "../domain/tickets/slaClock.ts";

const tkey = (t: { number: number }) => `T-${t.number}`;
const stamp = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
// time left rounds up ("1h left" right after opening), time spent rounds down
const left = (ms: number) => duration(ms < 60_000 ? Math.ceil(ms / 1000) : Math.ceil(ms / 60_000) * 60);
const spent = (ms: number) => duration(ms < 60_000 ? Math.floor(ms / 1000) : Math.floor(ms / 60_000) * 60);
const requester = (t: TicketWithPeople) => (t.requester ? `C-${t.requester.number} ${t.requester.name}` : "—");
const assignee = (t: TicketWithPeople) => t.assignee?.name ?? "unassigned";

/** Ticket changes also go to the team's tickets (and escalations) channel, saying who made them. */
async function shout(services: Services, actor: Actor, topics: ("tickets" | "escalations")[], r: Reply): Promise<Reply> {
  for (const topic of topics) {
    await services.notify.announce(actor.workspaceId, topic, { ...r, ephemeral: false, summary: `${actor.name}: ${r.summary}`, blocks: [...r.blocks, { type: "context", text: `by ${actor.name}` }] });
  }
  return r;
}

function clockText(c: ClockState, metLabel: string): string {
  switch (c.kind) {
    case "none": return "—";
    case "met": return `${metLabel} ${stamp(c.at)}${c.late ? " (after the SLA)" : ""}`;
    case "running": return `due ${stamp(c.due)} (${left(c.leftMs)} left)`;
    case "paused": return `paused while waiting (${left(c.leftMs)} left)`;
    case "breached": return `breached (was due ${stamp(c.due)})`;
  }
}

/** The buttons a ticket offers; none once it is resolved (they could only fail). */
function ticketActions(t: TicketWithPeople, memberId: string): Action[] {
  if (t.status === "resolved") return [];
  const k = tkey(t);
  const actions: Action[] = [
    { label: "Escalate", command: `ticket escalate ${k}` },
    { label: "Resolve", command: `ticket resolve ${k}`, style: "primary" },
  ];
  return t.assigneeId === memberId ? actions : [{ label: "Assign to me", command: `ticket assign ${k} me` }, ...actions];
}

export const ticketNew = defineCommand({
  path: ["ticket", "new"],
  summary: "Open a support ticket (SLA clocks start from the workspace policy)",
  usage: '/crm ticket new "<subject>" [priority:low|normal|high|urgent] [contact:<ref>] [assign:@user|me|auto]',
  help: [
    'Example: /crm ticket new "Printer on fire" priority:urgent contact:ana@acme.com assign:auto',
    "assign:auto picks the on-call agent with the fewest open tickets (go on call with /crm oncall on).",
  ],
  args: {
    subject: arg.text("what the ticket is about").rest(),
    priority: arg.choice("priority", TICKET_PRIORITIES).optional().option(),
    contact: arg.ref("requester: contact key, email or name", "contact").optional().option(),
    assign: arg.member("assignee: @user, me or auto", ["me", "auto"]).optional().option(),
  },
  async run({ args, actor, services }) {
    const t = await services.tickets.open(actor, args);
    const k = tkey(t);
    const clocks = ticketClocks(t, new Date());
    return shout(services, actor, ["tickets"], reply(`Opened ${k} ${t.subject}`)
      .text([s("🎫 Opened "), b(k), s(` ${t.subject}`)])
      .fields([
        { label: "Priority", value: t.priority },
        { label: "Requester", value: requester(t) },
        { label: "Assignee", value: t.assignee ? `${t.assignee.name}${t.autoAssigned ? " (auto, on call)" : ""}` : "unassigned" },
        { label: "First response", value: clockText(clocks.firstResponse, "responded") },
        { label: "Resolution", value: clockText(clocks.resolution, "resolved") },
      ])
      .actions([{ label: "Show", command: `ticket show ${k}` }, ...ticketActions(t, actor.memberId)])
      .record(k).build());
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
    const k = tkey(t);
    const who = `${assignee(t)}${t.autoAssigned ? " (auto, on call)" : ""}`;
    return shout(services, actor, ["tickets"], reply(`${k} assigned to ${assignee(t)}`)
      .text([s("👤 "), b(k), s(` ${t.subject} is now assigned to ${who}${t.previous ? ` (was ${t.previous})` : ""}.`)])
      .actions([{ label: "Show", command: `ticket show ${k}` }])
      .record(k).build());
  },
});

export const ticketEscalate = defineCommand({
  path: ["ticket", "escalate"],
  summary: "Escalate a ticket one level, with a reason",
  usage: "/crm ticket escalate <T-ref> [reason...]",
  help: ["Any agent can escalate any open ticket; escalating does not change the assignee.", "Level 1 tells the assignee and the tickets channel; level 2 and up the managers and the escalations channel."],
  args: { ticket: arg.ref("ticket key", "ticket"), reason: arg.text("why it needs escalating").optional().rest() },
  async run({ args, actor, services }) {
    // who hears it depends on the level (escalation.ts): level 1 the assignee and tickets channel, 2+ the managers and escalations channel
    const t = await services.tickets.escalate(actor, args.ticket, args.reason);
    const k = tkey(t);
    return reply(`${k} escalated to level ${t.escalationLevel}`)
      .text([s("⬆️ "), b(k), s(` ${t.subject} escalated to level ${t.escalationLevel}${args.reason ? `: ${args.reason}` : "."}`)])
      .context(t.escalationLevel >= 2 ? "The managers and the escalations channel are told." : "The assignee and the tickets channel are told.")
      .actions([{ label: "Show", command: `ticket show ${k}` }])
      .record(k).build();
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
      .record(k).build();
  },
});

export const ticketResolve = defineCommand({
  path: ["ticket", "resolve"],
  summary: "Resolve a ticket, with an optional closing note",
  usage: "/crm ticket resolve <T-ref> [note...]",
  args: { ticket: arg.ref("ticket key", "ticket"), note: arg.text("closing note (logged on the ticket)").optional().rest() },
  async run({ args, actor, services }) {
    const t = await services.tickets.resolve(actor, args.ticket, args.note);
    const k = tkey(t);
    // the requester gets a one-click rating when they can be reached in chat (once per ticket)
    const asked = await services.csat.request(actor, t.id).catch(() => null);
    const late = t.resolutionDueAt && t.resolvedAt && t.resolvedAt > t.resolutionDueAt;
    const r = reply(`${k} resolved`).text([s("✅ Resolved "), b(k), s(` ${t.subject}${late ? " (after the resolution SLA)" : ""}.`)]);
    if (asked) r.context(`The requester was asked for a rating on ${asked === "slack" ? "Slack" : "Discord"}.`);
    return shout(services, actor, ["tickets"], r
      .actions([{ label: "Show", command: `ticket show ${k}` }])
      .record(k).build());
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
    const r = reply(`${k} ${t.subject}`).header(`${k} · ${t.subject}`).fields([
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
        const name = (id: string | null | undefined) => (id ? names.get(id) ?? "someone" : "nobody");
        const text =
          e.kind === "created" ? `opened by ${who(e.actor)} (${d.priority ?? t.priority})${d.assigneeId ? `, ${d.auto ? "auto-assigned" : "assigned"} to ${name(d.assigneeId)}` : ""}`
          : e.kind === "assigned" ? `${d.auto ? "auto-assigned" : "assigned"} to ${name(d.to)} by ${who(e.actor)}`
          : e.kind === "escalated" ? `escalated to level ${d.level} by ${who(e.actor)}${d.reason ? `: ${d.reason}` : ""}`
          : e.kind === "waiting" ? `waiting on the customer (${who(e.actor)})`
          : e.kind === "resumed" ? `resumed by ${who(e.actor)} after ${spent(d.pausedMs ?? 0)} waiting`
          : e.kind === "resolved" ? `resolved by ${who(e.actor)}${d.late ? " (after the SLA)" : ""}`
          : `${e.kind.replaceAll("_", " ")} (${who(e.actor)})`;
        return { at: e.at, text };
      }),
      ...interactions.map((x) => ({ at: x.occurredAt, text: `${x.kind} by ${x.author?.name ?? "someone"}: ${x.summary}` })),
    ].sort((a, z) => a.at.getTime() - z.at.getTime()).slice(-20);
    r.text([b("Timeline\n"), ...lines.map((l) => s(`${stamp(l.at)} · ${l.text}\n`))]);
    return r.actions(ticketActions(t, actor.memberId)).record(k).build();
  },
});

const VIEW_TITLE = { open: "Open tickets", mine: "My open tickets", breached: "Tickets past their SLA" } as const;
const VIEW_EMPTY = { open: "No open tickets.", mine: "No open tickets assigned to you.", breached: "No tickets are past their SLA." } as const;

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
      ...(i ? [s("\n")] : []), b(tkey(t)),
      s(` ${t.subject} · ${t.priority} · ${t.status} · ${assignee(t)}${t.escalationLevel ? ` · level ${t.escalationLevel}` : ""}${isBreached(t, now) ? " · ⚠️ breached" : ""}`),
    ]);
    const r = reply(`${title}: ${total}`).header(`${title} (${total})`).text(lines);
    if (total > rows.length) r.context(`…and ${plural(total - rows.length, "more ticket")} not shown (showing ${rows.length} of ${total}).`);
    return r.build();
  },
});

export const ticketCommands = [ticketNew, ticketAssign, ticketEscalate, ticketWait, ticketResolve, ticketShow, ticketList];
