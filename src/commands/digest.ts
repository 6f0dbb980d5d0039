// digest [today|week|month] · digest post [today|week|month]
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { reply, s } from "../reply/reply.ts";
import { UserInputError } from "../errors.ts";
import { PERIODS } from "../domain/analytics/period.ts";
import { digestReply, pipelineChartPng } from "./digestReply.ts";
import type { DigestPipeline } from "../domain/analytics/digest.ts";
import { followUpBlocks } from "./taskReplies.ts";
import type { ChatPlatform } from "../delivery/port.ts";

const PERIOD_HELP =
  "Periods are UTC: today since 00:00, week since Monday 00:00, month since the 1st; each figure is compared with the same stretch of the previous period.";

export const digest = defineCommand({
  path: ["digest"],
  summary: "Analytics digest: pipeline, deals won and lost, forecast, stalled deals, support and activity",
  usage: "/crm digest [today|week|month]",
  help: [
    PERIOD_HELP,
    'The pipeline chart shows in the console; in Slack and Discord press "Post to channel with chart" (or /crm digest post week) to post the digest with its chart to the channel.',
  ],
  readOnly: true,
  args: { period: arg.choice("today, week or month (UTC)", PERIODS).optional() },
  async run({ args, actor, services, channelId }) {
    const period = args.period ?? "today";
    // a chat reply to one's own command is ephemeral and cannot carry an uploaded image: offer to post it
    const postable = actor.platform !== "console" && !!channelId;
    const now = new Date();
    // the chart is drawn from the pipeline as soon as it is read, while the slower sections are still summed
    let chartPng: Promise<Uint8Array> | undefined;
    const drawEarly = (part: DigestPipeline) => {
      chartPng = pipelineChartPng(part);
      chartPng.catch(() => undefined); // digestReply reports it
    };
    // the asker's own part: their overdue and today's follow-ups (one indexed query beside the digest's)
    const [d, agenda] = await Promise.all([
      services.analytics.digest(actor, period, now, drawEarly),
      services.tasks.agenda(actor.workspaceId, actor.memberId, now),
    ]);
    const r = await digestReply(d, { chart: true, chartPng, postCommand: postable ? `digest post ${period}` : undefined });
    const at = r.blocks.findLastIndex((bl) => bl.type === "actions");
    r.blocks.splice(at < 0 ? r.blocks.length : at, 0, ...followUpBlocks(agenda, now));
    return r;
  },
});

export const digestPost = defineCommand({
  path: ["digest", "post"],
  summary: "Post the digest with its pipeline chart to this channel",
  usage: "/crm digest post [today|week|month]",
  help: [PERIOD_HELP, "Posting shows revenue to everyone in the channel: agents, managers and admins only."],
  args: { period: arg.choice("today, week or month (UTC)", PERIODS).optional() },
  async run({ args, actor, services, channelId }) {
    const period = args.period ?? "today";
    if (actor.platform === "console" || !channelId) {
      throw new UserInputError(
        "The console shows the chart in the reply itself; posting is for Slack and Discord channels. Try /crm digest " + period + ".",
      );
    }
    const channel = { platform: actor.platform as ChatPlatform, channelId };
    await services.analytics.post(actor, period, channel);
    const where = channel.platform === "slack" ? `<#${channelId}>` : "this channel";
    return reply(`Posting the ${period} digest to ${where}`)
      .text([
        s(`📊 Posting the ${period === "today" ? "daily" : period === "week" ? "weekly" : "monthly"} digest with its chart to ${where}.`),
      ])
      .build();
  },
});
