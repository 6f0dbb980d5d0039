// The domain services a command can call. Built once per process from the Prisma client.
import type { PrismaClient } from "../generated/prisma/client.ts";
import { CompanyService } from "./companies/service.ts";
import { ContactService } from "./contacts/service.ts";
import { DealService } from "./deals/service.ts";
import { InteractionService } from "./interactions/service.ts";
import { PipelineService } from "./deals/pipeline.ts";
import { MemberService } from "./members/service.ts";
import { TicketService } from "./tickets/service.ts";
import { WorkspaceService } from "./workspaces/service.ts";
import { InstallationService } from "./installations/service.ts";
import { IdentityService } from "./workspaces/identity.ts";
import { ProcessedEvents } from "./workspaces/processed-events.ts";

export interface Services {
  companies: CompanyService;
  contacts: ContactService;
  deals: DealService;
  interactions: InteractionService;
  pipelines: PipelineService;
  members: MemberService;
  tickets: TicketService;
  workspaces: WorkspaceService;
  installations: InstallationService;
  identity: IdentityService;
  processedEvents: ProcessedEvents;
}

export function createServices(db: PrismaClient, secrets: { encryptionKey?: string; stateSecret?: string } = {}): Services {
  const companies = new CompanyService(db);
  const members = new MemberService(db);
  const pipelines = new PipelineService(db);
  const tickets = new TicketService(db, members);
  return {
    companies,
    contacts: new ContactService(db, companies),
    members,
    tickets,
    pipelines,
    deals: new DealService(db, pipelines, companies, members),
    interactions: new InteractionService(db, (actor, ticketId, tx) => tickets.resume(actor, ticketId, tx)),
    workspaces: new WorkspaceService(db),
    installations: new InstallationService(db, secrets),
    identity: new IdentityService(db),
    processedEvents: new ProcessedEvents(db),
  };
}
