// Members and roles. The first member of a workspace is its admin; only admins change roles.
import { NotFoundError, UserInputError } from "../../errors.ts";
import type { PrismaClient, Member } from "../../generated/prisma/client.ts";
import type { Role } from "../../generated/prisma/enums.ts";
import type { MemberRef } from "../../commands/args.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";

export class MemberService {
  constructor(private db: PrismaClient) {}

  /** @mention, "me" or a name → a member of the actor's workspace (created for a mention seen first here). */
  async resolve(actor: Actor, ref: MemberRef): Promise<Member> {
    const ws = actor.workspaceId;
    if (ref.kind === "me") return this.db.member.findFirstOrThrow({ where: { id: actor.memberId, workspaceId: ws } });
    if (ref.kind === "auto") throw new UserInputError('"auto" is not allowed here; mention a member.');
    if (ref.kind === "mention") {
      const field = ref.platform === "slack" ? "slackUserId" : "discordUserId";
      const found = await this.db.member.findFirst({ where: { workspaceId: ws, [field]: ref.userId } });
      if (found) return found;
      // a teammate mentioned before they ever used the bot: they join as an agent
      const link = await this.db.platformLink.findFirst({ where: { workspaceId: ws, platform: ref.platform } });
      if (!link) throw new NotFoundError(`That ${ref.platform} user is not in this workspace.`);
      return this.db.$transaction(async (tx) => {
        const m = await tx.member.create({ data: { workspaceId: ws, name: ref.userId, role: "agent", [field]: ref.userId } });
        await audit(tx, actor, "member.add", "member", m.id, null, { [field]: ref.userId });
        return m;
      });
    }
    const matches = await this.db.member.findMany({ where: { workspaceId: ws, name: { startsWith: ref.name, mode: "insensitive" } }, take: 6 });
    const exact = matches.filter((m) => m.name.toLowerCase() === ref.name.toLowerCase());
    if (exact.length === 1) return exact[0];
    if (matches.length === 1) return matches[0];
    if (!matches.length) throw new NotFoundError(`No member named "${ref.name}" in this workspace.`);
    throw new UserInputError(`"${ref.name}" matches ${matches.map((m) => m.name).join(", ")}; be more specific.`);
  }

  async setRole(actor: Actor, ref: MemberRef, role: Role): Promise<Member> {
    requireRole(actor, "admin", "change roles");
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
