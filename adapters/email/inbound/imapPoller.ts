// One poll of a workspace's support mailbox over IMAP: each message after the last UID received goes the
// way of mail to the support address (parseMail, then services.inbox.receive), and only once that is
// committed is the UID stored and the message marked \Seen. A crash in between fetches it again next time
// and its Message-ID finds it stored. A folder read for the first time, or whose UIDVALIDITY changed (its
// UIDs were renumbered), is read from its unseen messages. A failure is recorded on the mailbox (its last
// error) and never thrown: one workspace's broken mailbox does not stop the others' polls.
import type { Services } from "../../../src/domain/services.ts";
import type { InboxTarget } from "../../../src/domain/conversations/address.ts";
import type { Logger } from "../../../src/log.ts";
import { imapClient, imapReason } from "./imap.ts";
import { parseMail } from "./parse.ts";
import { DEFAULT_MAX_BYTES } from "./smtpListener.ts";

/** The mailbox is the workspace's support address: its mail opens and threads tickets (receive reads only `log`). */
const SUPPORT: InboxTarget = { key: "imap", log: false };

/** Messages taken in one poll; the rest wait for the next one. */
export const MAX_PER_POLL = 200;

export interface PollResult {
  /** messages handed to receive (tickets opened or joined, duplicates, machine mail) */
  received: number;
  /** over the size limit: left unread in the mailbox for a person */
  tooBig: number;
  error?: string;
}

export interface PollDeps {
  services: Pick<Services, "inbox" | "mailboxes">;
  logger: Logger;
  /** INBOUND_MAX_BYTES: a bigger message is skipped, as the SMTP listener refuses it */
  maxBytes?: number;
}

/** The envelope sender a delivering server wrote as Return-Path: "" for a bounce (<>), undefined when there is none. */
export function returnPath(raw: Buffer): string | undefined {
  const end = raw.indexOf("\r\n\r\n");
  const head = raw.subarray(0, end < 0 ? Math.min(raw.length, 64 * 1024) : end).toString("latin1");
  const m = /^return-path:[ \t]*<([^>\r\n]*)>/im.exec(head);
  return m ? m[1].trim() : undefined;
}

export async function pollMailbox(deps: PollDeps, workspaceId: string): Promise<PollResult> {
  const { services } = deps;
  const log = deps.logger.child({ component: "imap-poll", workspaceId });
  const result: PollResult = { received: 0, tooBig: 0 };
  let where = { host: "?", port: 0, folder: "?" };
  try {
    const cursor = await services.mailboxes.cursor(workspaceId);
    if (!cursor) return result; // turned off since the poll was queued
    const s = cursor.settings;
    where = { host: s.host, port: s.port, folder: s.folder };
    const client = imapClient(s);
    try {
      await client.connect();
      const lock = await client.getMailboxLock(s.folder);
      try {
        const box = client.mailbox;
        if (!box) throw new Error(`the folder "${s.folder}" could not be opened`);
        const maxBytes = deps.maxBytes ?? DEFAULT_MAX_BYTES;
        /** Hands one message to receive and marks it \Seen; one over the size limit is left unread. */
        const take = async (uid: number, advance: boolean): Promise<void> => {
          const meta = await client.fetchOne(String(uid), { uid: true, size: true }, { uid: true });
          const tooBig = !!meta && (meta.size ?? 0) > maxBytes;
          if (tooBig) {
            log.warn({ uid, size: meta.size }, "message over INBOUND_MAX_BYTES left unread in the mailbox");
            result.tooBig++;
          }
          const msg = meta && !tooBig ? await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true }) : false;
          if (msg && msg.source) {
            const mail = await parseMail(msg.source, returnPath(msg.source));
            const r = await services.inbox.receive(workspaceId, SUPPORT, mail);
            result.received++;
            log.info({ uid, outcome: r.outcome, ...("ticket" in r ? { ticket: r.ticket } : {}) }, "inbound mail (imap)");
          }
          // committed (or too big, or gone from the folder meanwhile): the next poll starts after it
          if (advance) await services.mailboxes.advance(workspaceId, box.uidValidity, BigInt(uid));
          if (msg) await client.messageFlagsAdd(String(uid), ["\\Seen"], { uid: true });
        };
        const ascending = (uids: number[] | false | undefined) => [...new Set(uids || [])].sort((a, b) => a - b);
        if (cursor.uidValidity !== box.uidValidity) {
          // read for the first time, or renumbered: the unseen messages. The place (this UIDVALIDITY, and the
          // last UID the folder had) is stored once they are all in, so a poll that fails part-way starts over
          // from the unseen ones (those already in are \Seen, or found by their Message-ID), never from UID 1
          if (cursor.uidValidity !== null) log.warn({ folder: s.folder }, "UIDVALIDITY changed: reading the folder's unseen messages");
          const unseen = box.exists ? ascending(await client.search({ seen: false }, { uid: true })) : [];
          const batch = unseen.slice(0, MAX_PER_POLL);
          for (const uid of batch) await take(uid, false);
          if (unseen.length <= MAX_PER_POLL) {
            const last = [BigInt(Math.max(0, box.uidNext - 1)), ...batch.map(BigInt)].reduce((a, b) => (b > a ? b : a));
            await services.mailboxes.renumbered(workspaceId, box.uidValidity, last);
          }
        } else {
          const after = cursor.lastUid;
          const found = box.exists ? ascending(await client.search({ uid: `${after + 1n}:*` }, { uid: true })) : [];
          // "n:*" names the last message even when its UID is below n
          for (const uid of found.filter((u) => BigInt(u) > after).slice(0, MAX_PER_POLL)) await take(uid, true);
        }
      } finally {
        lock.release();
      }
      await client.logout();
    } catch (e) {
      client.close();
      throw e;
    }
    await services.mailboxes.finished(workspaceId, null);
  } catch (e) {
    result.error = imapReason(e, where);
    log.warn({ err: result.error, received: result.received }, "mailbox poll failed");
    await services.mailboxes.finished(workspaceId, result.error).catch(() => undefined);
  }
  return result;
}
