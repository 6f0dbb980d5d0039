// The discord-threads job of a customer's ticket from an inbox (jobs/events/ticketThreads.ts): the public
// thread on their message, named after the ticket, and the line with the key in it; for a forum post, which
// is the thread already, only the line. The ticket recorded its thread as it opened (the thread has the
// message's id: src/domain/conversations/chat.ts), so the customer's first words in it reach the ticket
// however late this runs. Each step is remembered on the job, so a retry neither asks for the thread again
// nor says the key twice. A refusal retrying cannot fix (a missing permission, a deleted message) is logged
// with what the bot lacks and fails the job at once; a 5xx or a network error is retried with backoff, a 429
// pauses the queue (jobs/runtime.ts).
import type { Job } from "bullmq";
import type { TicketThreadJob } from "../../jobs/ticketThreads.ts";
import { PermanentDeliveryError } from "../../src/delivery/port.ts";
import type { Services } from "../../src/domain/services.ts";
import type { Logger } from "../../src/log.ts";
import { reply } from "../../src/reply/reply.ts";
import { DiscordPermanentError, type DiscordDelivery } from "./delivery.ts";

type Step = "start" | "key";

/** Why Discord refused, in the words of its permission settings. */
function why(e: PermanentDeliveryError, step: Step): string {
  const code = e instanceof DiscordPermanentError ? e.code : 0;
  if (code === 50013)
    return step === "start"
      ? "the bot lacks the Create Public Threads permission in the inbox channel"
      : "the bot lacks the Send Messages in Threads permission in the inbox channel";
  if (code === 50001) return "the bot cannot see the inbox channel (View Channel, Read Message History)";
  if (code === 10008) return "the customer's message is gone (deleted before the thread was started)";
  if (code === 10003) return "the channel or thread is gone";
  if (code === 50083 || code === 160005) return "the thread is archived or locked";
  return e.message;
}

export async function startCustomerThread(
  port: DiscordDelivery,
  services: Services,
  job: Job<TicketThreadJob>,
  log?: Logger,
): Promise<string> {
  const { workspaceId, customer } = job.data;
  if (!customer) throw new Error("not a customer's thread job");
  const plan = await services.ticketThreads.plan(workspaceId, job.data.ticket, "discord");
  if (plan.threadChannelId !== customer.messageId) return "the ticket has another thread";
  const save = (more: Partial<TicketThreadJob>) => job.updateData({ ...job.data, ...more });
  const refused = (step: Step) => (e: unknown) => {
    if (e instanceof PermanentDeliveryError)
      log?.error(
        { workspaceId, ticket: plan.key, channelId: customer.channelId, messageId: customer.messageId, err: e.message },
        `discord refused ${step === "start" ? "to start" : "the key line in"} ${plan.key}'s thread: ${why(e, step)}. ` +
          "Not retried: fix it, then retry the job (discord-threads) at /admin/queues",
      );
    throw e;
  };

  let threadId = job.data.threadId ?? (customer.post ? customer.messageId : undefined);
  if (!threadId) {
    threadId = (
      await port
        .openThread(workspaceId, { parentId: customer.channelId, onMessageId: customer.messageId, name: plan.name, private: false })
        .catch(refused("start"))
    ).channelId;
    if (threadId !== customer.messageId)
      log?.warn({ thread: threadId, message: customer.messageId }, "discord thread id differs from its message's; replies may miss it");
    await save({ threadId });
  }
  if (!job.data.keyPosted) {
    const where = customer.post ? "post" : "thread";
    const line = `🎫 ${plan.key}: thanks, the team has it. Replies in this ${where} reach them.`;
    await port.post(workspaceId, { channelId: threadId }, reply(line, false).text(line).build()).catch(refused("key"));
    await save({ keyPosted: true });
  }
  return threadId;
}
