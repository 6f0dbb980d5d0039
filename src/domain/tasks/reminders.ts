// The reminder at a task's due time: one DM to the assignee with the record's card and Done / Snooze buttons,
// once, whatever crashes. Like the SLA timers (tickets/escalation.ts):
//  - each due time is a delayed job whose id is the task and the due time it was planned for (jobs/tasks.ts),
//    so planning twice plans once, and a snooze (a new due time) plans a new one;
//  - fire() locks the task, checks it is still open and still due then, claims `task:<id>:<due ms>` in the
//    Notification table, clears reminderPending and enqueues the DM (job id from the same key) before commit:
//    a second run (the job retried, taken over from a killed worker, or the sweep) finds the claim and does
//    nothing; a crash before commit leaves no claim, and the next run sends it;
//  - every worker sweeps for reminders still pending a little after their due time (a job Redis lost, a
//    worker that was down) and fires them itself.
import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import type { Outbox } from "../../delivery/outbox.ts";
import { isValidTimeZone } from "../../parse/index.ts";
import type { Reply } from "../../reply/reply.ts";
import type { MemberZoneService } from "../members/timeZone.ts";
import { dmTarget } from "../tickets/escalation.ts";
import { taskInclude, type TaskRow } from "./rows.ts";

type Tx = Prisma.TransactionClient;

/** One planned reminder: the task and the due time (epoch ms) it was planned for, its version. */
export interface ReminderTimer {
  workspaceId: string;
  taskId: string;
  dueAt: number;
}

/** Where delayed reminders wait (BullMQ in jobs/tasks.ts). Planning an id that exists plans nothing. */
export interface TaskReminderQueue {
  schedule(r: ReminderTimer): Promise<void>;
}

export const reminderJobId = (r: Pick<ReminderTimer, "taskId" | "dueAt">) => `task-${r.taskId}-${r.dueAt}`;
export const reminderClaimKey = (r: Pick<ReminderTimer, "taskId" | "dueAt">) => `task:${r.taskId}:${r.dueAt}`;

/** A delayed job may run this much before its time (clock skew between hosts); earlier, the sweep sends it. */
const EARLY_MS = 2000;
/** the sweep takes reminders this much past due (younger ones have their job on the way) */
export const SWEEP_GRACE_MS = 15_000;
const SWEEP_BATCH = 100;

export type FireResult = "reminded" | "stale" | "early" | "duplicate" | "unreachable";

/** The record a reminder shows, as the card drawers need it. */
export type ReminderRecord =
  | {
      kind: "deal";
      deal: Prisma.DealGetPayload<{ include: { stage: true; owner: true; company: true; contact: true } }>;
      stages: Prisma.StageGetPayload<object>[];
    }
  | {
      kind: "contact";
      contact: {
        number: number;
        name: string;
        email: string | null;
        phone: string | null;
        company: { number: number; name: string } | null;
      };
    }
  | { kind: "company"; company: { number: number; name: string; domain: string | null } }
  | {
      kind: "ticket";
      ticket: {
        number: number;
        subject: string;
        status: string;
        priority: string;
        assignee: { name: string } | null;
        requester: { name: string } | null;
      };
    };

export interface ReminderView {
  task: TaskRow;
  /** the assignee's zone: the due time is shown in it */
  tz: string;
  record: ReminderRecord | null;
}

/** Draws the reminder DM (src/commands/taskReplies.ts; the domain does not draw cards). */
export type ReminderDrawer = (v: ReminderView) => Reply;

export class TaskReminders {
  constructor(
    private db: PrismaClient,
    private zones: MemberZoneService,
    private outbox: Outbox | undefined,
  ) {}

