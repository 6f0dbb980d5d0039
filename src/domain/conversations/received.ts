// What storing one inbound mail answers, and the rows it writes whatever path stores it (one at a time in
// inbox.ts, or many in one transaction in inboxBatch.ts): the same message row, interaction and threading.
import type { Prisma } from "../../generated/prisma/client.ts";
import { TEXT_LIMITS } from "../../parse/limits.ts";
import type { InboundMail } from "./mail.ts";

export type Received =
  | { outcome: "opened" | "appended" | "reopened" | "rated"; ticket: string }
  | { outcome: "logged"; contacts: string[] }
  | { outcome: "duplicate" }
  | { outcome: "ignored"; reason: string };

/** The longest text kept of one message (the rest is cut, and says so). */
export const MAX_MESSAGE_TEXT = 20_000;

export const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The messages a mail answers, the one it names first first: In-Reply-To, then References newest first. */
export const threadIds = (mail: InboundMail): string[] =>
  [mail.inReplyTo, ...[...mail.references].reverse()].filter((x): x is string => !!x).slice(0, 50);

export const ticketSubject = (mail: InboundMail) => (mail.subject.trim() || "(no subject)").slice(0, TEXT_LIMITS.subject);

/** The conversation's copy of an inbound mail. */
export function inboundMessageRow(
  workspaceId: string,
  ticketId: string,
  contactId: string,
  mail: InboundMail,
  now: Date,
): Prisma.TicketMessageCreateManyInput {
  return {
    workspaceId,
    ticketId,
    kind: "inbound",
    channel: "email",
    contactId,
    text: clip(mail.text, MAX_MESSAGE_TEXT),
    subject: mail.subject.slice(0, TEXT_LIMITS.subject),
    externalId: mail.messageId,
    inReplyTo: mail.inReplyTo,
    attachments: mail.attachments.length ? mail.attachments : undefined,
    createdAt: now,
  };
}

/** The email interaction an inbound mail is on its contact (the single customer view and the digest count it). */
export function inboundInteractionRow(
  workspaceId: string,
  ticketId: string,
  contactId: string,
  mail: InboundMail,
  now: Date,
): Prisma.InteractionCreateManyInput {
  return {
    workspaceId,
    kind: "email",
    summary: clip(`${mail.subject.trim() || "(no subject)"}: ${mail.text.trim()}`, 500),
    contactId,
    ticketId,
    occurredAt: now,
  };
}
