// What the support desk automation says: SLA warnings, breaches (level 1 and 2), manual escalations
// and "assigned to you". Neutral replies; the delivery port renders them for Slack or Discord.
import { b, reply, s, type Reply } from "../../reply/reply.ts";
import { duration } from "../../reply/format.ts";
import { TARGET_LABEL, type SlaTarget } from "./slaTimers.ts";

export interface NoticeTicket {
  number: number;
  subject: string;
  priority: string;
  assignee: { name: string } | null;
}

const tkey = (t: { number: number }) => `T-${t.number}`;
const stamp = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
const secs = (ms: number) => duration(Math.max(1, Math.round(ms / 1000)));
const who = (t: NoticeTicket) => t.assignee?.name ?? "nobody (unassigned)";
const show = (t: NoticeTicket) => [{ label: "Show", command: `ticket show ${tkey(t)}` }];

/** 80 % of the target is gone. */
export function warningNotice(t: NoticeTicket, target: SlaTarget, dueAt: number, now: number): Reply {
  const k = tkey(t);
  const left = secs(dueAt - now);
  return reply(`SLA warning: ${k} ${TARGET_LABEL[target]} due in ${left}`, false)
    .text([
      s("⏳ SLA warning: "),
      b(k),
      s(` ${t.subject} (${t.priority}): ${TARGET_LABEL[target]} is due in ${left} (at ${stamp(dueAt)}).`),
    ])
    .context(`Assignee: ${who(t)}`)
    .actions(show(t))
    .record(k)
    .build();
}

/** The due time passed: level 1 (assignee and the tickets channel). */
export function breachNotice(t: NoticeTicket, target: SlaTarget, dueAt: number, level: number): Reply {
  const k = tkey(t);
  return reply(`SLA breached: ${k} ${TARGET_LABEL[target]} (level ${level})`, false)
    .text([
      s("🔴 SLA breached: "),
      b(k),
      s(` ${t.subject} (${t.priority}) missed its ${TARGET_LABEL[target]} target (due ${stamp(dueAt)}). Escalation level ${level}.`),
    ])
    .context(`Assignee: ${who(t)}`)
    .actions(show(t))
    .record(k)
    .build();
}

/** Another full target later and still not met: level 2 (managers and the escalations channel). */
export function level2Notice(t: NoticeTicket, target: SlaTarget, dueAt: number, targetMs: number, level: number): Reply {
  const k = tkey(t);
  return reply(`Escalated to level ${level}: ${k} ${TARGET_LABEL[target]} still overdue`, false)
    .text([
      s("🚨 Escalated to level "),
      b(String(level)),
      s(": "),
      b(k),
      s(
        ` ${t.subject} (${t.priority}) is still past its ${TARGET_LABEL[target]} target, ` +
          `${secs(targetMs)} after the breach (was due ${stamp(dueAt)}). A manager should step in.`,
      ),
    ])
    .context(`Assignee: ${who(t)}`)
    .actions(show(t))
    .record(k)
    .build();
}

/** `/crm ticket escalate`: the same audiences as the timer, by level. */
export function manualEscalationNotice(t: NoticeTicket, level: number, by: string, reason?: string): Reply {
  const k = tkey(t);
  return reply(`${k} escalated to level ${level} by ${by}`, false)
    .text([
      s(level >= 2 ? "🚨 " : "⬆️ "),
      b(k),
      s(` ${t.subject} (${t.priority}) escalated to level ${level} by ${by}${reason ? `: ${reason}` : "."}`),
    ])
    .context(`Assignee: ${who(t)}`)
    .actions(show(t))
    .record(k)
    .build();
}

/** A DM to the new assignee. */
export function assignedNotice(
  t: NoticeTicket & { firstResponseDueAt: Date | null; firstResponseAt: Date | null },
  by: string,
  auto: boolean,
  now: number,
): Reply {
  const k = tkey(t);
  const first = t.firstResponseAt ? null : t.firstResponseDueAt;
  const due = !first
    ? ""
    : first.getTime() > now
      ? ` First response due in ${secs(first.getTime() - now)}.`
      : " Its first response is overdue.";
  return reply(`${k} is assigned to you`, false)
    .text([s("👤 "), b(k), s(` ${t.subject} (${t.priority}) is assigned to you${auto ? " (auto, you are on call)" : ""} by ${by}.${due}`)])
    .actions([...show(t), { label: "Resolve", command: `ticket resolve ${k}`, style: "primary" }])
    .record(k)
    .build();
}
