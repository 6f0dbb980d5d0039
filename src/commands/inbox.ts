// inbox email — the workspace's support address, its sales BCC address, how to send mail to them, and the
// mailbox polled over IMAP (inboxImap.ts) with its last poll.
import { defineCommand } from "./define.ts";
import { b, code, reply, s } from "../reply/reply.ts";
import { inboxImap, inboxImapOff, mailboxName, pollState } from "./inboxImap.ts";
import { inboxChannelCommands } from "./inboxChannels.ts";

export const inboxEmail = defineCommand({
  path: ["inbox", "email"],
  summary: "The workspace's support address (mail to it opens tickets) and its BCC address for sales",
  usage: "/crm inbox email",
  readOnly: true,
  args: {},
  async run({ actor, services }) {
    const [a, m] = await Promise.all([services.inbox.addresses(actor.workspaceId), services.mailboxes.status(actor.workspaceId)]);
    const polled = m
      ? [s("📥 Mailbox: "), code(mailboxName(m)), s(" — "), ...pollState(m)]
      : [s("📥 Mailbox: none (an admin sets one up with "), code("/crm inbox imap"), s(")")];
    if (!a)
      return reply(m ? `Polling ${m.user}` : "No support address yet")
        .text(
          "This server has no mail domain: an admin sets INBOUND_DOMAIN (or PUBLIC_URL) and INBOUND_SMTP_PORT, and points the domain's MX record at it.",
        )
        .text(polled)
        .build();
    return reply(`Support address ${a.support}`)
      .header("Email into the CRM")
      .text([
        s("📨 Support: "),
        code(a.support),
        s(" — every new mail opens a ticket with its sender as the requester; replies join their ticket.\n"),
        s("Forward your support mailbox to it (Gmail: Settings → Forwarding; Microsoft 365: a mail flow rule), or give it out as is.\n"),
        s("🗂 Sales: "),
        code(a.log),
        s(" — BCC it (or forward a thread to it) and the mail is logged on the contacts it was sent to or from, and on their open deal."),
      ])
      .text(polled)
      .context([b("Machine mail"), s(" (auto-replies, bounces, lists) opens nothing.")])
      .build();
  },
});

export const inboxCommands = [inboxEmail, inboxImap, inboxImapOff, ...inboxChannelCommands];
