// ticket.replied → the reply goes to the customer by email, once (ConversationService.deliver claims it
// pending → sending). From: the workspace's support address, so the customer's answer comes back to the
// inbox; MAIL_FROM when the server has no inbound domain.
import type { EventHandler } from "../../src/domain/events/dispatcher.ts";
import type { Services } from "../../src/domain/services.ts";
import type { EmailSender } from "../../src/domain/campaigns/email.ts";
import type { ReplyMailer } from "../../src/domain/conversations/replies.ts";

export interface ReplyMail {
  sender: EmailSender;
  /** MAIL_FROM */
  from?: string;
}

export function customerReplies(services: Pick<Services, "conversations" | "inbox">, mail?: ReplyMail): EventHandler {
  const mailer: ReplyMailer | undefined = mail && {
    async from(workspaceId) {
      const own = await services.inbox.replyFrom(workspaceId);
      if (own) return own;
      if (mail.from) return mail.from;
      throw new Error("no sender address: set INBOUND_DOMAIN or MAIL_FROM");
    },
    send: (m) => mail.sender.send(m),
  };
  return {
    name: "customer-replies",
    handles: ["ticket.replied"],
    async run(e) {
      await services.conversations.deliver(e.workspaceId, (e.data as { messageId: string }).messageId, mailer);
    },
  };
}
