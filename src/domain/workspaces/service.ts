// Workspaces and their local (console) members. Platform workspaces are created by identity.ts.
import { UserInputError } from "../../errors.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Role } from "../../generated/prisma/enums.ts";
import { audit } from "../audit.ts";
import { createWorkspaceDefaults } from "./defaults.ts";

export class WorkspaceService {
  constructor(private db: PrismaClient) {}

  list() {
    return this.db.workspace.findMany({
      orderBy: { createdAt: "asc" },
      select: { id: true, name: true, links: { select: { platform: true, externalId: true, name: true } } },
    });
  }

  /** A console-only workspace with its first member (the admin). */
  async create(name: string, adminName: string) {
    const n = name.trim(),
      a = adminName.trim();
    if (!n || n.length > 100) throw new UserInputError("A workspace needs a name of 1-100 characters.");
    if (!a || a.length > 100) throw new UserInputError("The first member needs a name of 1-100 characters.");
    return this.db.$transaction(async (tx) => {
      const ws = await tx.workspace.create({ data: { name: n } });
      await createWorkspaceDefaults(tx, ws.id);
      const admin = await tx.member.create({ data: { workspaceId: ws.id, name: a, role: "admin" } });
      await audit(tx, { workspaceId: ws.id, memberId: admin.id }, "workspace.create", "workspace", ws.id, null, { name: n });
      return { workspace: ws, admin };
    });
  }

  members(workspaceId: string) {
    return this.db.member.findMany({
      where: { workspaceId },
      orderBy: { createdAt: "asc" },
      select: { id: true, name: true, role: true, onCall: true, slackUserId: true, discordUserId: true },
    });
  }

  /** Adds a local member from the console (the first member of an empty workspace becomes admin). */
  async addMember(workspaceId: string, name: string, role: Role = "agent") {
    const n = name.trim();
    if (!n || n.length > 100) throw new UserInputError("A member needs a name of 1-100 characters.");
    const ws = await this.db.workspace.findUnique({ where: { id: workspaceId } });
    if (!ws) throw new UserInputError("No such workspace.");
    return this.db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${workspaceId}))`;
      const count = await tx.member.count({ where: { workspaceId } });
      const m = await tx.member.create({ data: { workspaceId, name: n, role: count === 0 ? "admin" : role } });
      await audit(tx, { workspaceId, memberId: m.id }, "member.add", "member", m.id, null, { name: n, role: m.role });
      return m;
    });
  }
}
