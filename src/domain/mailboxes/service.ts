// The workspace's support mailbox polled over IMAP: an admin sets it up (the server is asked to log in
// first, so a wrong password saves nothing), the password is stored encrypted with ENCRYPTION_KEY, and the
// poller (adapters/email/inbound/imapPoller.ts) reads where it is and records how far it got: the folder's
// UIDVALIDITY, the last UID received, when it polled and why that failed. Every row is one workspace's.
import { UserInputError } from "../../errors.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { decrypt, encrypt } from "../../crypto.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { DEFAULT_FOLDER, IMAP_USAGE, IMAPS_PORT, MailboxLoginError, imapHost, type MailboxProbe, type MailboxSettings } from "./mailbox.ts";

export interface MailboxInput {
  host: string;
  user: string;
  password: string;
  port?: number;
  folder?: string;
}

/** What anyone may see of a mailbox: never its password. */
export interface MailboxStatus {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  folder: string;
  lastPolledAt: Date | null;
  lastError: string | null;
}

/** What the poller needs: where to log in and how far it got. */
export interface MailboxCursor {
  settings: MailboxSettings;
  /** null: never read (or set up anew): the poller takes the folder's unseen messages */
  uidValidity: bigint | null;
  lastUid: bigint;
}

const PUBLIC = { host: true, port: true, secure: true, user: true, folder: true, lastPolledAt: true, lastError: true } as const;
/** the longest error kept on the row */
const MAX_ERROR = 500;

export class MailboxService {
  constructor(
    private db: PrismaClient,
    private deps: { encryptionKey?: string; probe?: MailboxProbe },
  ) {}

  /** Logs in once with the given settings and saves them only when that worked. */
  async configure(actor: Actor, input: MailboxInput): Promise<MailboxStatus> {
    requireRole(actor, "admin", "set up the support mailbox");
    const key = this.deps.encryptionKey;
    if (!key)
      throw new UserInputError(
        "This server cannot store a mailbox password: its admin sets ENCRYPTION_KEY (the password is kept encrypted with it).",
      );
    if (!this.deps.probe) throw new UserInputError("This server does not read mailboxes over IMAP.");
    const settings = settingsOf(input);
    try {
      await this.deps.probe.check(settings);
    } catch (e) {
      if (!(e instanceof MailboxLoginError)) throw e;
      throw new UserInputError(
        `Could not read ${settings.user} at ${settings.host}:${settings.port}: ${e.message}. Nothing was saved.`,
        IMAP_USAGE,
      );
    }
    const { workspaceId } = actor;
    return this.db.$transaction(async (tx) => {
      const before = await tx.mailbox.findUnique({ where: { workspaceId }, select: PUBLIC });
      // the same folder of the same account keeps its place; another one starts from its unseen messages
      const same = before && before.host === settings.host && before.user === settings.user && before.folder === settings.folder;
      const data = {
        host: settings.host,
        port: settings.port,
        secure: settings.secure,
        user: settings.user,
        folder: settings.folder,
        passwordEnc: encrypt(settings.password, key),
        lastError: null,
        ...(same ? {} : { uidValidity: null, lastUid: 0n, lastPolledAt: null }),
      };
      const row = await tx.mailbox.upsert({ where: { workspaceId }, create: { workspaceId, ...data }, update: data, select: PUBLIC });
      const shown = { host: row.host, port: row.port, user: row.user, folder: row.folder };
      await audit(
        tx,
        actor,
        "mailbox.set",
        "mailbox",
        workspaceId,
        before ? { host: before.host, user: before.user, folder: before.folder } : null,
        shown,
      );
      return row;
    });
  }

  /** Stops polling: the settings and the password are deleted. Null when there was no mailbox. */
  async disable(actor: Actor): Promise<MailboxStatus | null> {
    requireRole(actor, "admin", "turn off the support mailbox");
    const { workspaceId } = actor;
    return this.db.$transaction(async (tx) => {
      const before = await tx.mailbox.findUnique({ where: { workspaceId }, select: PUBLIC });
      if (!before) return null;
      await tx.mailbox.delete({ where: { workspaceId } });
      await audit(tx, actor, "mailbox.off", "mailbox", workspaceId, { host: before.host, user: before.user, folder: before.folder }, null);
      return before;
    });
  }

  status(workspaceId: string): Promise<MailboxStatus | null> {
    return this.db.mailbox.findUnique({ where: { workspaceId }, select: PUBLIC });
  }

  /** The workspaces whose mailbox is polled (the sweep queues one poll for each). */
  async polled(): Promise<string[]> {
    const rows = await this.db.mailbox.findMany({ select: { workspaceId: true }, orderBy: { workspaceId: "asc" } });
    return rows.map((r) => r.workspaceId);
  }

  /** Where to log in and how far the last poll got; null when the workspace has no mailbox (any more). */
  async cursor(workspaceId: string): Promise<MailboxCursor | null> {
    const row = await this.db.mailbox.findUnique({ where: { workspaceId } });
    if (!row) return null;
    let password: string;
    try {
      if (!this.deps.encryptionKey) throw new Error("no key");
      password = decrypt(row.passwordEnc, this.deps.encryptionKey);
    } catch {
      throw new MailboxLoginError(
        "the stored password does not open with this server's ENCRYPTION_KEY; an admin runs /crm inbox imap again",
      );
    }
    const { host, port, secure, user, folder } = row;
    return { settings: { host, port, secure, user, folder, password }, uidValidity: row.uidValidity, lastUid: row.lastUid };
  }

  /** The folder was read for the first time, or after its UIDs were renumbered: the next poll asks for the UIDs after `lastUid` of this UIDVALIDITY. */
  async renumbered(workspaceId: string, uidValidity: bigint, lastUid: bigint): Promise<void> {
    await this.db.mailbox.updateMany({ where: { workspaceId }, data: { uidValidity, lastUid } });
  }

  /** Message `uid` is committed: the next poll asks for the UIDs after it. Never goes back. */
  async advance(workspaceId: string, uidValidity: bigint, uid: bigint): Promise<void> {
    await this.db.mailbox.updateMany({ where: { workspaceId, uidValidity, lastUid: { lt: uid } }, data: { lastUid: uid } });
  }

  /** A poll ended: when, and why it failed (null: it worked). */
  async finished(workspaceId: string, error: string | null): Promise<void> {
    await this.db.mailbox.updateMany({
      where: { workspaceId },
      data: { lastPolledAt: new Date(), lastError: error === null ? null : error.slice(0, MAX_ERROR) },
    });
  }
}

function settingsOf(input: MailboxInput): MailboxSettings {
  const host = imapHost(input.host);
  const user = input.user.trim();
  if (!user || user.length > 320)
    throw new UserInputError("user is the mailbox's login, usually its address (at most 320 characters)", IMAP_USAGE);
  if (!input.password || input.password.length > 1000)
    throw new UserInputError("password must not be empty (at most 1000 characters)", IMAP_USAGE);
  const folder = (input.folder ?? DEFAULT_FOLDER).trim() || DEFAULT_FOLDER;
  if (folder.length > 200 || /[\r\n]/.test(folder))
    throw new UserInputError("folder is a mailbox folder name like INBOX or Support", IMAP_USAGE);
  const port = input.port ?? IMAPS_PORT;
  return { host, port, secure: port === IMAPS_PORT, user, password: input.password, folder };
}
