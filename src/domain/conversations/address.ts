// A workspace's mail addresses: <key>@INBOUND_DOMAIN opens and threads tickets; <key>+log@… (the sales
// team's BCC address) logs mail on contacts instead. The key is random, so an address cannot be guessed
// from a workspace's name alone.
import { randomBytes } from "node:crypto";

export interface InboxTarget {
  key: string;
  /** the BCC address: log the mail, open no ticket */
  log: boolean;
}

const LOCAL = /^([a-z0-9][a-z0-9-]{2,60})(\+log)?$/;

/** "support-k3x9qa7m" from "Acme Support": readable, unique by its random part. */
export function newInboxKey(workspaceName: string): string {
  const slug =
    workspaceName
      .normalize("NFKD")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .split("-")
      .filter(Boolean)
      .join("-")
      .slice(0, 24)
      .replace(/-$/, "") || "crm";
  const random = randomBytes(6)
    .toString("base64url")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "x");
  return `${slug}-${random}`;
}

/** The workspace key and mode of a recipient, when it is an address of ours; null otherwise. */
export function inboxTarget(recipient: string, domain: string): InboxTarget | null {
  const at = recipient.lastIndexOf("@");
  if (at < 1) return null;
  if (recipient.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return null;
  const m = LOCAL.exec(recipient.slice(0, at).toLowerCase());
  return m ? { key: m[1], log: Boolean(m[2]) } : null;
}

export const supportAddress = (key: string, domain: string) => `${key}@${domain}`;
export const logAddress = (key: string, domain: string) => `${key}+log@${domain}`;
