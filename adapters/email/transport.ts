// The EmailSender port on nodemailer's pooled SMTP transport (SMTP_URL; options may ride on its query,
// e.g. smtp://relay:25?ignoreTLS=true). SMTP errors are sorted into the three kinds the sender needs:
// rejected (a 4xx/5xx reply: not accepted), unreachable (no connection: nothing sent), or anything
// else (the connection broke mid-message: it may have been delivered).
import nodemailer from "nodemailer";
import { EmailRejectedError, EmailUnreachableError, type EmailSender, type OutgoingEmail } from "../../src/domain/campaigns/email.ts";

export interface SmtpOptions {
  /** open connections to the relay (also bounds how many recipients a worker has in flight) */
  maxConnections?: number;
  /** must exceed the longest send; the stale-`sending` sweep waits longer than this */
  socketTimeoutMs?: number;
}

const UNREACHABLE_CODES = new Set(["EDNS", "ETLS", "EAUTH", "ENOAUTH", "ECONFIG", "EPROXY", "EREQUIRETLS"]);
const REFUSED = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/;

type SmtpError = Error & { code?: string; originalCode?: string; responseCode?: number; command?: string };

export function classifySmtpError(e: unknown): Error {
  const err = e as SmtpError;
  if (typeof err?.responseCode === "number" && err.responseCode >= 400) return new EmailRejectedError(`smtp ${err.responseCode}: ${err.message}`.slice(0, 300), err.responseCode);
  if ((err?.code && UNREACHABLE_CODES.has(err.code)) || REFUSED.test(`${err?.originalCode ?? ""} ${err?.message ?? ""}`)) {
    return new EmailUnreachableError(`smtp unreachable: ${err.message}`);
  }
  return err instanceof Error ? err : new Error(String(e));
}

export function createSmtpSender(smtpUrl: string, opts: SmtpOptions = {}): EmailSender {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: opts.maxConnections ?? 8,
    maxMessages: 1000,
    // never resend a message on a new connection after its connection broke: it may have been accepted
    maxRequeues: 0,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: opts.socketTimeoutMs ?? 60_000,
  });
  return {
    async send(m: OutgoingEmail) {
      try {
        await transport.sendMail({ from: m.from, to: m.to, subject: m.subject, text: m.text, headers: m.headers, messageId: m.messageId });
      } catch (e) {
        throw classifySmtpError(e);
      }
    },
    async close() { transport.close(); },
  };
}
