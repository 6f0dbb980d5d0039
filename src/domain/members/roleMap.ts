// Discord server roles that let their holders in: `/crm role map @Support agent` makes everyone with
// that server role an agent when they first use the CRM (admins only; the highest mapped role wins).
import { UserInputError } from "../../errors.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Role } from "../../generated/prisma/enums.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";

export interface RoleMapEntry {
  externalRoleId: string;
  role: Role;
}

export class RoleMapService {
  constructor(private db: PrismaClient) {}

  list(actor: Actor): Promise<RoleMapEntry[]> {
    return this.db.roleMapping.findMany({
      where: { workspaceId: actor.workspaceId, platform: "discord" },
      orderBy: { createdAt: "asc" },
      select: { externalRoleId: true, role: true },
    });
  }

  /** Maps a Discord role to a CRM role, or removes the mapping (role "none"). */
  async set(actor: Actor, externalRoleId: string, role: Role | "none"): Promise<void> {
    requireRole(actor, "admin", "map server roles");
    const link = await this.db.platformLink.findFirst({ where: { workspaceId: actor.workspaceId, platform: "discord" } });
    if (!link) throw new UserInputError("Role mapping is for Discord server roles, and this workspace has no Discord server.");
    if (externalRoleId === link.externalId)
      throw new UserInputError("@everyone cannot be mapped; use /crm settings join:agent|viewer|invite for everybody.");
    await this.db.$transaction(async (tx) => {
      const where = {
        workspaceId_platform_externalRoleId: { workspaceId: actor.workspaceId, platform: "discord" as const, externalRoleId },
      };
      const before = await tx.roleMapping.findUnique({ where });
      if (role === "none") {
        if (before) await tx.roleMapping.delete({ where });
      } else {
        await tx.roleMapping.upsert({
          where,
          create: { workspaceId: actor.workspaceId, platform: "discord", externalRoleId, role },
          update: { role },
        });
      }
      await audit(tx, actor, "member.roleMap", "workspace", actor.workspaceId, before ? { [externalRoleId]: before.role } : null, {
        [externalRoleId]: role,
      });
    });
  }
}
