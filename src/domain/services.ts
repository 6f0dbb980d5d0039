// The domain services a command can call. Built once per process from the Prisma client.
import type { PrismaClient } from "../generated/prisma/client.ts";
import { CompanyService } from "./companies/service.ts";
import { ContactService } from "./contacts/service.ts";
import { DealService } from "./deals/service.ts";
import { PipelineService } from "./deals/pipeline.ts";
import { MemberService } from "./members/service.ts";
import { WorkspaceService } from "./workspaces/service.ts";

export interface Services {
  companies: CompanyService;
  contacts: ContactService;
  deals: DealService;
  pipelines: PipelineService;
  members: MemberService;
  workspaces: WorkspaceService;
}

export function createServices(db: PrismaClient): Services {
  const companies = new CompanyService(db);
  const members = new MemberService(db);
  const pipelines = new PipelineService(db);
  return {
    companies,
    contacts: new ContactService(db, companies),
    members,
    pipelines,
    deals: new DealService(db, pipelines, companies, members),
    workspaces: new WorkspaceService(db),
  };
}
