// support channel [#channel] | deal forum [#channel]: where Discord threads for tickets and deals open.
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, code, reply, s } from "../reply/reply.ts";

const where = (id: string | null) => (id ? code(`#${id}`) : s("not set"));

export const supportChannel = defineCommand({
  path: ["support", "channel"],
  summary: "Set the Discord channel where each new ticket gets a private thread (managers); no channel: show it",
  usage: "/crm support channel [#channel]",
  help: [
    "Every ticket created on Discord then gets a private thread there with its requester and assignee; an agent's first reply in it is the ticket's first response.",
  ],
  args: { channel: arg.channel("the support channel, e.g. #support").optional() },
  async run({ args, actor, services }) {
    if (!args.channel) {
      const { supportChannelId } = await services.workspaceSettings.get(actor.workspaceId);
      if (!supportChannelId)
        return reply("No support channel yet")
          .text([
            s("🧵 No support channel is set yet, so new tickets get no Discord thread. Set one with "),
            code("/crm support channel #channel"),
            s("."),
          ])
          .build();
      return reply("Support channel")
        .text([s("🧵 Ticket threads open in "), where(supportChannelId), s(".")])
        .build();
    }
    await services.workspaceSettings.setSupportChannel(actor, args.channel);
    return reply(`Ticket threads now open in channel ${args.channel.channelId}`)
      .text([
        s("🧵 Every new ticket from Discord now gets a private thread in "),
        where(args.channel.channelId),
        s(" with its "),
        b("requester"),
        s(" and "),
        b("assignee"),
        s("."),
      ])
      .build();
  },
});

export const dealForum = defineCommand({
  path: ["deal", "forum"],
  summary: "Open deal rooms as posts in a Discord forum channel (managers); no channel: show it",
  usage: "/crm deal forum [#forum]",
  help: ["Without a forum, /crm deal room opens a thread in the channel it is run in."],
  args: { channel: arg.channel("the forum channel, e.g. #deals").optional() },
  async run({ args, actor, services }) {
    if (!args.channel) {
      const { dealForumId } = await services.workspaceSettings.get(actor.workspaceId);
      return reply("Deal forum")
        .text([
          s("🚪 Deal rooms open "),
          ...(dealForumId ? [s("as posts in "), where(dealForumId)] : [s("as threads in the channel /crm deal room runs in")]),
          s("."),
        ])
        .build();
    }
    await services.workspaceSettings.setDealForum(actor, args.channel);
    return reply(`Deal rooms now open in forum ${args.channel.channelId}`)
      .text([s("🚪 Deal rooms now open as posts in "), where(args.channel.channelId), s(".")])
      .build();
  },
});
