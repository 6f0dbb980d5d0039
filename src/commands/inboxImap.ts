// inbox imap — the support mailbox at a mail provider, polled over IMAP (admins): set it up (the server
// logs in once first; a refusal saves nothing) or turn it off. The password never appears in a reply.
import { defineCommand } from "./define.ts";
import { arg } from "./args.ts";
import { b, code, reply, s, type Span } from "../reply/reply.ts";
import { when } from "../reply/format.ts";
import { IMAP_USAGE } from "../domain/mailboxes/mailbox.ts";
import type { MailboxStatus } from "../domain/mailboxes/service.ts";

/** "support@acme.com at imap.acme.com:993, folder INBOX" */
export const mailboxName = (m: MailboxStatus) => `${m.user} at ${m.host}:${m.port}${m.secure ? " (TLS)" : ""}, folder ${m.folder}`;

/** When the mailbox was last read, and why that failed. */
export function pollState(m: MailboxStatus, now = new Date()): Span[] {
  if (!m.lastPolledAt) return [s("not polled yet")];
  return m.lastError
    ? [s(`last poll ${when(m.lastPolledAt, now)} failed: `), b(m.lastError)]
    : [s(`last polled ${when(m.lastPolledAt, now)}, no error`)];
}

export const inboxImap = defineCommand({
  path: ["inbox", "imap"],
  summary: "Poll a support mailbox over IMAP: its mail opens tickets (admins)",
  usage: IMAP_USAGE,
  help: [
    "The server logs in once before saving: a wrong password or an unreachable server saves nothing.",
    "Port 993 is IMAP over TLS; another port must offer STARTTLS. Gmail and Microsoft 365 want an app password.",
    "/crm inbox imap off stops polling and deletes the password.",
  ],
  args: {
    host: arg.text("IMAP server").option(),
    user: arg.text("login (address)").option(),
    password: arg.text("password", 1000).option(),
    port: arg.int("port (993: TLS)", 1, 65535).optional().option(),
    folder: arg.text("folder (INBOX)").optional().option(),
  },
  form: { title: "IMAP mailbox" },
  async run({ args, actor, services }) {
    const m = await services.mailboxes.configure(actor, args);
    return reply(`Polling ${m.user}`)
      .header("Support mailbox")
      .text([
        s("📥 Logged in to "),
        code(mailboxName(m)),
        s(". New mail there opens tickets and replies join theirs, as mail to the support address does."),
      ])
      .context([s("Unread mail already in the folder is taken in on the first poll; each message read is marked as seen.")])
      .build();
  },
});

export const inboxImapOff = defineCommand({
  path: ["inbox", "imap", "off"],
  summary: "Stop polling the support mailbox; its password is deleted (admins)",
  usage: "/crm inbox imap off",
  args: {},
  async run({ actor, services }) {
    const m = await services.mailboxes.disable(actor);
    if (!m) return reply("No mailbox is polled").text("This workspace polls no mailbox; nothing changed.").build();
    return reply(`Stopped polling ${m.user}`)
      .text([s("📭 Stopped polling "), code(mailboxName(m)), s("; its password is deleted.")])
      .build();
  },
});
