// The job that gives a ticket created on Discord its private thread in the support channel: open the
// thread, record it on the ticket, add the requester, assignee (and the author of the message it came
// from), post the ticket's card there. Each step is remembered on the job, so a retry continues where
// the last run stopped instead of opening a second thread. A customer's ticket from an inbox gets its public
// thread instead (customerThreads.ts). The queue is jobs/ticketThreads.ts; src/app.ts hands this function to
// the workers as their port to Discord.
import { UnrecoverableError, type Job } from "bullmq";
import type { TicketThreadJob } from "../../jobs/ticketThreads.ts";
import type { ChatDelivery } from "../../src/delivery/port.ts";
import { runText } from "../../src/commands/engine.ts";
import { commands } from "../../src/commands/registry.ts";
import type { Actor } from "../../src/domain/actor.ts";
import type { Services } from "../../src/domain/services.ts";
import type { Logger } from "../../src/log.ts";
import { startCustomerThread } from "./customerThreads.ts";
import { isDiscordDelivery } from "./delivery.ts";

/** The card in the thread is everyone's: no member's "mine", and its buttons run as whoever clicks. */
const threadReader = (workspaceId: string): Actor => ({ workspaceId, memberId: "", name: "CRM", role: "viewer", platform: "discord" });

export async function openTicketThread(
  port: ChatDelivery | undefined,
  services: Services,
  job: Job<TicketThreadJob>,
  log?: Logger,
): Promise<string> {
  if (!isDiscordDelivery(port)) throw new UnrecoverableError("discord is not configured on this worker");
  if (job.data.customer) return startCustomerThread(port, services, job, log);
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
