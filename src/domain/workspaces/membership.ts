// Who becomes a member when they first use the CRM from Slack or Discord, and with which role. Pure:
// identity.ts gathers the facts (the platform's word on the person, the workspace's rule and role map)
// and asks here. Nobody becomes a member by typing /crm alone unless the workspace's rule says so.
import type { JoinRule, Role } from "../../generated/prisma/enums.ts";
import { PermissionError } from "../../errors.ts";

export const JOIN_RULES = ["agent", "viewer", "invite"] as const satisfies readonly JoinRule[];

/** The rule a workspace follows when it has not chosen one: Slack teams are colleagues (read-only to
 *  start), a Discord server is often a public community (nobody joins without an admin). */
export const defaultJoinRule = (platform: "slack" | "discord"): JoinRule => (platform === "slack" ? "viewer" : "invite");

/** A person who is not a member (and may not become one by using the CRM): they are told this and nothing else. */
export class NotMemberError extends PermissionError {
  override name = "NotMemberError";
}

export const ASK_AN_ADMIN = "You are not a member of this CRM yet: ask an admin to add you (/crm role @you agent).";

export interface JoinFacts {
  platform: "slack" | "discord";
  /** the workspace's rule (null: the platform's default) */
  rule: JoinRule | null;
  /** the platform says this person runs the place: Slack installer or SLACK_ADMIN_USERS, Discord Manage Server / Administrator */
  platformAdmin: boolean;
  /** single-token Slack without SLACK_ADMIN_USERS: the first person of an empty workspace is its admin */
  firstPersonAdmin: boolean;
  /** members the workspace already has */
  memberCount: number;
  /** the best CRM role the person's Discord server roles map to */
  mappedRole?: Role;
  /** Slack: a guest (is_restricted / is_ultra_restricted) */
  guest?: boolean;
  /** Slack: the person belongs to another team than the workspace's (a Slack Connect channel) */
  foreignTeam?: boolean;
}

export type JoinDecision = { role: Role; firstPerson: boolean } | { refused: string };

export function decideJoin(f: JoinFacts): JoinDecision {
  if (f.guest) return { refused: "Slack guests cannot use this CRM. Ask a full member of your team if you need something from it." };
  if (f.foreignTeam) return { refused: "This CRM belongs to another Slack team; people from outside it cannot use it." };
  if (f.platformAdmin) return { role: "admin", firstPerson: false };
  if (f.firstPersonAdmin && f.memberCount === 0) return { role: "admin", firstPerson: true };
  if (f.mappedRole) return { role: f.mappedRole, firstPerson: false };
  const rule = f.rule ?? defaultJoinRule(f.platform);
  if (rule === "invite") return { refused: ASK_AN_ADMIN };
  return { role: rule, firstPerson: false };
}

const RANK: Record<Role, number> = { viewer: 0, agent: 1, manager: 2, admin: 3 };
export const highestRole = (roles: Role[]): Role | undefined =>
  roles.reduce<Role | undefined>((best, r) => (!best || RANK[r] > RANK[best] ? r : best), undefined);
