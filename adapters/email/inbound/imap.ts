// IMAP connections with imapflow: one client per poll (or per setup check), with short timeouts, no IDLE
// and no logging of its own (its debug lines would carry the login). Plain ports must upgrade with
// STARTTLS unless the server is on this machine, so a password never crosses a network in the clear.
// The library's failures become one short reason an admin can act on (MailboxLoginError).
import { ImapFlow, type ImapFlowError } from "imapflow";
import { isLoopbackHost } from "../../../src/config/loopback.ts";
import { MailboxLoginError, type MailboxProbe, type MailboxSettings } from "../../../src/domain/mailboxes/mailbox.ts";

export function imapClient(s: MailboxSettings): ImapFlow {
  const client = new ImapFlow({
    host: s.host,
    port: s.port,
    secure: s.secure,
    doSTARTTLS: s.secure || isLoopbackHost(s.host) ? undefined : true,
    auth: { user: s.user, pass: s.password },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 15_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
  });
  // failures reach us as rejected commands; an unheard 'error' event would end the process
  client.on("error", () => undefined);
  return client;
}

/** One short reason, never the password: what an admin reads in the reply and in /crm inbox email. */
export function imapReason(e: unknown, s: Pick<MailboxSettings, "host" | "port" | "folder">): string {
  const err = e as ImapFlowError & { code?: string };
  const server = (err.responseText ?? "").replace(/\s+/g, " ").slice(0, 120);
  if (err.authenticationFailed) return `the server refused the user name or password${server ? ` (${server})` : ""}`;
  if (err.mailboxMissing || err.serverResponseCode === "NONEXISTENT" || (err.command === "SELECT" && err.responseStatus === "NO"))
    return `there is no folder "${s.folder}" in this mailbox${server ? ` (${server})` : ""}`;
  if (err.tlsFailed) return `TLS failed (${err.message.slice(0, 120)}); port 993 is IMAP over TLS, port 143 needs STARTTLS`;
  switch (err.code) {
    case "ECONNREFUSED":
      return `nothing answers on ${s.host} port ${s.port}`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `there is no server named ${s.host}`;
    case "ECONNRESET":
    case "EPIPE":
    case "EConnectionClosed":
    case "NoConnection":
    case "ClosedAfterConnectText":
    case "ClosedAfterConnectTLS":
      return `${s.host} port ${s.port} closed the connection (is it IMAP? port 993 is IMAP over TLS, 143 plain)`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${s.host} cannot be reached from this server`;
    case "CONNECT_TIMEOUT":
    case "GREETING_TIMEOUT":
    case "UPGRADE_TIMEOUT":
    case "ETIMEDOUT":
    case "ETIMEOUT":
      return `${s.host} port ${s.port} did not answer in time`;
  }
  if (err.responseStatus) return `the server answered ${err.responseStatus}${server ? `: ${server}` : ""}`;
  return (err.message || String(e)).replace(/\s+/g, " ").slice(0, 200);
}

/** Connects, logs in, opens the folder and logs out: the check before a mailbox is saved. */
export const imapProbe: MailboxProbe = {
  async check(s) {
    const client = imapClient(s);
    try {
      await client.connect();
      const lock = await client.getMailboxLock(s.folder, { readOnly: true });
      lock.release();
      await client.logout();
    } catch (e) {
      client.close();
      throw new MailboxLoginError(imapReason(e, s));
    }
  },
};
