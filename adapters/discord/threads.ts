// The job that gives a ticket created on Discord its private thread in the support channel: open the
// thread, record it on the ticket, add the requester, assignee (and the author of the message it came
// from), post the ticket's card there. Each step is remembered on the job, so a retry continues where
// the last run stopped instead of opening a second thread.
import { createHash } from "node:crypto";
import { UnrecoverableError, type Job } from "bullmq";
import type { JobRuntime } from "../../jobs/runtime.ts";
import type { QueueName } from "../../jobs/registry.ts";
import type { Ports } from "../../jobs/workers.ts";
import { runText } from "../../src/commands/engine.ts";
import { commands } from "../../src/commands/registry.ts";
import type { Actor } from "../../src/domain/actor.ts";
import type { Services } from "../../src/domain/services.ts";
import { isDiscordDelivery } from "./delivery.ts";

export const TICKET_THREAD_QUEUE = "discord-threads" satisfies QueueName;

export interface TicketThreadJob {
  workspaceId: string;
  /** the ticket's key, T-42 */
  ticket: string;
  /** more people for the thread (the author of the message the ticket came from) */
  extraUserIds: string[];
  /** progress, for retries */
  threadId?: string;
  membersAdded?: boolean;
  cardPosted?: boolean;
}

export interface ThreadRequests { request(job: TicketThreadJob): Promise<void> }

/** One job per ticket, however often it is asked for. */
export function ticketThreadQueue(rt: JobRuntime): ThreadRequests {
  return {
    async request(job) {
      const jobId = createHash("sha1").update(`ticket-thread:${job.workspaceId}:${job.ticket}`).digest("hex");
      await rt.add(TICKET_THREAD_QUEUE, "ticket-thread", job, { jobId });
    },
  };
}

/** The card in the thread is everyone's: no member's "mine", and its buttons run as whoever clicks. */
const threadReader = (workspaceId: string): Actor => ({ workspaceId, memberId: "", name: "CRM", role: "viewer", platform: "discord" });

export async function openTicketThread(ports: Ports, services: Services, job: Job<TicketThreadJob>): Promise<string> {
  const port = ports.discord;
  if (!isDiscordDelivery(port)) throw new UnrecoverableError("discord is not configured on this worker");
  const { workspaceId } = job.data;
  const plan = await services.ticketThreads.plan(workspaceId, job.data.ticket, "discord");
  const save = (more: Partial<TicketThreadJob>) => job.updateData({ ...job.data, ...more });

  let threadId = job.data.threadId;
  if (!threadId) {
    if (plan.threadChannelId) return "exists";
    if (!plan.parentChannelId) return "no support channel (set one with /crm support channel #channel)";
    threadId = (await port.openThread(workspaceId, { parentId: plan.parentChannelId, name: plan.name, private: true })).channelId;
    if (!(await services.ticketThreads.attach(workspaceId, plan.ticket.id, "discord", threadId))) return "raced";
    await save({ threadId });
  }
  if (!job.data.membersAdded) {
    await port.addThreadMembers(workspaceId, threadId, [...plan.memberUserIds, ...job.data.extraUserIds]);
    await save({ membersAdded: true });
  }
  if (!job.data.cardPosted) {
    const card = await runText(commands, `ticket show ${plan.key}`, threadReader(workspaceId), services);
    await port.post(workspaceId, { channelId: threadId }, { ...card, ephemeral: false, summary: `${plan.key} ${plan.ticket.subject}` });
    await save({ cardPosted: true });
  }
  return threadId;
}
