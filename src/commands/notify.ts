// notify <deals|tickets|escalations> <#channel>
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, reply, s } from "../reply/reply.ts";

export const notify = defineCommand({
  path: ["notify"],
  summary: "Post deal, ticket or escalation changes to a channel (managers)",
  usage: "/crm notify <deals|tickets|escalations> <#channel>",
  help: ["One channel per topic and platform; running it again moves the topic to the new channel."],
  args: {
    topic: arg.choice("what to post", ["deals", "tickets", "escalations"] as const),
    channel: arg.channel("the channel, e.g. #sales"),
  },
  async run({ args, actor, services }) {
    await services.notify.setRoute(actor, args.topic, args.channel);
    const where = args.channel.platform === "slack" ? `<#${args.channel.channelId}>` : `channel ${args.channel.channelId}`;
    return reply(`${args.topic} changes now go to ${where}`)
      .text([s("📣 "), b(args.topic), s(` changes are now posted to ${where} (${args.channel.platform}).`)])
      .build();
  },
});
