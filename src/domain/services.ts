// The domain services a command can call. Built once per process from the Prisma client.
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Actor } from "./actor.ts";
import type { Outbox } from "../delivery/outbox.ts";
import type { Logger } from "../log.ts";
import { NotifyService } from "./notify/service.ts";
import { RoomService } from "./deals/rooms.ts";
import { CompanyService } from "./companies/service.ts";
import { ContactService } from "./contacts/service.ts";
import { DealService } from "./deals/service.ts";
import { InteractionService } from "./interactions/service.ts";
import { PipelineService } from "./deals/pipeline.ts";
import { MemberService } from "./members/service.ts";
import { TicketService } from "./tickets/service.ts";
import { ticketFromMessage, type MessageSource } from "./tickets/fromMessage.ts";
import { WorkspaceService } from "./workspaces/service.ts";
import { InstallationService } from "./installations/service.ts";
import { IdentityService } from "./workspaces/identity.ts";
import { ProcessedEvents } from "./workspaces/processed-events.ts";

export interface Services {
  companies: CompanyService;
  contacts: ContactService;
  deals: DealService;
  rooms: RoomService;
  notify: NotifyService;
  interactions: InteractionService;
  pipelines: PipelineService;
  members: MemberService;
  tickets: TicketService;
  /** one ticket per chat message (reactions, message shortcuts) */
  ticketFromMessage(actor: Actor, m: MessageSource): ReturnType<typeof ticketFromMessage>;
  workspaces: WorkspaceService;
  installations: InstallationService;
  identity: IdentityService;
  processedEvents: ProcessedEvents;
}

export interface ServiceDeps { encryptionKey?: string; stateSecret?: string; outbox?: Outbox; logger?: Logger }

export function createServices(db: PrismaClient, deps: ServiceDeps = {}): Services {
  const companies = new CompanyService(db);
  const members = new MemberService(db);
  const pipelines = new PipelineService(db);
  const tickets = new TicketService(db, members);
  return {
    companies,
    contacts: new ContactService(db, companies),
    members,
    tickets,
    ticketFromMessage: (actor, m) => ticketFromMessage(db, tickets, actor, m),
    pipelines,
    deals: new DealService(db, pipelines, companies, members),
    rooms: new RoomService(db, deps.outbox),
    notify: new NotifyService(db, deps.outbox, deps.logger),
    interactions: new InteractionService(db, (actor, ticketId, tx) => tickets.resume(actor, ticketId, tx)),
    workspaces: new WorkspaceService(db),
    installations: new InstallationService(db, deps),
    identity: new IdentityService(db),
    processedEvents: new ProcessedEvents(db),
  };
}
