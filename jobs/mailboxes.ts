// IMAP polling of the workspaces' support mailboxes (src/domain/mailboxes): one job scheduler for every
// replica queues a sweep every IMAP_POLL_SECONDS, and the sweep queues one poll per mailbox. A poll's job
// id is its workspace's, so a mailbox is never polled twice at once while its poll waits or runs, and each
// poll is its own job: one slow or broken mailbox holds up no other. The poll itself is a port (the IMAP
// adapter's pollMailbox, handed in by src/app.ts): it records its failures on the mailbox and never throws.
import type { Job } from "bullmq";
import { UnrecoverableError } from "bullmq";
import type { Services } from "../src/domain/services.ts";
import type { Logger } from "../src/log.ts";
import type { JobRuntime } from "./runtime.ts";

export const MAILBOX_QUEUE = "mailboxes" as const;

/** Polls one workspace's mailbox; resolves with what it did (failures are recorded, not thrown). */
export type MailboxPoller = (workspaceId: string) => Promise<unknown>;

type MailboxJob = Job<{ workspaceId?: string }>;

export const pollJobId = (workspaceId: string) => `poll-${workspaceId}`;

/** Queues one poll per mailbox; a poll still waiting or running for a workspace is not queued twice. */
export async function queueMailboxPolls(rt: JobRuntime, services: Pick<Services, "mailboxes">): Promise<number> {
  const ids = await services.mailboxes.polled();
  if (ids.length)
    await rt
      .queue(MAILBOX_QUEUE)
      .addBulk(ids.map((workspaceId) => ({ name: "poll", data: { workspaceId }, opts: { jobId: pollJobId(workspaceId) } })));
  return ids.length;
}

export function startMailboxWorker(rt: JobRuntime, deps: { services: Services; logger: Logger; pollMailbox?: MailboxPoller }): void {
  rt.work(MAILBOX_QUEUE, async (job: MailboxJob) => {
    if (job.name === "sweep") return { queued: await queueMailboxPolls(rt, deps.services) };
    if (!deps.pollMailbox) throw new UnrecoverableError("IMAP polling is not wired into this worker");
    if (!job.data.workspaceId) throw new UnrecoverableError("a poll job without a workspace");
    return deps.pollMailbox(job.data.workspaceId);
  });
  rt.queue(MAILBOX_QUEUE)
    .upsertJobScheduler("mailbox-sweep", { every: rt.tuning.IMAP_POLL_SECONDS * 1000 }, { name: "sweep", data: {} })
    .catch((e: Error) => deps.logger.warn({ err: e.message }, "could not schedule the mailbox polls"));
  deps.logger.info({ queue: MAILBOX_QUEUE, everySeconds: rt.tuning.IMAP_POLL_SECONDS }, "mailbox poller started");
}
