// ticket.replied → the reply goes to the customer, once; ticket.resolved → the customer hears it and is asked
// to rate it, once per resolution. Both (ConversationService.deliver claims it pending →
// sending): by email from the workspace's support address (MAIL_FROM when the server has no inbound domain),
// so the customer's answer comes back to the inbox; or into the customer's Slack or Discord thread, signed
// with the agent's name, through that platform's delivery port.
import type { EventHandler } from "../../src/domain/events/dispatcher.ts";
import type { Services } from "../../src/domain/services.ts";
import type { EmailSender } from "../../src/domain/campaigns/email.ts";
import type { ChatPoster, ReplyMailer } from "../../src/domain/conversations/replies.ts";
import type { Ports } from "../../src/delivery/port.ts";
import { b, reply, s } from "../../src/reply/reply.ts";

export interface ReplyMail {
  sender: EmailSender;
  /** MAIL_FROM */
  from?: string;
}

export function customerReplies(services: Pick<Services, "conversations" | "inbox">, mail?: ReplyMail, chatPorts?: Ports): EventHandler {
  const mailer: ReplyMailer | undefined = mail && {
    async from(workspaceId) {
      const own = await services.inbox.replyFrom(workspaceId);
      if (own) return own;
      if (mail.from) return mail.from;
      throw new Error("no sender address: set INBOUND_DOMAIN or MAIL_FROM");
    },
    send: (m) => mail.sender.send(m),
  };
  const chat: ChatPoster | undefined = chatPorts
    ? async (platform, workspaceId, target, text, author) => {
        const port = chatPorts[platform];
        if (!port) throw new Error(`this worker does not post to ${platform}`);
        await port.post(
          workspaceId,
          target,
          reply(`${author}: ${text}`, false)
            .text([b(author), s(`\n${text}`)])
            .build(),
        );
      }
    : undefined;
  return {
    name: "customer-replies",
    handles: ["ticket.replied", "ticket.resolved"],
    async run(e) {
      if (e.type === "ticket.resolved") {
        // the customer hears it on their own channel and can rate it by answering (src/domain/conversations/rating.ts)
        await services.conversations.resolved(e.workspaceId, e.recordId, (e.data as { note: string | null }).note, e.id, {
          mail: mailer,
          chat,
        });
        return;
      }
      await services.conversations.deliver(e.workspaceId, (e.data as { messageId: string }).messageId, { mail: mailer, chat });
    },
  };
}
