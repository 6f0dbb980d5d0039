// One CRM across Slack and Discord: `/crm link` gives a one-time code (10 minutes, single use) on one
// platform; `/crm link <code>` on the other joins that team/guild to the same workspace. `/crm unlink`
// (admins) takes the current platform out again into a workspace of its own; the records stay.
import { randomInt } from "node:crypto";
import { NotFoundError, UserInputError } from "../../errors.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { createWorkspaceDefaults } from "./defaults.ts";

const CODE_TTL_MS = 10 * 60 * 1000;
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no 0/O/1/I: codes are read aloud and retyped

export const newLinkCode = () => Array.from({ length: 8 }, (_, i) => (i === 4 ? "-" : "") + ALPHABET[randomInt(ALPHABET.length)]).join("");

type ChatPlatform = "slack" | "discord";
const chatPlatform = (actor: Actor): ChatPlatform => {
  if (actor.platform !== "slack" && actor.platform !== "discord")
    throw new UserInputError("Linking pairs a Slack workspace and a Discord server: run /crm link in Slack or Discord.");
  return actor.platform;
};
const otherOf = (p: ChatPlatform): ChatPlatform => (p === "slack" ? "discord" : "slack");
const idField = (p: ChatPlatform) => (p === "slack" ? "slackUserId" : "discordUserId");

export class LinkService {
  constructor(private db: PrismaClient) {}

  /** A code the other platform's admin types to join this workspace. */
  async createCode(actor: Actor): Promise<{ code: string; expiresAt: Date; joins: ChatPlatform }> {
    requireRole(actor, "admin", "link workspaces");
    const platform = chatPlatform(actor);
    const other = otherOf(platform);
    const already = await this.db.platformLink.findFirst({ where: { workspaceId: actor.workspaceId, platform: other } });
    if (already)
      throw new UserInputError(
        `This workspace is already linked to a ${other} ${other === "slack" ? "workspace" : "server"}; an admin can /crm unlink first.`,
      );
    const code = newLinkCode();
    const expiresAt = new Date(Date.now() + CODE_TTL_MS);
    await this.db.$transaction(async (tx) => {
      const row = await tx.linkCode.create({
        data: { workspaceId: actor.workspaceId, code, platform, createdById: actor.memberId, expiresAt },
      });
      await audit(tx, actor, "link.code", "linkCode", row.id, null, { platform, expiresAt });
    });
    return { code, expiresAt, joins: other };
  }

