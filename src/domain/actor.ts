// Who is acting, and what their role lets them do. Every service method takes an Actor first:
// its workspaceId scopes every query.
import { PermissionError } from "../errors.ts";
import type { Platform, Role } from "../generated/prisma/enums.ts";

export interface Actor {
  workspaceId: string;
  memberId: string;
  name: string;
  role: Role;
  platform: Platform;
  /** the caller's id on that platform (Slack U…, Discord snowflake), when there is one */
  platformUserId?: string;
}

const RANK: Record<Role, number> = { viewer: 0, agent: 1, manager: 2, admin: 3 };

export const atLeast = (actor: Actor, role: Role) => RANK[actor.role] >= RANK[role];

export function requireRole(actor: Actor, role: Role, what: string): void {
  if (!atLeast(actor, role))
    throw new PermissionError(
      `Only ${role === "agent" ? "agents, managers and admins" : role === "manager" ? "managers and admins" : "admins"} can ${what}; you are ${article(actor.role)} ${actor.role}.`,
    );
}

/** Agents act on their own and unassigned records; managers and admins on all; viewers only read. */
export function requireCanChange(actor: Actor, ownerId: string | null | undefined, what: string): void {
  requireRole(actor, "agent", what);
  if (atLeast(actor, "manager")) return;
  if (ownerId && ownerId !== actor.memberId)
    throw new PermissionError(`You can only ${what} on records that are yours or unassigned; ask a manager.`);
}

const article = (role: string) => (/^[aeiou]/.test(role) ? "an" : "a");
