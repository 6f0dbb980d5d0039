// Every command, in help order. Slack text, Discord's option tree and the console all read this list.
import type { Command } from "./define.ts";
import { helpCommand } from "./help.ts";
import { contactAdd, contactFind, contactList, contactShow, contactTag } from "./contacts.ts";
import { companyAdd, companyChannel, companyList, companyShow } from "./companies.ts";
import { search } from "./search.ts";
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
import { inboxCommands } from "./inbox.ts";
import { conversationCommands } from "./conversations.ts";
import { companyEdit, contactEdit, dealEdit, ticketEdit } from "./edits.ts";
import { recordCommands } from "./records.ts";
import { historyCommands } from "./history.ts";

const help = helpCommand(() => commands);

export const commands: Command[] = [
  help,
  search,
  contactAdd,
  contactFind,
  contactList,
  contactShow,
  contactTag,
  contactEdit,
  companyAdd,
  companyList,
  companyShow,
  companyChannel,
  companyEdit,
  ...ticketCommands,
  ...conversationCommands,
  ticketEdit,
  ...slaCommands,
  log,
  dealNew,
  dealMove,
  dealWon,
  dealLost,
  dealShow,
  dealList,
  dealEdit,
  ...recordCommands,
  ...historyCommands,
  dealRoom,
  dealForum,
  pipeline,
  ...taskCommands,
  ...inboxCommands,
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
