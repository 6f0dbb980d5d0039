// Members and roles. The first member of a workspace is its admin; only admins change roles.
import { NotFoundError, UserInputError } from "../../errors.ts";
import type { PrismaClient, Member } from "../../generated/prisma/client.ts";
import type { Role } from "../../generated/prisma/enums.ts";
import type { MemberRef } from "../../parse/memberRef.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";

export class MemberService {
  constructor(private db: PrismaClient) {}

  /** A member by id within the workspace, or null (event handlers name the people an event names). */
  byId(workspaceId: string, memberId: string): Promise<Member | null> {
    return this.db.member.findFirst({ where: { id: memberId, workspaceId } });
  }

  /** @mention, "me" or a name → a member of the actor's workspace. A mention of someone who is not a
   *  member is refused (only `/crm role` adds people: see setRole), so nobody joins by being assigned. */
  async resolve(actor: Actor, ref: MemberRef): Promise<Member> {
    const ws = actor.workspaceId;
    if (ref.kind === "me") return this.db.member.findFirstOrThrow({ where: { id: actor.memberId, workspaceId: ws } });
    if (ref.kind === "auto") throw new UserInputError('"auto" is not allowed here; mention a member.');
    if (ref.kind === "mention") {
      const found = await this.findMention(ws, ref);
      if (found) return found;
      const tag = `<@${ref.userId}>`;
      throw new NotFoundError(`${tag} is not a member of this CRM yet; an admin can add them with /crm role ${tag} agent.`);
    }
    // two people with one name are told apart by their place in joining order: "Raj Patel (2)"
    const numbered = /^(.*\S)\s*\((\d{1,3})\)$/.exec(ref.name.trim());
    if (numbered) {
      const same = await this.sameName(ws, numbered[1]);
      const hit = same[Number(numbered[2]) - 1];
      if (hit) return hit;
      if (same.length)
        throw new NotFoundError(`There ${same.length === 1 ? "is one" : `are ${same.length}`} "${same[0].name}"; ${choices(same)}.`);
    }
    const matches = await this.db.member.findMany({
      where: { workspaceId: ws, name: { startsWith: ref.name, mode: "insensitive" } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: 6,
    });
    const exact = matches.filter((m) => m.name.toLowerCase() === ref.name.toLowerCase());
    if (exact.length === 1) return exact[0];
    if (exact.length > 1) {
      const same = await this.sameName(ws, ref.name);
      throw new UserInputError(`${same.length} members are named "${same[0].name}": ${choices(same)}.`);
    }
    if (matches.length === 1) return matches[0];
    if (!matches.length) throw new NotFoundError(`No member named "${ref.name}" in this workspace.`);
    throw new UserInputError(`"${ref.name}" matches ${[...new Set(matches.map((m) => m.name))].join(", ")}; be more specific.`);
  }

  /** Members with exactly this name (any case), in joining order: the order their "(n)" counts in. */
  private sameName(workspaceId: string, name: string) {
    return this.db.member.findMany({
      where: { workspaceId, name: { equals: name, mode: "insensitive" } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: 50,
    });
  }

  private findMention(workspaceId: string, ref: Extract<MemberRef, { kind: "mention" }>) {
    const field = ref.platform === "slack" ? "slackUserId" : "discordUserId";
    return this.db.member.findFirst({ where: { workspaceId, [field]: ref.userId } });
  }

  /** Changes a member's role; a mentioned person who is not a member yet is added with that role
   *  (the one way an admin lets someone in, whatever the workspace's join rule). */
  async setRole(actor: Actor, ref: MemberRef, role: Role): Promise<Member> {
    requireRole(actor, "admin", "change roles");
    if (ref.kind === "mention" && !(await this.findMention(actor.workspaceId, ref))) return this.add(actor, ref, role);
    const target = await this.resolve(actor, ref);
    if (target.id === actor.memberId && role !== "admin") {
      const admins = await this.db.member.count({ where: { workspaceId: actor.workspaceId, role: "admin" } });
      if (admins <= 1) throw new UserInputError("You are the only admin; make someone else admin first.");
    }
    return this.db.$transaction(async (tx) => {
      const after = await tx.member.update({ where: { id: target.id }, data: { role } });
      await audit(tx, actor, "member.role", "member", target.id, { role: target.role }, { role });
      return after;
    });
  }

  private async add(actor: Actor, ref: Extract<MemberRef, { kind: "mention" }>, role: Role): Promise<Member> {
    const field = ref.platform === "slack" ? "slackUserId" : "discordUserId";
    const link = await this.db.platformLink.findFirst({ where: { workspaceId: actor.workspaceId, platform: ref.platform } });
    if (!link)
      throw new NotFoundError(
        `This workspace is not connected to ${ref.platform === "slack" ? "Slack" : "Discord"}; that user cannot be added here.`,
      );
    return this.db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${actor.workspaceId}))`;
      const again = await tx.member.findFirst({ where: { workspaceId: actor.workspaceId, [field]: ref.userId } });
      if (again) return again.role === role ? again : tx.member.update({ where: { id: again.id }, data: { role } });
      const m = await tx.member.create({ data: { workspaceId: actor.workspaceId, name: ref.userId, role, [field]: ref.userId } });
      await audit(tx, actor, "member.add", "member", m.id, null, { [field]: ref.userId, role });
      return m;
    });
  }

  async setOnCall(actor: Actor, on: boolean): Promise<Member> {
    requireRole(actor, "agent", "go on call");
    return this.db.$transaction(async (tx) => {
      const before = await tx.member.findFirstOrThrow({ where: { id: actor.memberId, workspaceId: actor.workspaceId } });
      const after = await tx.member.update({ where: { id: actor.memberId }, data: { onCall: on } });
      await audit(tx, actor, "member.oncall", "member", actor.memberId, { onCall: before.onCall }, { onCall: on });
      return after;
    });
  }

  list(actor: Actor) {
    return this.db.member.findMany({ where: { workspaceId: actor.workspaceId }, orderBy: { createdAt: "asc" } });
  }
}

/** How to name each of several members who share a name: `"Raj Patel (2)"`, with where they are. */
function choices(same: Member[]): string {
  return same
    .map((m, i) => {
      const where = [m.slackUserId && `Slack <@${m.slackUserId}>`, m.discordUserId && `Discord <@${m.discordUserId}>`]
        .filter(Boolean)
        .join(", ");
      return `"${m.name} (${i + 1})"${where ? ` (${where})` : ""}`;
    })
    .join(", ")
    .concat("; write one of these, or mention the person");
}
