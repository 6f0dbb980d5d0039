// From "Slack team T1 / user U1" (or a Discord guild, or a console pick) to an Actor. A team or guild
// seen for the first time gets its own workspace; who becomes a member, and as what, is membership.ts.
import type { PrismaClient, Member } from "../../generated/prisma/client.ts";
import type { Platform } from "../../generated/prisma/enums.ts";
import type { Actor } from "../actor.ts";
import { LRUCache } from "lru-cache";
import { audit } from "../audit.ts";
import { createWorkspaceDefaults } from "./defaults.ts";
import { NotMemberError, decideJoin, highestRole } from "./membership.ts";
import { isValidTimeZone } from "../../parse/index.ts";

export interface PlatformIdentity {
  platform: Exclude<Platform, "console">;
  externalId: string; // Slack team id / Discord guild id
  workspaceName?: string;
  userId: string;
  userName?: string;
  /** the platform says this person administers the team/server (Discord: Manage Server or Administrator) */
  platformAdmin?: boolean;
  /** Discord: the person's server role ids (for the workspace's role map) */
  platformRoles?: string[];
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

/** What the platform says about a person the CRM does not know yet (Slack's users.info). */
export interface PlatformProfile {
  guest: boolean;
  teamId?: string;
  enterpriseId?: string;
  /** the person's time zone (Slack's users.info tz), kept on the new member for their dates */
  timeZone?: string;
}

/** How identity asks a platform about people (set by the adapters at start-up; none: no questions asked). */
export interface PeopleDirectory {
  slackProfile?(teamId: string, userId: string): Promise<PlatformProfile>;
}

export interface MembershipOptions {
  directory?: PeopleDirectory;
  /** SLACK_ADMIN_USERS */
  slackAdmins?: ReadonlySet<string>;
  /** Slack installs come through OAuth (the installer is admin), so nobody is admin for being first */
  slackOAuth?: boolean;
  /** warns when someone became admin only for being first */
  warn?: (msg: string, fields: Record<string, unknown>) => void;
}

/** The member behind a platform identity: found, promoted when the platform says they are an admin, or
 *  created by the workspace's join rule; a person who may not join gets NotMemberError. */
async function ensureMember(prisma: PrismaClient, workspaceId: string, id: PlatformIdentity, opts: MembershipOptions): Promise<Member> {
  const platform = id.platform;
  const idField = platform === "slack" ? "slackUserId" : "discordUserId";
  const platformAdmin = Boolean(id.platformAdmin) || (platform === "slack" && Boolean(opts.slackAdmins?.has(id.userId)));
  const found = await prisma.member.findFirst({ where: { workspaceId, [idField]: id.userId } });
  if (found) {
    if (platformAdmin && found.role !== "admin") return promote(prisma, found, platform);
    if (id.userName && found.name !== id.userName && found.name === id.userId) {
      return prisma.member.update({ where: { id: found.id }, data: { name: id.userName } });
    }
    return found;
  }
  // asked before the transaction: a platform call must not hold the workspace's lock
  let profile: PlatformProfile | undefined;
  if (platform === "slack" && opts.directory?.slackProfile) profile = await opts.directory.slackProfile(id.externalId, id.userId);
  const foreignTeam = Boolean(
    profile?.teamId && profile.teamId !== id.externalId && !(profile.enterpriseId && profile.enterpriseId === id.externalId),
  );
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${workspaceId}))`;
    const again = await tx.member.findFirst({ where: { workspaceId, [idField]: id.userId } });
    if (again) return again;
    const [memberCount, ws, mapped] = await Promise.all([
      tx.member.count({ where: { workspaceId } }),
      tx.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { joinRule: true } }),
      id.platformRoles?.length
        ? tx.roleMapping.findMany({ where: { workspaceId, platform, externalRoleId: { in: id.platformRoles } }, select: { role: true } })
        : Promise.resolve([]),
    ]);
    const decision = decideJoin({
      platform,
      rule: ws.joinRule,
      platformAdmin,
      memberCount,
      firstPersonAdmin: platform === "slack" && !opts.slackOAuth && !opts.slackAdmins?.size,
      mappedRole: highestRole(mapped.map((m) => m.role)),
      guest: profile?.guest,
      foreignTeam,
    });
    if ("refused" in decision) throw new NotMemberError(decision.refused);
    const timeZone = profile?.timeZone && isValidTimeZone(profile.timeZone) ? profile.timeZone : undefined;
    const m = await tx.member.create({
      data: { workspaceId, name: id.userName ?? id.userId, role: decision.role, [idField]: id.userId, timeZone },
    });
    if (decision.firstPerson)
      opts.warn?.(
        "SLACK_ADMIN_USERS is unset: the first person to use /crm became this workspace's admin; set SLACK_ADMIN_USERS to say who the admins are",
        { workspaceId, userId: id.userId },
      );
    await audit(tx, { workspaceId, memberId: m.id }, "member.join", "member", m.id, null, {
      name: m.name,
      role: m.role,
      platform,
      because: joinReason(decision.role, platformAdmin, decision.firstPerson, Boolean(mapped.length)),
    });
    return m;
  });
}

const joinReason = (role: string, platformAdmin: boolean, first: boolean, mapped: boolean) =>
  platformAdmin ? "platform admin" : first ? "first person" : mapped ? "server role" : `join rule ${role}`;

async function promote(prisma: PrismaClient, m: Member, platform: string): Promise<Member> {
  return prisma.$transaction(async (tx) => {
    const after = await tx.member.update({ where: { id: m.id }, data: { role: "admin" } });
    await audit(
      tx,
      { workspaceId: m.workspaceId, memberId: m.id },
      "member.role",
      "member",
      m.id,
      { role: m.role },
      { role: "admin", because: `${platform} admin` },
    );
    return after;
  });
}

export async function resolvePlatformActor(prisma: PrismaClient, id: PlatformIdentity, opts: MembershipOptions = {}): Promise<Actor> {
  const workspaceId = await workspaceForPlatform(prisma, id.platform, id.externalId, id.workspaceName);
  const m = await ensureMember(prisma, workspaceId, id, opts);
  return { workspaceId, memberId: m.id, name: m.name, role: m.role, platform: id.platform, platformUserId: id.userId };
}

/** Adapters resolve callers through this service (they never hold the Prisma client). */
export class IdentityService {
  // Two queries per platform request otherwise. A role or link change reaches a cached caller within
  // cacheTtlMs (IDENTITY_TTL_MS, 5 s) on every replica; the cache holds nothing secret.
  // A refusal is cached as well: someone who keeps typing /crm without being a member costs one
  // lookup (and one users.info) per TTL, not one per keystroke of autocomplete.
  private cache: LRUCache<string, Actor | NotMemberError>;
  private membership: MembershipOptions = {};
  constructor(
    private db: PrismaClient,
    cacheTtlMs = 5000,
  ) {
    this.cache = new LRUCache<string, Actor | NotMemberError>({ max: 20_000, ttl: cacheTtlMs });
  }
  /** Set by the composition root: how to ask Slack about people, SLACK_ADMIN_USERS, OAuth or not. */
  configure(opts: MembershipOptions): void {
    this.membership = opts;
    this.cache.clear();
  }
  async fromPlatform(id: PlatformIdentity): Promise<Actor> {
    const key = `${id.platform}:${id.externalId}:${id.userId}:${id.platformAdmin ? "a" : ""}:${id.platformRoles?.join(",") ?? ""}`;
    const hit = this.cache.get(key);
    if (hit instanceof NotMemberError) throw hit;
    if (hit) return hit;
    try {
      const actor = await resolvePlatformActor(this.db, id, this.membership);
      this.cache.set(key, actor);
      return actor;
    } catch (e) {
      if (e instanceof NotMemberError) this.cache.set(key, e);
      throw e;
    }
  }
  /**
   * Someone who is on the team without asking them to join: a member already, or one by the workspace's role
   * map (made a member now, as /crm would). Null for anyone else, whatever the join rule: a customer writing
   * in an inbox channel (src/domain/conversations/chat.ts) never becomes a member by writing.
   */
  async knownMember(id: PlatformIdentity): Promise<Actor | null> {
    const workspaceId = await this.existingWorkspace(id.platform, id.externalId);
    if (!workspaceId) return null;
    const idField = id.platform === "slack" ? "slackUserId" : "discordUserId";
    const known = await this.db.member.findFirst({ where: { workspaceId, [idField]: id.userId }, select: { id: true } });
    const mapped =
      !known && id.platformRoles?.length
        ? await this.db.roleMapping.count({ where: { workspaceId, platform: id.platform, externalRoleId: { in: id.platformRoles } } })
        : 0;
    if (!known && !mapped) return null;
    return this.fromPlatform(id).catch((e: unknown) => {
      if (e instanceof NotMemberError) return null;
      throw e;
    });
  }

  /** Forget cached callers (after a role change, link or unlink in this process). */
  forget(): void {
    this.cache.clear();
  }
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
