// Every handler of domain events, in the order they run for one event (announce first, then the rest).
import type { EventHandler } from "../../src/domain/events/dispatcher.ts";
import type { Services } from "../../src/domain/services.ts";
import type { ThreadRequests } from "../ticketThreads.ts";
import type { Ports } from "../../src/delivery/port.ts";
import { assignmentDms } from "./assignmentDms.ts";
import { csatRequests } from "./csatRequests.ts";
import { customerReplies, type ReplyMail } from "./customerReplies.ts";
import { dealAnnouncements } from "./dealAnnouncements.ts";
import { rescoreOnChange } from "./rescore.ts";
import { ticketAnnouncements } from "./ticketAnnouncements.ts";
import { ticketThreads } from "./ticketThreads.ts";

export function eventHandlers(services: Services, threads: ThreadRequests, mail?: ReplyMail, ports?: Ports): EventHandler[] {
  return [
    dealAnnouncements(services),
    ticketAnnouncements(services),
    assignmentDms(services),
    ticketThreads(services, threads),
    csatRequests(services),
    customerReplies(services, mail, ports),
    rescoreOnChange(services.scoring.jobs),
  ];
}
