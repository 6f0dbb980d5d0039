// A workspace's support mailbox at a mail provider, as the CRM reads it over IMAP: where it is, and the
// port the domain asks to log in with (src/app.ts hands in the IMAP adapter's). Pure types and checks.
import { UserInputError } from "../../errors.ts";

export interface MailboxSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 993); otherwise plain, upgraded with STARTTLS */
  secure: boolean;
  user: string;
  password: string;
  folder: string;
}

/** Connects and logs in once, opens the folder, and logs out; throws MailboxLoginError saying why not. */
export interface MailboxProbe {
  check(settings: MailboxSettings): Promise<void>;
}

/** Why a mailbox cannot be read, in words for the admin (a wrong password, a host that does not answer). */
export class MailboxLoginError extends Error {
  override name = "MailboxLoginError";
}

export const IMAPS_PORT = 993;
export const DEFAULT_FOLDER = "INBOX";
export const IMAP_USAGE = "/crm inbox imap host:<imap server> user:<login> password:<password> [port:993] [folder:INBOX]";

// a DNS name or an IP address (v4, or v6 in or out of brackets); no scheme, path or port
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[?[0-9a-f:.]+\]?)$/i;

/** The host as IMAP clients want it; a URL, or a host with a port, is refused with the right form. */
export function imapHost(raw: string): string {
  const host = raw.trim().toLowerCase();
  if (/^[a-z]+:\/\//.test(host))
    throw new UserInputError(`host is a server name like imap.example.com, not a URL ("${host.slice(0, 60)}")`, IMAP_USAGE);
  if (/^[^:[\]]+:\d+$/.test(host)) throw new UserInputError("give the port as its own option: host:imap.example.com port:993", IMAP_USAGE);
  if (host.length > 253 || !HOST.test(host))
    throw new UserInputError(`"${host.slice(0, 60)}" is not a server name like imap.example.com`, IMAP_USAGE);
  return host.replace(/^\[|\]$/g, "");
}
