// The workers a `--role=worker` (or the all-in-one) process runs, and what each job does.
import type { Job } from "bullmq";
import { UnrecoverableError } from "bullmq";
import type { DeliveryJob, RoomJob } from "../src/delivery/outbox.ts";
import { deserializeReply } from "../src/delivery/outbox.ts";
import { JobLockLostError, type ChatDelivery, type ChatPlatform, type Ports } from "../src/delivery/port.ts";
import type { Services } from "../src/domain/services.ts";
import type { CardRecorder } from "../src/domain/conversations/cards.ts";
import type { Logger } from "../src/log.ts";
import { dealCard } from "../src/render/deal-card.ts";
import type { JobLease, JobRuntime } from "./runtime.ts";
import { startSlaWorker } from "./sla.ts";
import type { TicketThreadJob, TicketThreadOpener } from "./ticketThreads.ts";
import type { Invocation } from "../src/commands/invocation.ts";
import type { RunInvocation } from "../src/commands/runner.ts";
import { commandProcessor } from "./commandQueue.ts";
import { startCampaignWorkers } from "./campaignWorkers.ts";
import { startReportWorker } from "./reports.ts";
import { startPredictWorker } from "./predict.ts";
import { startEventWorker } from "./domainEvents.ts";
import { startTaskReminderWorker } from "./tasks.ts";
import { startMailboxWorker, type MailboxPoller } from "./mailboxes.ts";
import type { EmailSender, EmailSettings } from "../src/domain/campaigns/email.ts";
import type { LedgerDb } from "../src/domain/campaigns/recipients.ts";

function portFor(ports: Ports, platform: ChatPlatform): ChatDelivery {
  const p = ports[platform];
  if (!p) throw new UnrecoverableError(`${platform} is not configured on this worker`);
  return p;
}

/**
 * Posts (or edits) one queued message. A post checks right before its write that this run still holds the
 * job: a worker that stalled past its lock (while Slack was slow to open a DM, say) and was taken over
 * stops there instead of posting the message a second time. An edit is the same edit twice: no check.
 * A ticket's card is recorded where it was posted; a run that finds it recorded already posts nothing.
 */
export async function deliver(ports: Ports, job: Job<DeliveryJob>, lease?: JobLease, cards?: CardRecorder): Promise<string> {
  const { platform, workspaceId, target, ticketCard } = job.data;
  const port = portFor(ports, platform);
  const card =
    ticketCard && cards && target.channelId && !target.messageId ? { cards, ticketId: ticketCard, channelId: target.channelId } : null;
  if (card) {
    const posted = await card.cards.posted(workspaceId, card.ticketId, platform, card.channelId);
    if (posted) return posted.messageId;
  }
  const reply = deserializeReply(job.data.reply);
  const beforeWrite =
    lease &&
    (async () => {
      if (!(await lease.held())) throw new JobLockLostError(`job ${job.id} was taken over by another worker`);
    });
  const at =
    target.messageId && target.channelId
      ? await port.update(workspaceId, { channelId: target.channelId, messageId: target.messageId }, reply)
      : await port.post(workspaceId, target, reply, { beforeWrite });
  if (job.data.pinAfter && port.pin) await port.pin(workspaceId, at);
  if (card) await card.cards.record(workspaceId, card.ticketId, platform, at);
  return at.messageId;
}

/** Creates the room, records it on the deal once, then posts and pins the deal card there. */
export async function createRoom(ports: Ports, services: Services, job: Job<RoomJob>): Promise<string> {
  const { platform, workspaceId, dealId, requesterUserId, fromChannelId } = job.data;
  const port = portFor(ports, platform);
  const plan = await services.rooms.plan(workspaceId, dealId, platform, requesterUserId);
  if (plan.deal.roomChannelId) return "exists";
  const { channelId } = await port.createRoom(workspaceId, {
    name: plan.name,
    topic: `D-${plan.deal.number} ${plan.deal.title}`,
    memberUserIds: plan.memberUserIds,
    fromChannelId,
  });
  if (!(await services.rooms.attach(workspaceId, dealId, platform, channelId))) return "raced";
  const { deal, stages } = await services.deals.card(workspaceId, dealId);
  const at = await port.post(
    workspaceId,
    { channelId },
    dealCard(deal, stages, "room opened: every change to this deal is posted here", false).build(),
  );
  if (port.pin) await port.pin(workspaceId, at);
  return channelId;
}

/** Runs a queued chat command; `retried` when this job was taken over from a stalled worker. */

export function startWorkers(
  rt: JobRuntime,
  deps: {
    services: Services;
    ports: Ports;
    logger: Logger;
    email?: EmailSender;
    emailSettings?: EmailSettings;
    /** MAIL_FROM: the sender of replies to customers when the server has no inbound domain */
    mailFrom?: string;
    ledger?: LedgerDb;
    /** the command runner (src/commands/runner.ts) with this process's surfaces */
    commands?: RunInvocation;
    openTicketThread?: TicketThreadOpener;
    /** the IMAP adapter's poll of one workspace's mailbox (jobs/ imports no adapter) */
    pollMailbox?: MailboxPoller;
  },
): void {
  if (deps.commands) {
    const process = commandProcessor(deps.commands);
    rt.work<Invocation>("commands", (job) => process(job.data, job.attemptsMade > 0 || job.stalledCounter > 0));
  }
  rt.work<DeliveryJob>("deliver-slack", (job, lease) => deliver(deps.ports, job, lease, deps.services.ticketCards));
  rt.work<DeliveryJob>("deliver-discord", (job, lease) => deliver(deps.ports, job, lease, deps.services.ticketCards));
  rt.work<RoomJob>("rooms", (job) => createRoom(deps.ports, deps.services, job));
  rt.work<TicketThreadJob>("discord-threads", async (job) => {
    if (!deps.openTicketThread) throw new UnrecoverableError("discord is not configured on this worker");
    return deps.openTicketThread(job);
  });
  startSlaWorker(rt, deps);
  startCampaignWorkers(rt, deps);
  startReportWorker(rt, deps);
  startPredictWorker(rt, deps);
  startEventWorker(rt, deps);
  startTaskReminderWorker(rt, deps);
  startMailboxWorker(rt, deps);
}
