// Slack OAuth installations: tokens encrypted with ENCRYPTION_KEY, single-use OAuth state, uninstall.
import { randomBytes } from "node:crypto";
import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import { decrypt, encrypt, signValue, verifySignedValue } from "../../crypto.ts";
import { audit } from "../audit.ts";
import { workspaceForPlatform } from "../workspaces/identity.ts";

const STATE_TTL_MS = 10 * 60 * 1000;

export interface SlackInstall {
  teamId?: string;
  teamName?: string;
  enterpriseId?: string;
  isEnterprise: boolean;
  botUserId?: string;
  botToken?: string;
  userToken?: string;
  /** who installed the app (OAuth's authed_user): the workspace's admin */
  installerUserId?: string;
  raw: unknown;
}

export class InstallationService {
  constructor(
    private db: PrismaClient,
    private secrets: { encryptionKey?: string; stateSecret?: string },
  ) {}

  private key(): string {
    if (!this.secrets.encryptionKey) throw new Error("ENCRYPTION_KEY is not set");
    return this.secrets.encryptionKey;
  }

  /** A signed state value, stored so it can be used once within 10 minutes. Every GET /slack/install
   *  writes one, so writing one also deletes those that can no longer be used (expired or used): the
   *  table holds at most the last 10 minutes of installs, not every request ever made. */
  async newState(): Promise<string> {
    if (!this.secrets.stateSecret) throw new Error("SLACK_STATE_SECRET is not set");
    const state = signValue(randomBytes(18).toString("base64url"), this.secrets.stateSecret);
    const now = new Date();
    await this.db.oAuthState.deleteMany({ where: { OR: [{ expiresAt: { lte: now } }, { usedAt: { not: null } }] } });
    await this.db.oAuthState.create({ data: { state, expiresAt: new Date(now.getTime() + STATE_TTL_MS) } });
    return state;
  }

  /** true once for a genuine, unexpired state; false for forged, expired or reused ones. */
  async consumeState(state: string): Promise<boolean> {
    if (!this.secrets.stateSecret || !verifySignedValue(state, this.secrets.stateSecret)) return false;
    const res = await this.db.oAuthState.updateMany({
      where: { state, usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    return res.count === 1;
  }

  async save(install: SlackInstall): Promise<{ workspaceId: string }> {
    const externalId = install.teamId ?? install.enterpriseId;
    if (!externalId) throw new Error("installation without team or enterprise");
    const workspaceId = await workspaceForPlatform(this.db, "slack", externalId, install.teamName);
    const key = this.key();
    const data = {
      workspaceId,
      teamId: install.teamId ?? null,
      enterpriseId: install.enterpriseId ?? null,
      isEnterprise: install.isEnterprise,
      botUserId: install.botUserId ?? null,
      botTokenEnc: install.botToken ? encrypt(install.botToken, key) : null,
      userTokenEnc: install.userToken ? encrypt(install.userToken, key) : null,
      installationEnc: encrypt(JSON.stringify(install.raw), key),
      installedAt: new Date(),
      revokedAt: null,
    };
    await this.db.$transaction(async (tx) => {
      const existing = await tx.installation.findFirst({ where: { teamId: data.teamId, enterpriseId: data.enterpriseId } });
      const row = existing ? await tx.installation.update({ where: { id: existing.id }, data }) : await tx.installation.create({ data });
      await audit(tx, { workspaceId }, "slack.install", "installation", row.id, null, {
        teamId: data.teamId,
        enterpriseId: data.enterpriseId,
      });
      if (install.installerUserId) await makeInstallerAdmin(tx, workspaceId, install.installerUserId);
    });
    return { workspaceId };
  }

  /** Bot token for a team (or enterprise) — null when not installed or revoked. */
  async botFor(teamId?: string, enterpriseId?: string): Promise<{ botToken: string; botUserId?: string } | null> {
    const row = await this.db.installation.findFirst({
      where: {
        revokedAt: null,
        botTokenEnc: { not: null },
        OR: [...(teamId ? [{ teamId }] : []), ...(enterpriseId ? [{ enterpriseId, isEnterprise: true }] : [])],
      },
      orderBy: { installedAt: "desc" },
    });
    if (!row?.botTokenEnc) return null;
    return { botToken: decrypt(row.botTokenEnc, this.key()), botUserId: row.botUserId ?? undefined };
  }

  /** app_uninstalled / tokens_revoked: forget the tokens, keep the CRM data. */
  async revoke(teamId: string | undefined, enterpriseId: string | undefined, what: "all" | "bot" | "user"): Promise<number> {
    const where = { OR: [...(teamId ? [{ teamId }] : []), ...(enterpriseId ? [{ enterpriseId }] : [])] };
    if (!where.OR.length) return 0;
    const data =
      what === "user"
        ? { userTokenEnc: null }
        : what === "bot"
          ? { botTokenEnc: null, revokedAt: new Date() }
          : { botTokenEnc: null, userTokenEnc: null, revokedAt: new Date() };
    const res = await this.db.installation.updateMany({ where, data });
    const rows = await this.db.installation.findMany({ where, select: { id: true, workspaceId: true } });
    for (const r of rows) await audit(this.db, { workspaceId: r.workspaceId }, `slack.revoke.${what}`, "installation", r.id);
    return res.count;
  }
}

type Tx = Prisma.TransactionClient;

/** The person who installed the app is the workspace's admin (a member already, or a new one). */
async function makeInstallerAdmin(tx: Tx, workspaceId: string, slackUserId: string): Promise<void> {
  const found = await tx.member.findFirst({ where: { workspaceId, slackUserId } });
  if (found?.role === "admin") return;
  const m = found
    ? await tx.member.update({ where: { id: found.id }, data: { role: "admin" } })
    : await tx.member.create({ data: { workspaceId, name: slackUserId, role: "admin", slackUserId } });
  await audit(
    tx,
    { workspaceId, memberId: m.id },
    found ? "member.role" : "member.join",
    "member",
    m.id,
    found ? { role: found.role } : null,
    { role: "admin", because: "installed the app" },
  );
}