  /** A reminder is due: DM the assignee once. Does nothing for a done or rescheduled task, or a second time. */
  async fire(r: ReminderTimer, draw: ReminderDrawer, now = Date.now()): Promise<FireResult> {
    return this.db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT "id" FROM "Task" WHERE "id" = ${r.taskId} AND "workspaceId" = ${r.workspaceId} FOR UPDATE`;
        const t = await tx.task.findFirst({ where: { id: r.taskId, workspaceId: r.workspaceId }, include: taskInclude });
        if (!t || t.doneAt || t.dueAt.getTime() !== r.dueAt) return "stale";
        if (now < r.dueAt - EARLY_MS) return "early";
        const key = reminderClaimKey(r);
        const { count } = await tx.notification.createMany({
          data: [{ workspaceId: r.workspaceId, dedupeKey: key }],
          skipDuplicates: true,
        });
        if (count !== 1) return "duplicate";
        await tx.task.update({ where: { id: t.id }, data: { reminderPending: false, remindedAt: new Date(now) } });
        const assignee = await tx.member.findFirstOrThrow({ where: { id: t.assigneeId, workspaceId: r.workspaceId } });
        const to = dmTarget(assignee);
        // a console-only member has nowhere to be DMed: the task shows in their list, App Home and digest
        if (!to || !this.outbox) return "unreachable";
        const tz =
          assignee.timeZone && isValidTimeZone(assignee.timeZone) ? assignee.timeZone : (await this.zones.workspaceZone(r.workspaceId)).tz;
        const reply = draw({ task: t, tz, record: await recordView(tx, t) });
        await this.outbox.deliver({
          platform: to.platform,
          workspaceId: r.workspaceId,
          target: { userId: to.userId },
          reply: { ...reply, ephemeral: false },
          dedupeKey: `${key}:dm`,
        });
        return "reminded";
      },
      { maxWait: 10_000, timeout: 15_000 },
    );
  }

  /** Fires every reminder still pending SWEEP_GRACE_MS after its due time, in every workspace. */
  async sweep(draw: ReminderDrawer, now = Date.now()): Promise<number> {
    let fired = 0;
    for (;;) {
      const due = await this.db.task.findMany({
        where: { reminderPending: true, dueAt: { lte: new Date(now - SWEEP_GRACE_MS) } },
        select: { id: true, workspaceId: true, dueAt: true },
        orderBy: { dueAt: "asc" },
        take: SWEEP_BATCH,
      });
      let progressed = 0;
      for (const t of due) {
        const result = await this.fire({ workspaceId: t.workspaceId, taskId: t.id, dueAt: t.dueAt.getTime() }, draw, now);
        if (result === "reminded") fired++;
        if (result !== "early") progressed++;
      }
      // a pending row the claim had already taken (it cannot be: both change in one transaction) would loop
      // here; stop when a batch moved nothing or was the last
      if (due.length < SWEEP_BATCH || !progressed) return fired;
    }
  }
}

async function recordView(tx: Tx, t: TaskRow): Promise<ReminderRecord | null> {
  const ws = t.workspaceId;
  if (t.dealId) {
    const deal = await tx.deal.findFirst({
      where: { id: t.dealId, workspaceId: ws },
      include: { stage: true, owner: true, company: true, contact: true },
    });
    if (!deal) return null;
    const stages = await tx.stage.findMany({ where: { workspaceId: ws, pipelineId: deal.pipelineId }, orderBy: { position: "asc" } });
    return { kind: "deal", deal, stages };
  }
  if (t.ticketId) {
    const ticket = await tx.ticket.findFirst({
      where: { id: t.ticketId, workspaceId: ws },
      select: {
        number: true,
        subject: true,
        status: true,
        priority: true,
        assignee: { select: { name: true } },
        requester: { select: { name: true } },
      },
    });
    return ticket ? { kind: "ticket", ticket } : null;
  }
  if (t.contactId) {
    const contact = await tx.contact.findFirst({
      where: { id: t.contactId, workspaceId: ws },
      select: { number: true, name: true, email: true, phone: true, company: { select: { number: true, name: true } } },
    });
    return contact ? { kind: "contact", contact } : null;
  }
  if (t.companyId) {
    const company = await tx.company.findFirst({
      where: { id: t.companyId, workspaceId: ws },
      select: { number: true, name: true, domain: true },
    });
    return company ? { kind: "company", company } : null;
  }
  return null;
}
