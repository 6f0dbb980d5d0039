// Every command, in help order. Slack text, Discord's option tree and the console all read this list.
import type { Command } from "./define.ts";
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, code, reply, s, type Span } from "../reply/reply.ts";
import { contactAdd, contactFind, contactShow, contactTag } from "./contacts.ts";
import { companyAdd, companyChannel, companyShow } from "./companies.ts";
import { ticketCommands } from "./tickets.ts";
import { slaCommands } from "./sla.ts";
import { log } from "./log.ts";
import { oncall, role } from "./members.ts";
import { roleMap, settings } from "./membership.ts";
import { dealList, dealLost, dealMove, dealNew, dealRoom, dealShow, dealWon, pipeline } from "./deals.ts";
import { notify } from "./notify.ts";
import { digest, digestPost } from "./digest.ts";
import { reportCommands } from "./reports.ts";
import { dealForum, supportChannel } from "./settings.ts";
import { link, unlink } from "./link.ts";
import { campaignCommands } from "./campaigns.ts";
import { scoringCommands } from "./scoring.ts";
import { predictCommands } from "./predict.ts";
import { csatCommands } from "./csat.ts";
import { taskCommands } from "./tasks.ts";

const help = defineCommand({
  path: ["help"],
  summary: "List commands, or the commands of one area",
  usage: "/crm help [topic]",
  readOnly: true,
  args: { topic: arg.text("area such as deal, ticket, contact").optional() },
  async run({ args }) {
    const topic = args.topic?.toLowerCase();
    const list = topic ? commands.filter((c) => c.path[0] === topic || c.path.join(" ") === topic) : commands;
    if (!list.length) {
      const areas = [...new Set(commands.map((c) => c.path[0]))].join(", ");
      return reply(`No help topic "${args.topic}"`).text(`No help topic "${args.topic}". Topics: ${areas}.`).build();
    }
    const lines: Span[] = list.flatMap((c, i) => [...(i ? [s("\n")] : []), code(c.usage), s(` — ${c.summary}`)]);
    const r = reply(topic ? `Help: ${topic}` : "CRM commands")
      .header(topic ? `/crm ${topic}` : "CRM commands")
      .text(lines);
    const extra = list.flatMap((c) => c.help ?? []);
    if (topic && extra.length) r.context(extra.join("\n"));
    if (!topic)
      r.context([
        s("Keys: "),
        b("C-12"),
        s(" contact · "),
        b("A-3"),
        s(" company · "),
        b("D-7"),
        s(" deal · "),
        b("T-42"),
        s(" ticket. "),
        s("Try "),
        code("/crm help deal"),
        s("."),
      ]);
    return r.build();
  },
});

export const commands: Command[] = [
  help,
  contactAdd,
  contactFind,
  contactShow,
  contactTag,
  companyAdd,
  companyShow,
  companyChannel,
  ...ticketCommands,
  ...slaCommands,
  log,
  dealNew,
  dealMove,
  dealWon,
  dealLost,
  dealShow,
  dealList,
  dealRoom,
  dealForum,
  pipeline,
  ...taskCommands,
  digest,
  digestPost,
  ...reportCommands,
  ...campaignCommands,
  ...scoringCommands,
  ...predictCommands,
  ...csatCommands,
  role,
  roleMap,
  oncall,
  settings,
  notify,
  supportChannel,
  link,
  unlink,
] as unknown as Command[];
