// Task reminders on BullMQ: one delayed job per task and due time (job id = task + due time, so planning twice
// plans once and a snooze plans a new one), fired by TaskReminders.fire, which claims each reminder once.
// Every worker also sweeps for reminders still pending a little after their due time (a job lost with Redis,
// workers down at the time) on a timer of its own, like the domain events sweep: a Redis restart empties the
// queues and would take a BullMQ job scheduler with it.
import type { Job } from "bullmq";
import type { Services } from "../src/domain/services.ts";
import type { Logger } from "../src/log.ts";
import { reminderJobId, type ReminderTimer, type TaskReminderQueue } from "../src/domain/tasks/reminders.ts";
import { reminderReply } from "../src/commands/taskReplies.ts";
import type { JobRuntime } from "./runtime.ts";

export const TASKS_QUEUE = "task-reminders" as const;
export const TASK_SWEEP_EVERY_MS = 15_000;

export function bullTaskReminders(rt: JobRuntime): TaskReminderQueue {
  return {
    async schedule(r) {
      await rt.add(TASKS_QUEUE, "remind", r, { jobId: reminderJobId(r), delay: Math.max(0, r.dueAt - Date.now()) });
    },
  };
}

export function startTaskReminderWorker(rt: JobRuntime, deps: { services: Services; logger: Logger }): void {
  const reminders = deps.services.taskReminders;
  const worker = rt.work(TASKS_QUEUE, async (job: Job<ReminderTimer>) => {
    const result = await reminders.fire(job.data, reminderReply);
    deps.logger.debug({ job: job.id, result }, "task reminder");
    return result;
  });
  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      const fired = await reminders.sweep(reminderReply);
      if (fired) deps.logger.info({ fired }, "task reminders sent by the sweep");
    } catch (e) {
      deps.logger.warn({ err: (e as Error).message }, "could not sweep task reminders; the next sweep retries");
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), TASK_SWEEP_EVERY_MS);
  timer.unref();
  worker.on("closed", () => clearInterval(timer));
  deps.logger.info({ queue: TASKS_QUEUE }, "task reminders worker started");
}
