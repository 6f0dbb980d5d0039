// reply <T-ref> <text> (to the customer, on the ticket's channel) | note <T-ref> <text> (internal, never sent)
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, reply, s } from "../reply/reply.ts";

export const replyCommand = defineCommand({
  path: ["reply"],
  summary: "Answer the customer on the ticket's own channel (an email threaded under theirs)",
  usage: "/crm reply <T-ref> <text>",
  help: [
    "The reply is sent once by a worker; ticket show says sent, or why not. It counts as the ticket's first response.",
    "Example: /crm reply T-42 We replaced the fuser; can you try printing again?",
  ],
  form: { title: "Reply to the customer" },
  args: {
    ticket: arg.ref("ticket key", "ticket"),
    text: arg.prose("what the customer reads").rest(),
  },
  async run({ args, actor, services }) {
    const r = await services.conversations.reply(actor, args.ticket, args.text);
    return reply(`Reply on ${r.ticket} to ${r.to}`)
      .text([s("✉️ Reply on "), b(r.ticket), s(` is on its way to ${r.to}.`)])
      .context(`/crm ticket show ${r.ticket} says when it is sent.`)
      .actions([{ label: "Show", command: `ticket show ${r.ticket}` }])
      .record(r.ticket)
      .build();
  },
});

export const noteCommand = defineCommand({
  path: ["note"],
  summary: "Add an internal note to a ticket's conversation; the customer never sees it",
  usage: "/crm note <T-ref> <text>",
  form: { title: "Internal note" },
  args: {
    ticket: arg.ref("ticket key", "ticket"),
    text: arg.prose("the note, for the team only").rest(),
  },
  async run({ args, actor, services }) {
    const r = await services.conversations.note(actor, args.ticket, args.text);
    return reply(`Note on ${r.ticket}`)
      .text([s("🔒 Internal note added to "), b(r.ticket), s(". It is never sent to the customer.")])
      .record(r.ticket)
      .build();
  },
});

export const conversationCommands = [replyCommand, noteCommand];
