// task add | list | done | snooze: follow-ups with a due time in the member's own zone and a DM when it comes.
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { reply, s, type Span } from "../reply/reply.ts";
import { plural } from "../reply/format.ts";
import { TASK_VIEWS, MAX_TASK_TEXT } from "../domain/tasks/service.ts";
import { taskActions, taskDoneReply, taskLine, taskSavedReply, zoneNote } from "./taskReplies.ts";

const DUE_FORMS =
  'Due times: "tomorrow 9:00", "tue 15:00", "in 3 days", "in 2 hours", "next week" (Monday 9:00), 2026-12-24 10:00; a day alone means 9:00. They are read in your time zone (/crm settings tz:Europe/Madrid).';

export const taskAdd = defineCommand({
  path: ["task", "add"],
  summary: "Add a follow-up, optionally on a record; its assignee gets a DM when it is due",
  usage: '/crm task add "<what>" [<ref>] due:<date/time> [assign:@user]',
  help: [
    DUE_FORMS,
    `The record is a C-, A-, D- or T- key or a contact's email; the text is at most ${MAX_TASK_TEXT} characters. The task is yours unless assign: names someone.`,
    'Example: /crm task add "Call Ana about the renewal" D-7 due:"tue 15:00"',
  ],
  args: {
    what: arg.text("what to do, in quotes"),
    ref: arg.ref("the record it is about: C-, A-, D- or T- key", "contact", "company", "deal", "ticket").optional(),
    due: arg.text('when: "tomorrow 9:00", "in 3 days", "next week"').option(),
    assign: arg.member("who does it (default: you)").optional().option(),
  },
  async run({ args, actor, services }) {
    const { task, zone } = await services.tasks.add(actor, args);
    return taskSavedReply(task, zone, "added", actor.memberId);
  },
});

const VIEW_TITLE = { mine: "My open tasks", today: "My tasks due today", overdue: "My overdue tasks" } as const;
const VIEW_EMPTY = {
  mine: 'You have no open tasks. Add one with /crm task add "Call Ana" due:tomorrow.',
  today: "Nothing due today.",
  overdue: "Nothing overdue.",
} as const;

export const taskList = defineCommand({
  path: ["task", "list"],
  summary: "Your open tasks: all (mine, the default), due today, or overdue",
  usage: "/crm task list [mine|today|overdue]",
  help: ["today: due by the end of today in your time zone, overdue ones included."],
  readOnly: true,
  args: { view: arg.choice("which tasks", TASK_VIEWS).optional() },
  async run({ args, actor, services }) {
    const view = args.view ?? "mine";
    const { rows, total, zone } = await services.tasks.list(actor, view);
    const title = VIEW_TITLE[view];
    const note = zoneNote(zone);
    if (!rows.length) {
      const r = reply(`${title}: none`).text(VIEW_EMPTY[view]);
      return r.build();
    }
    const now = new Date();
    const lines: Span[] = rows.flatMap((t, i) => [...(i ? [s("\n")] : []), ...taskLine(t, zone.tz, now)]);
    const r = reply(`${title}: ${total}`).header(`${title} (${total})`).text(lines);
    if (total > rows.length) r.context(`…and ${plural(total - rows.length, "more task")} (showing the first ${rows.length} by due time).`);
    if (note) r.context(note);
    // one task: its buttons right here
    if (rows.length === 1) r.actions(taskActions(rows[0]));
    return r.build();
  },
});

export const taskDone = defineCommand({
  path: ["task", "done"],
  // a viewer may be given a task: they complete or snooze their own (the service checks it is theirs)
  ownRecordsOnly: true,
  summary: "Mark a task done",
  usage: "/crm task done <F-ref>",
  args: { task: arg.text("task key, e.g. F-3") },
  async run({ args, actor, services }) {
    return taskDoneReply(await services.tasks.done(actor, args.task));
  },
});

export const taskSnooze = defineCommand({
  path: ["task", "snooze"],
  // a viewer may be given a task: they complete or snooze their own (the service checks it is theirs)
  ownRecordsOnly: true,
  summary: "Move a task's due time (default: tomorrow 9:00 your time); it reminds you again then",
  usage: "/crm task snooze <F-ref> [until]",
  help: [DUE_FORMS, "Example: /crm task snooze F-3 in 3 days"],
  args: { task: arg.text("task key, e.g. F-3"), until: arg.text('new due time, e.g. "in 3 days"').optional().rest() },
  async run({ args, actor, services }) {
    const { task, zone } = await services.tasks.snooze(actor, args.task, args.until);
    return taskSavedReply(task, zone, "snoozed", actor.memberId);
  },
});

export const taskCommands = [taskAdd, taskList, taskDone, taskSnooze];
