// inbox add <#channel> [company:<A-ref>] | inbox list | inbox remove <#channel> | inbox panel <#channel>: channels
// where customers write (a Slack Connect channel shared with a customer, a Discord channel, a Discord forum), and
// Discord's "Open a ticket" panel. See src/domain/conversations/chat.ts and panel.ts.
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, reply, s } from "../reply/reply.ts";
import type { ChatPlatform } from "../delivery/port.ts";
import { PANEL_BUTTON } from "../domain/conversations/panel.ts";

const where = (c: { platform: ChatPlatform | "console"; channelId: string }) =>
  c.platform === "slack" ? `<#${c.channelId}>` : `<#${c.channelId}> (Discord)`;

export const inboxAdd = defineCommand({
  path: ["inbox", "add"],
  summary: "Make a channel a customer inbox: a customer's message there opens a ticket (managers)",
  usage: "/crm inbox add <#channel> [company:<A-ref>]",
  help: [
    "On Slack, a Slack Connect channel shared with the customer: people of the other organization are the customers. On Discord, anyone who is not a member of the CRM.",
    "Replies in the message's thread join the ticket; what the team writes there answers the customer. Thanks and emoji alone open nothing.",
  ],
  args: {
    channel: arg.channel("the channel customers write in"),
    company: arg.ref("the customer's company", "company").optional().option(),
  },
  async run({ args, actor, services }) {
    const { company } = await services.chatInbox.add(actor, args.channel, args.company);
    return reply(`${where(args.channel)} is a customer inbox`)
      .text([
        s("📥 "),
        b(where(args.channel)),
        s(
          ` is now a customer inbox${company ? ` for ${company.key} ${company.name}` : ""}: a customer's message there opens a ticket, and its thread is the conversation.`,
        ),
      ])
      .context("Invite the bot to the channel if it is not there yet.")
      .build();
  },
});

export const inboxList = defineCommand({
  path: ["inbox", "list"],
  summary: "The channels that are customer inboxes",
  usage: "/crm inbox list",
  readOnly: true,
  args: {},
  async run({ actor, services }) {
    const rows = await services.chatInbox.list(actor);
    if (!rows.length) return reply("No inbox channels").text("No channel is a customer inbox yet: /crm inbox add #channel").build();
    return reply(`${rows.length} inbox channel(s)`)
      .header("Customer inboxes")
      .text(
        rows.flatMap((r, i) => [...(i ? [s("\n")] : []), b(where(r)), s(r.company ? ` · A-${r.company.number} ${r.company.name}` : "")]),
      )
      .build();
  },
});

export const inboxRemove = defineCommand({
  path: ["inbox", "remove"],
  summary: "Stop a channel being a customer inbox (its tickets stay) (managers)",
  usage: "/crm inbox remove <#channel>",
  args: { channel: arg.channel("the inbox channel") },
  async run({ args, actor, services }) {
    await services.chatInbox.remove(actor, args.channel);
    return reply(`${where(args.channel)} is no longer an inbox`)
      .text([s("📪 "), b(where(args.channel)), s(" is no longer a customer inbox; its tickets stay.")])
      .build();
  },
});

/** The message the panel posts: everyone sees it, and its one button is for anyone, customer or member. */
const panelMessage = () =>
  reply("Need help? Open a ticket", false)
    .header("Need help? Open a ticket")
    .text("Press the button, say what you need, and we open a private thread with you and the team.")
    .actions([{ label: "Open a ticket", command: PANEL_BUTTON, style: "primary" }])
    .build();

export const inboxPanel = defineCommand({
  path: ["inbox", "panel"],
  summary: "Post an Open a ticket button in a Discord channel (managers)",
  usage: "/crm inbox panel <#channel>",
  help: [
    "Discord only. The button opens a short form; submitting it opens a ticket in a private thread of that channel with the customer and the on-call agent.",
    "The channel becomes a customer inbox if it is not one yet: the thread is the ticket's conversation.",
  ],
  args: { channel: arg.channel("the channel to post the panel in") },
  async run({ args, actor, services }) {
    const { madeInbox } = await services.inboxPanels.post(actor, args.channel, panelMessage());
    return reply(`Ticket panel posted in ${where(args.channel)}`)
      .text([s("🎫 The ticket panel is on its way to "), b(where(args.channel)), s(madeInbox ? ", which is now a customer inbox." : ".")])
      .context("The bot needs Create Private Threads and Manage Threads there to open the threads.")
      .build();
  },
});

export const inboxChannelCommands = [inboxAdd, inboxList, inboxRemove, inboxPanel];
