// Campaign email: the message for one recipient (personal body, RFC 8058 one-click unsubscribe headers,
// a Message-ID that is stable per recipient) and the port the worker sends it through.
import { createHmac } from "node:crypto";
import { signValue, verifySignedValue } from "../../crypto.ts";
import { renderTemplate, type TemplateValues } from "./template.ts";

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  headers: Record<string, string>;
  messageId: string;
}

/** Sends one message; resolves once the SMTP server accepted it (250 after DATA). */
export interface EmailSender {
  send(m: OutgoingEmail): Promise<void>;
  close(): Promise<void>;
}

/** The server answered with an error code: the message was not accepted. */
export class EmailRejectedError extends Error {
  override name = "EmailRejectedError";
  constructor(
    message: string,
    public responseCode: number,
  ) {
    super(message);
  }
  get permanent() {
    return this.responseCode >= 500;
  }
}

/** No connection could be made (refused, DNS, TLS, auth): nothing was sent. */
export class EmailUnreachableError extends Error {
  override name = "EmailUnreachableError";
}

export interface EmailSettings {
  from: string;
  publicUrl: string;
  /** HMAC key for unsubscribe tokens */
  secret: string;
}

/** A dedicated key for unsubscribe links, derived from ENCRYPTION_KEY (never the key itself). */
export const unsubscribeSecret = (encryptionKey: string) =>
  createHmac("sha256", encryptionKey).update("crm-unsubscribe-v1").digest("base64url");

const TEST_PREFIX = "test_";

/** The personal token of a recipient: its random id, HMAC-signed. Unforgeable and not enumerable. */
export const unsubscribeToken = (recipientId: string, secret: string) => signValue(recipientId, secret);
/** A token for test sends: the page explains that nobody was unsubscribed. */
export const testToken = (campaignId: string, secret: string) => signValue(`${TEST_PREFIX}${campaignId}`, secret);

export type TokenSubject = { kind: "recipient"; recipientId: string } | { kind: "test"; campaignId: string };

export function readUnsubscribeToken(token: string, secret: string): TokenSubject | null {
  if (token.length > 300) return null;
  const payload = verifySignedValue(token, secret);
  if (!payload) return null;
  return payload.startsWith(TEST_PREFIX)
    ? { kind: "test", campaignId: payload.slice(TEST_PREFIX.length) }
    : { kind: "recipient", recipientId: payload };
}

export const unsubscribeUrl = (publicUrl: string, token: string) =>
  new URL(`/unsubscribe/${encodeURIComponent(token)}`, publicUrl).toString();

/** The domain of "Name <a@b.c>" or "a@b.c" (string code, not /@([^>\s]+)>?\s*$/, which was quadratic in @s). */
function domainOf(from: string): string {
  const t = from.trimEnd().replace(/>$/, "");
  let start = t.length;
  while (start > 0 && t[start - 1] !== ">" && t[start - 1].trim() !== "") start--;
  const last = t.slice(start),
    at = last.indexOf("@");
  return at >= 0 && at < last.length - 1 ? last.slice(at + 1) : "crm.invalid";
}

export function buildEmail(
  s: EmailSettings,
  c: { id: string; number: number; name: string; subject: string | null; message: string },
  r: { id: string; email: string; token: string },
  values: TemplateValues,
  test = false,
): OutgoingEmail {
  const link = unsubscribeUrl(s.publicUrl, r.token);
  const subject =
    renderTemplate(c.subject ?? c.name, values)
      .replace(/[\r\n]+/g, " ")
      .trim() || c.name;
  const body = renderTemplate(c.message, values);
  return {
    from: s.from,
    to: r.email,
    subject: test ? `[TEST] ${subject}` : subject,
    text: `${body}\n\n--\nTo stop receiving these emails, unsubscribe: ${link}\n`,
    headers: {
      "List-Unsubscribe": `<${link}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "X-CRM-Campaign": `K-${c.number}`,
    },
    // stable per recipient: if a person ever resends, receiving systems can recognise the duplicate
    messageId: `<${test ? `test-${Date.now()}` : r.id}.${c.id}@${domainOf(s.from)}>`,
  };
}
