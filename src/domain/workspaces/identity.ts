// From "Slack team T1 / user U1" (or a Discord guild, or a console pick) to an Actor. A team or guild
// seen for the first time gets its own workspace; the first member of a workspace is its admin.
import type { PrismaClient, Member } from "../../generated/prisma/client.ts";
import type { Platform } from "../../generated/prisma/enums.ts";
import type { Actor } from "../actor.ts";
import { LRUCache } from "lru-cache";
import { audit } from "../audit.ts";
import { createWorkspaceDefaults } from "./defaults.ts";

export interface PlatformIdentity {
  platform: Exclude<Platform, "console">;
  externalId: string; // Slack team id / Discord guild id
  workspaceName?: string;
  userId: string;
  userName?: string;
}

const isUniqueViolation = (e: unknown) => (e as { code?: string }).code === "P2002";

export async function workspaceForPlatform(prisma: PrismaClient, platform: Platform, externalId: string, name?: string): Promise<string> {
  const link = await prisma.platformLink.findUnique({ where: { platform_externalId: { platform, externalId } } });
  if (link) return link.workspaceId;
  try {
    return await prisma.$transaction(async (tx) => {
      const ws = await tx.workspace.create({ data: { name: name ?? `${platform} ${externalId}` } });
      await tx.platformLink.create({ data: { workspaceId: ws.id, platform, externalId, name } });
      await createWorkspaceDefaults(tx, ws.id);
      await audit(tx, { workspaceId: ws.id }, "workspace.create", "workspace", ws.id, null, { platform, externalId });
      return ws.id;
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    // another request created it at the same moment
    const again = await prisma.platformLink.findUniqueOrThrow({ where: { platform_externalId: { platform, externalId } } });
    return again.workspaceId;
  }
}

/** Creates the member when new; the first member of a workspace becomes admin (serialised per workspace). */
async function ensureMember(prisma: PrismaClient, workspaceId: string, platform: "slack" | "discord", userId: string, userName?: string): Promise<Member> {
  const idField = platform === "slack" ? "slackUserId" : "discordUserId";
  const found = await prisma.member.findFirst({ where: { workspaceId, [idField]: userId } });
  if (found) {
    if (userName && found.name !== userName && found.name === userId) {
      return prisma.member.update({ where: { id: found.id }, data: { name: userName } });
    }
    return found;
  }
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${workspaceId}))`;
    const again = await tx.member.findFirst({ where: { workspaceId, [idField]: userId } });
    if (again) return again;
    const count = await tx.member.count({ where: { workspaceId } });
    const m = await tx.member.create({
      data: { workspaceId, name: userName ?? userId, role: count === 0 ? "admin" : "agent", [idField]: userId },
    });
    await audit(tx, { workspaceId, memberId: m.id }, "member.join", "member", m.id, null, { name: m.name, role: m.role, platform });
    return m;
  });
}

export async function resolvePlatformActor(prisma: PrismaClient, id: PlatformIdentity): Promise<Actor> {
  const workspaceId = await workspaceForPlatform(prisma, id.platform, id.externalId, id.workspaceName);
  const m = await ensureMember(prisma, workspaceId, id.platform, id.userId, id.userName);
  return { workspaceId, memberId: m.id, name: m.name, role: m.role, platform: id.platform, platformUserId: id.userId };
}

/** Adapters resolve callers through this service (they never hold the Prisma client). */
export class IdentityService {
  // Two queries per platform request otherwise. A role or link change reaches a cached caller within
  // IDENTITY_TTL_MS (5 s) on every replica; the cache holds nothing secret.
  private cache = new LRUCache<string, Actor>({ max: 20_000, ttl: Number(process.env.IDENTITY_TTL_MS ?? 5000) });
  constructor(private db: PrismaClient) {}
  async fromPlatform(id: PlatformIdentity): Promise<Actor> {
    const key = `${id.platform}:${id.externalId}:${id.userId}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const actor = await resolvePlatformActor(this.db, id);
    this.cache.set(key, actor);
    return actor;
  }
  /** Forget cached callers (after a role change, link or unlink in this process). */
  forget(): void { this.cache.clear(); }
  workspaceFor(platform: Exclude<Platform, "console">, externalId: string, name?: string): Promise<string> {
    return workspaceForPlatform(this.db, platform, externalId, name);
  }
  /** The workspace that owns this Slack team / Discord guild, without creating one. */
  async existingWorkspace(platform: Exclude<Platform, "console">, externalId: string): Promise<string | null> {
    const link = await this.db.platformLink.findUnique({ where: { platform_externalId: { platform, externalId } } });
    return link?.workspaceId ?? null;
  }

  /** The Slack team / Discord guild a workspace is linked to (for delivering to it). */
  async externalIdOf(workspaceId: string, platform: Exclude<Platform, "console">): Promise<string | null> {
    const link = await this.db.platformLink.findFirst({ where: { workspaceId, platform }, orderBy: { createdAt: "asc" } });
    return link?.externalId ?? null;
  }
}
