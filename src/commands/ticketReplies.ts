// What a ticket change says, to the person who made it and to the team's tickets channel: the same reply,
// built once here for the ticket commands and for the announcements (jobs/events/ticketAnnouncements.ts).
import { b, reply, s, type Action, type Reply } from "../reply/reply.ts";
import { duration } from "../reply/format.ts";
import type { TicketWithPeople } from "../domain/tickets/service.ts";
import { ticketClocks, type ClockState } from "../domain/tickets/slaClock.ts";

export const tkey = (t: { number: number }) => `T-${t.number}`;
export const stamp = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
// time left rounds up ("1h left" right after opening), time spent rounds down
const left = (ms: number) => duration(ms < 60_000 ? Math.ceil(ms / 1000) : Math.ceil(ms / 60_000) * 60);
export const spent = (ms: number) => duration(ms < 60_000 ? Math.floor(ms / 1000) : Math.floor(ms / 60_000) * 60);
export const requester = (t: TicketWithPeople) => (t.requester ? `C-${t.requester.number} ${t.requester.name}` : "—");
export const assignee = (t: TicketWithPeople) => t.assignee?.name ?? "unassigned";

export function clockText(c: ClockState, metLabel: string): string {
  switch (c.kind) {
    case "none":
      return "—";
    case "met":
      return `${metLabel} ${stamp(c.at)}${c.late ? " (after the SLA)" : ""}`;
    case "running":
      return `due ${stamp(c.due)} (${left(c.leftMs)} left)`;
    case "paused":
      return `paused while waiting (${left(c.leftMs)} left)`;
    case "breached":
      return `breached (was due ${stamp(c.due)})`;
  }
}

/** The buttons a ticket offers; none once it is resolved (they could only fail). */
export function ticketActions(t: TicketWithPeople, memberId: string | null): Action[] {
  const k = tkey(t);
  const edit: Action = { label: "Edit", command: `ticket edit ${k}`, form: true };
  if (t.status === "resolved") return [{ label: "Reopen", command: `ticket reopen ${k}` }, edit];
  const actions: Action[] = [
    // Reply writes to the customer (their email); Note stays with the team
    ...(t.requester?.email ? [{ label: "Reply", command: `reply ${k}`, form: true, style: "primary" as const }] : []),
    { label: "Note", command: `note ${k}`, form: true },
    { label: "Escalate", command: `ticket escalate ${k}` },
    { label: "Resolve", command: `ticket resolve ${k}` },
    edit,
  ];
  return t.assigneeId === memberId ? actions : [{ label: "Assign to me", command: `ticket assign ${k} me` }, ...actions];
}

export function ticketOpenedReply(t: TicketWithPeople, opts: { memberId: string | null; auto: boolean; now?: Date }): Reply {
  const k = tkey(t);
  const clocks = ticketClocks(t, opts.now ?? new Date());
  return reply(`Opened ${k} ${t.subject}`)
    .text([s("🎫 Opened "), b(k), s(` ${t.subject}`)])
    .fields([
      { label: "Priority", value: t.priority },
      { label: "Requester", value: requester(t) },
      { label: "Assignee", value: t.assignee ? `${t.assignee.name}${opts.auto ? " (auto, on call)" : ""}` : "unassigned" },
      { label: "First response", value: clockText(clocks.firstResponse, "responded") },
      { label: "Resolution", value: clockText(clocks.resolution, "resolved") },
    ])
    .actions([{ label: "Show", command: `ticket show ${k}` }, ...ticketActions(t, opts.memberId)])
    .record(k)
    .build();
}

export function ticketAssignedReply(t: TicketWithPeople, opts: { auto: boolean; previous: string | null }): Reply {
  const k = tkey(t);
  const who = `${assignee(t)}${opts.auto ? " (auto, on call)" : ""}`;
  return reply(`${k} assigned to ${assignee(t)}`)
    .text([s("👤 "), b(k), s(` ${t.subject} is now assigned to ${who}${opts.previous ? ` (was ${opts.previous})` : ""}.`)])
    .actions([{ label: "Show", command: `ticket show ${k}` }])
    .record(k)
    .build();
}

/** askedOn: where the requester is asked for a rating (CsatService.channelFor), if anywhere. */
export function ticketResolvedReply(t: TicketWithPeople, askedOn: string | null): Reply {
  const k = tkey(t);
  const late = t.resolutionDueAt && t.resolvedAt && t.resolvedAt > t.resolutionDueAt;
  const r = reply(`${k} resolved`).text([s("✅ Resolved "), b(k), s(` ${t.subject}${late ? " (after the resolution SLA)" : ""}.`)]);
  if (askedOn) r.context(`The requester was asked for a rating on ${askedOn === "slack" ? "Slack" : "Discord"}.`);
  return r
    .actions([{ label: "Show", command: `ticket show ${k}` }])
    .record(k)
    .build();
}

/** The same reply as the team's channel sees it: shared, and saying who made the change. */
export function announcedBy(r: Reply, name: string): Reply {
  return { ...r, ephemeral: false, summary: `${name}: ${r.summary}`, blocks: [...r.blocks, { type: "context", text: `by ${name}` }] };
}
