// How tasks read in replies, lists, App Home, the digest and the reminder DM.
import { b, code, reply, s, type Action, type Block, type Reply, type Span } from "../reply/reply.ts";
import { dealCard } from "../render/deal-card.ts";
import { dueText } from "../domain/tasks/due.ts";
import { taskRecord, type TaskRow } from "../domain/tasks/rows.ts";
import type { ReminderView } from "../domain/tasks/reminders.ts";
import type { MemberZone } from "../domain/members/timeZone.ts";

export const fkey = (t: Pick<TaskRow, "number">) => `F-${t.number}`;

/** "F-3 Call Ana · due Tue 8 Dec 09:00 Europe/Madrid · D-7 Acme renewal · ⚠️ overdue" */
export function taskLine(t: TaskRow, tz: string, now: Date, opts: { assignee?: boolean } = {}): Span[] {
  const rec = taskRecord(t);
  return [
    b(fkey(t)),
    s(` ${t.what} · due ${dueText(t.dueAt, tz)}`),
    ...(rec ? [s(" · "), code(rec.key), s(` ${rec.label}`)] : []),
    ...(opts.assignee ? [s(` · for ${t.assignee.name}`)] : []),
    ...(t.doneAt ? [s(" · ✅ done")] : t.dueAt < now ? [s(" · ⚠️ overdue")] : []),
  ];
}

export const taskActions = (t: TaskRow): Action[] =>
  t.doneAt
    ? []
    : [
        { label: "Done", command: `task done ${fkey(t)}`, style: "primary" },
        { label: "Snooze to tomorrow 9:00", command: `task snooze ${fkey(t)}` },
      ];

/** where the zone came from, when it is not the member's own */
export function zoneNote(zone: MemberZone): string | null {
  if (zone.source === "member") return null;
  return `Times are in ${zone.tz}${zone.source === "workspace" ? ", the workspace's zone" : ""}; set yours with /crm settings tz:<zone> (e.g. tz:Europe/Madrid).`;
}

export function taskSavedReply(t: TaskRow, zone: MemberZone, verb: "added" | "snoozed", actorId: string): Reply {
  const due = dueText(t.dueAt, zone.tz);
  const rec = taskRecord(t);
  const r = reply(`${fkey(t)} ${verb}: ${t.what}, due ${due}`)
    .text([
      s(verb === "added" ? "📌 Added " : "💤 Snoozed "),
      b(fkey(t)),
      s(` ${t.what} — due `),
      b(due),
      ...(rec ? [s(" · "), code(rec.key), s(` ${rec.label}`)] : []),
      ...(t.assigneeId !== actorId ? [s(` · for ${t.assignee.name}`)] : []),
      s("."),
    ])
    .context(
      [t.assigneeId === actorId ? "You get a DM at the due time." : `${t.assignee.name} gets a DM at the due time.`, zoneNote(zone)]
        .filter(Boolean)
        .join(" "),
    );
  return r.actions(taskActions(t)).record(fkey(t)).build();
}

export function taskDoneReply(t: TaskRow): Reply {
  return reply(`${fkey(t)} done: ${t.what}`)
    .text([s("✅ "), b(fkey(t)), s(` ${t.what} is done.`)])
    .record(fkey(t))
    .build();
}

/** The record's card as a reminder shows it (header and fields, no buttons), and a button to open it. */
function recordCard(record: ReminderView["record"]): { blocks: Block[]; show: Action | null } {
  if (!record) return { blocks: [], show: null };
  const card = reply("card");
  let show: Action;
  if (record.kind === "deal") {
    const deal = dealCard(record.deal, record.stages).build();
    return {
      blocks: deal.blocks.filter((bl) => bl.type === "header" || bl.type === "fields"),
      show: { label: "Show deal", command: `deal show D-${record.deal.number}` },
    };
  } else if (record.kind === "contact") {
    const c = record.contact;
    card.header(`C-${c.number} · ${c.name}`).fields([
      { label: "Email", value: c.email ?? "—" },
      { label: "Phone", value: c.phone ?? "—" },
      { label: "Company", value: c.company ? `A-${c.company.number} ${c.company.name}` : "—" },
    ]);
    show = { label: "Show contact", command: `contact show C-${c.number}` };
  } else if (record.kind === "company") {
    const c = record.company;
    card.header(`A-${c.number} · ${c.name}`).fields([{ label: "Domain", value: c.domain ?? "—" }]);
    show = { label: "Show company", command: `company show A-${c.number}` };
  } else {
    const x = record.ticket;
    card.header(`T-${x.number} · ${x.subject}`).fields([
      { label: "Status", value: x.status },
      { label: "Priority", value: x.priority },
      { label: "Assignee", value: x.assignee?.name ?? "unassigned" },
      { label: "Requester", value: x.requester?.name ?? "—" },
    ]);
    show = { label: "Show ticket", command: `ticket show T-${x.number}` };
  }
  return { blocks: card.build().blocks, show };
}

/** The reminder DM: the task, the record's card, Done and Snooze. */
export function reminderReply(v: ReminderView): Reply {
  const { task: t, tz } = v;
  const due = dueText(t.dueAt, tz);
  const card = recordCard(v.record);
  const head = reply(`⏰ ${fkey(t)} ${t.what} — due ${due}`, false)
    .text([s("⏰ Reminder: "), b(fkey(t)), s(` ${t.what} — due `), b(due), ...(t.snoozeCount ? [s(` (snoozed ${t.snoozeCount}×)`)] : [])])
    .record(fkey(t))
    .build();
  const actions = reply("actions")
    .actions([...taskActions(t), card.show])
    .build().blocks;
  return { ...head, blocks: [...head.blocks, ...card.blocks, ...actions] };
}

/** A member's overdue tasks and those due later today (the digest's "your follow-ups", App Home). */
export function followUpBlocks(a: { overdue: TaskRow[]; today: TaskRow[]; more: boolean; zone: MemberZone }, now: Date): Block[] {
  const r = reply("follow-ups");
  if (!a.overdue.length && !a.today.length) return r.text([b("Your follow-ups: "), s("nothing overdue or due today.")]).build().blocks;
  const line = (t: TaskRow) => [s("\n"), ...taskLine(t, a.zone.tz, now)];
  r.text([
    b(`Your follow-ups: ${a.overdue.length}${a.more ? "+" : ""} overdue, ${a.today.length} due later today`),
    ...a.overdue.flatMap(line),
    ...a.today.flatMap(line),
  ]);
  if (a.more) r.context("More in /crm task list today.");
  return r.build().blocks;
}
