// The domain services a command can call. Built once per process from the Prisma client.
import type { PrismaClient } from "../generated/prisma/client.ts";
import { CompanyService } from "./companies/service.ts";
import { ContactService } from "./contacts/service.ts";
import { MemberService } from "./members/service.ts";
import { WorkspaceService } from "./workspaces/service.ts";

export interface Services {
  companies: CompanyService;
  contacts: ContactService;
  members: MemberService;
  workspaces: WorkspaceService;
}

export function createServices(db: PrismaClient): Services {
  const companies = new CompanyService(db);
  return {
    companies,
    contacts: new ContactService(db, companies),
    members: new MemberService(db),
    workspaces: new WorkspaceService(db),
  };
}
