// report schedule | list | cancel
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, code, reply, s, type Span } from "../reply/reply.ts";
import { UserInputError } from "../errors.ts";
import { PERIODS } from "../domain/analytics/period.ts";
import { CADENCES, WEEKDAYS, describeSchedule } from "../domain/analytics/reports.ts";
import type { ChatPlatform } from "../delivery/port.ts";

const USAGE = "/crm report schedule <daily|weekly> <HH:MM> [weekday:<mon..sun>] [tz:<IANA zone>] [period:<today|week|month>] [channel]";
const where = (platform: string, channelId: string) => (platform === "slack" ? `<#${channelId}>` : `${platform} channel ${channelId}`);

export const reportSchedule = defineCommand({
  path: ["report", "schedule"],
  summary: "Post the digest with its chart to a channel every day or every week (managers)",
  usage: USAGE,
  help: [
    "The channel defaults to the one you type in; in the console name it, like <#C0123ABC>.",
    "Weekly reports go out on weekday: (default mon). tz: is an IANA zone (default UTC); the digest's own periods stay UTC.",
    "period: defaults to today for daily and week for weekly reports. Example: /crm report schedule weekly 09:00 weekday:mon tz:Europe/Berlin #sales",
  ],
  args: {
    cadence: arg.choice("daily or weekly", CADENCES),
    time: arg.time("time of day, HH:MM (24-hour)"),
    channel: arg.channel("channel to post to (default: this one)").optional(),
    weekday: arg.choice("day for weekly reports", WEEKDAYS).optional().option(),
    tz: arg.timezone("IANA time zone, e.g. Europe/Berlin").optional().option(),
    period: arg.choice("digest period", PERIODS).optional().option(),
  },
  async run({ args, actor, services, channelId }) {
    let channel = args.channel;
    if (!channel) {
      if (actor.platform === "console" || !channelId)
        throw new UserInputError("Name the channel to post to, like <#C0123ABC> (the console has no channel of its own).", USAGE);
      channel = { platform: actor.platform as ChatPlatform, channelId };
    }
    const row = await services.reports.schedule(actor, {
      cadence: args.cadence,
      time: args.time,
      weekday: args.weekday,
      timezone: args.tz,
      period: args.period,
      channel,
    });
    return reply(`Scheduled R-${row.number}`)
      .text([s("🗓️ Scheduled "), b(`R-${row.number}`), s(`: ${describeSchedule(row)}, posted to ${where(row.platform, row.channelId)}.`)])
      .context([s("Cancel with "), code(`/crm report cancel R-${row.number}`), s(".")])
      .build();
  },
});

export const reportList = defineCommand({
  path: ["report", "list"],
  summary: "Scheduled reports of this workspace",
  usage: "/crm report list",
  readOnly: true,
  args: {},
  async run({ actor, services }) {
    const { rows, next } = await services.reports.list(actor);
    if (!rows.length)
      return reply("No scheduled reports").text("No scheduled reports. Add one with /crm report schedule daily 09:00.").build();
    const lines = rows.flatMap((r, i): Span[] => {
      const at = next.get(r.id);
      return [
        ...(i ? [s("\n")] : []),
        b(`R-${r.number}`),
        s(
          ` ${describeSchedule(r)} → ${where(r.platform, r.channelId)}${at ? ` · next ${at.toISOString().slice(0, 16).replace("T", " ")} UTC` : ""}`,
        ),
      ];
    });
    return reply(`${rows.length} scheduled report${rows.length === 1 ? "" : "s"}`)
      .header("Scheduled reports")
      .text(lines)
      .build();
  },
});

export const reportCancel = defineCommand({
  path: ["report", "cancel"],
  summary: "Stop a scheduled report (managers)",
  usage: "/crm report cancel <R-ref>",
  args: { report: arg.text("report key, e.g. R-2") },
  async run({ args, actor, services }) {
    const row = await services.reports.cancel(actor, args.report);
    return reply(`Cancelled R-${row.number}`)
      .text([s("🛑 Cancelled "), b(`R-${row.number}`), s(` (${describeSchedule(row)} → ${where(row.platform, row.channelId)}).`)])
      .build();
  },
});

export const reportCommands = [reportSchedule, reportList, reportCancel];