  /** Joins the caller's team/guild to the code's workspace. The caller's own workspace must hold no records yet. */
  async redeem(actor: Actor, rawCode: string): Promise<{ workspaceId: string; name: string }> {
    requireRole(actor, "admin", "link workspaces");
    const platform = chatPlatform(actor);
    const code = rawCode
      .trim()
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, "")
      .replace(/^(.{4})(.{4})$/, "$1-$2");
    return this.db.$transaction(async (tx) => {
      // single use: the conditional update decides, even with two redeemers at once
      const claimed = await tx.linkCode.updateMany({
        where: { code, usedAt: null, expiresAt: { gt: new Date() } },
        data: { usedAt: new Date() },
      });
      if (claimed.count !== 1)
        throw new UserInputError(
          "That link code is unknown, expired or already used. Ask for a new one with /crm link on the other platform.",
        );
      const lc = await tx.linkCode.findUniqueOrThrow({ where: { code }, include: { workspace: true } });
      if (lc.platform === platform) throw new UserInputError(`That code was made on ${platform}; run it on ${otherOf(platform)}.`);
      if (lc.workspaceId === actor.workspaceId) throw new UserInputError("This is already the same workspace.");
      const source = actor.workspaceId;
      const records = await tx.$queryRaw<{ n: bigint }[]>`
        SELECT (SELECT count(*) FROM "Contact" WHERE "workspaceId" = ${source}) + (SELECT count(*) FROM "Company" WHERE "workspaceId" = ${source})
             + (SELECT count(*) FROM "Deal" WHERE "workspaceId" = ${source}) + (SELECT count(*) FROM "Ticket" WHERE "workspaceId" = ${source}) AS n`;
      if (Number(records[0].n) > 0)
        throw new UserInputError(
          "This workspace already has CRM records; linking only joins a fresh one. Export them (npm run crm -- export) and link from a new server, or keep them separate.",
        );
      const link = await tx.platformLink.findFirst({ where: { workspaceId: source, platform } });
      if (!link) throw new NotFoundError(`This ${platform} space is not connected to the CRM.`);
      const taken = await tx.platformLink.findFirst({ where: { workspaceId: lc.workspaceId, platform } });
      if (taken) throw new UserInputError(`That workspace is already linked to another ${platform} space.`);
      // members of this platform move across; their platform ids stay unique inside the target
      const field = idField(platform);
      const movers = await tx.member.findMany({ where: { workspaceId: source } });
      for (const m of movers) {
        const pid = m[field];
        const clash = pid ? await tx.member.findFirst({ where: { workspaceId: lc.workspaceId, [field]: pid } }) : null;
        if (!clash) await tx.member.update({ where: { id: m.id }, data: { workspaceId: lc.workspaceId } });
      }
      await tx.platformLink.update({ where: { id: link.id }, data: { workspaceId: lc.workspaceId } });
      // the joining workspace was empty (defaults and joins only): it goes away
      await tx.auditLog.updateMany({ where: { workspaceId: source }, data: { actorId: null } });
      await tx.workspace.delete({ where: { id: source } });
      await audit(tx, { workspaceId: lc.workspaceId, memberId: actor.memberId }, "link.join", "platformLink", link.id, null, {
        platform,
        externalId: link.externalId,
        code: lc.id,
        movedMembers: movers.length,
      });
      return { workspaceId: lc.workspaceId, name: lc.workspace.name };
    });
  }

  /** Takes the caller's platform out of a linked workspace; its records stay where they are. */
  async unlink(actor: Actor): Promise<{ workspaceId: string }> {
    requireRole(actor, "admin", "unlink workspaces");
    const platform = chatPlatform(actor);
    return this.db.$transaction(async (tx) => {
      const links = await tx.platformLink.findMany({ where: { workspaceId: actor.workspaceId } });
      const mine = links.find((l) => l.platform === platform);
      if (!mine || links.length < 2) throw new UserInputError("This workspace is not linked to another platform.");
      const ws = await tx.workspace.create({ data: { name: mine.name ?? `${platform} ${mine.externalId}` } });
      await createWorkspaceDefaults(tx, ws.id);
      await tx.platformLink.update({ where: { id: mine.id }, data: { workspaceId: ws.id } });
      // this platform's people go with it, keeping their roles; records they owned stay, unassigned
      const field = idField(platform);
      const movers = await tx.member.findMany({ where: { workspaceId: actor.workspaceId, [field]: { not: null } } });
      const ids = movers.map((m) => m.id);
      await tx.deal.updateMany({ where: { ownerId: { in: ids } }, data: { ownerId: null } });
      await tx.contact.updateMany({ where: { ownerId: { in: ids } }, data: { ownerId: null } });
      await tx.ticket.updateMany({ where: { assigneeId: { in: ids } }, data: { assigneeId: null } });
      await tx.member.updateMany({ where: { id: { in: ids } }, data: { workspaceId: ws.id } });
      await audit(
        tx,
        actor,
        "link.unlink",
        "platformLink",
        mine.id,
        { workspaceId: actor.workspaceId },
        { workspaceId: ws.id, movedMembers: ids.length },
      );
      await audit(
        tx,
        { workspaceId: ws.id, memberId: actor.memberId },
        "link.unlink",
        "platformLink",
        mine.id,
        { workspaceId: actor.workspaceId },
        { workspaceId: ws.id },
      );
      return { workspaceId: ws.id };
    });
  }
}
