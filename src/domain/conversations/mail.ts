// An email as the CRM keeps it, whoever received it (the SMTP listener, IMAP polling): the threading
// headers, who wrote it, its text, and what says it was sent by a machine. Pure.
import { createHash } from "node:crypto";

export interface InboundMail {
  /** the Message-ID without angle brackets; a hash of the message stands in when there is none */
  messageId: string;
  inReplyTo?: string;
  references: string[];
  from: { address: string; name?: string };
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  date?: Date;
  /** Auto-Submitted, Precedence, List-Id, X-Autoreply…: lower-cased header name → value */
  headers: Record<string, string>;
  /** the envelope sender (MAIL FROM): empty for bounces */
  envelopeFrom?: string;
  attachments: { name: string; size: number; type: string }[];
}

/** Angle brackets off, spaces trimmed: <a@b> → a@b. */
export const bareId = (id: string) => id.trim().replace(/^<|>$/g, "").trim();

export function stableMessageId(mail: Omit<InboundMail, "messageId">, given?: string): string {
  if (given && bareId(given)) return bareId(given).slice(0, 500);
  const h = createHash("sha256")
    .update([mail.from.address, mail.date?.toISOString() ?? "", mail.subject, mail.text].join("\n"))
    .digest("hex")
    .slice(0, 32);
  return `no-message-id.${h}`;
}

/**
 * Why a message must not open or reopen a ticket, nor be answered: an auto-reply ("out of office"), a
 * bounce, a list or bulk mail, or a message we sent ourselves coming back (a loop). Null when it is a person's.
 */
export function automaticReason(mail: InboundMail, ownDomain: string): string | null {
  const h = mail.headers;
  const auto = h["auto-submitted"]?.toLowerCase();
  if (auto && auto !== "no") return `Auto-Submitted: ${auto}`;
  const precedence = h["precedence"]?.toLowerCase();
  if (precedence && ["bulk", "junk", "list", "auto_reply"].includes(precedence)) return `Precedence: ${precedence}`;
  if (h["x-autoreply"] || h["x-autorespond"] || h["x-auto-response-suppress"]?.toLowerCase().includes("all")) return "an auto-reply header";
  if (h["list-id"] || h["list-unsubscribe"]) return "a mailing list";
  if (mail.envelopeFrom === "" || /^(mailer-daemon|postmaster)@/i.test(mail.from.address)) return "a bounce";
  if (mail.messageId.toLowerCase().endsWith(`@${ownDomain.toLowerCase()}`)) return "our own message";
  return null;
}

/** [T-42] in a subject: the fallback thread key when the headers were lost on the way. */
export function ticketTag(subject: string): number | null {
  const m = /\[T-(\d{1,9})\]/i.exec(subject);
  return m ? Number(m[1]) : null;
}
