// What a service says happened to a record. Written in the service's own transaction (record.ts) and handed
// to the handlers by the dispatcher (dispatcher.ts); new handlers read these, no write path changes.
import type { InteractionKind } from "../../generated/prisma/enums.ts";

export type RecordKind = "deal" | "ticket" | "contact" | "company" | "interaction" | "workspace" | "task";

/** An event by its id and workspace: what a nudge or the sweep hands the worker. */
export interface EventRef {
  id: string;
  workspaceId: string;
}

/** Who made the change, as handlers need it: the name says "by …", the platform picks threads and DMs. */
export interface EventActor {
  memberId: string | null;
  name: string;
  /** slack, discord or console; "cli" for a shell import */
  platform: string;
  platformUserId?: string;
}

interface Of<T extends string, K extends RecordKind, D = Record<string, never>> {
  type: T;
  recordKind: K;
  recordId: string;
  data: D;
}

export type DealEvent =
  | Of<"deal.created", "deal", { stageId: string; contactId: string | null }>
  /** won and lost are moves into a won or lost stage */
  | Of<
      "deal.moved" | "deal.won" | "deal.lost",
      "deal",
      {
        fromStageId: string;
        toStageId: string;
        from: string;
        to: string;
        contactId: string | null;
        lostReason?: string | null;
        /** the verb that asked: `deal won` / `deal lost`, or `deal move` (into any stage, won and lost too) */
        via?: "move" | "won" | "lost";
      }
    >
  /** edited, archived, restored or merged: which columns changed */
  | Of<"deal.changed", "deal", { fields: string[]; contactId: string | null }>;

/**
 * A customer's ticket from a Discord inbox: the public thread a worker starts on their message (channel and
 * message id; the thread has the message's id), or, for a forum post, the post that already is the thread.
 */
export interface InboxThread {
  channelId: string;
  messageId: string;
  post: boolean;
}

export type TicketEvent =
  | Of<
      "ticket.opened",
      "ticket",
      { assigneeId: string | null; auto: boolean; requesterId: string | null; authorUserId?: string | null; inboxThread?: InboxThread }
    >
  | Of<"ticket.assigned", "ticket", { fromId: string | null; toId: string; auto: boolean; previous: string | null }>
  | Of<"ticket.escalated", "ticket", { level: number; reason: string | null }>
  | Of<"ticket.waiting", "ticket">
  | Of<"ticket.resumed", "ticket", { pausedMs: number }>
  | Of<"ticket.resolved", "ticket", { late: boolean; note: string | null }>
  | Of<"ticket.reopened", "ticket", { reason: string | null }>
  /** a reply to the customer (a TicketMessage, delivery pending) and an internal note */
  | Of<"ticket.replied" | "ticket.noted", "ticket", { messageId: string }>
  /** edited, archived or restored: which columns changed */
  | Of<"ticket.changed", "ticket", { fields: string[] }>;

export type ContactEvent =
  | Of<"contact.created", "contact">
  | Of<"contact.changed", "contact", { fields: string[] }>
  /** a CSV import: the new contacts' ids, or all when there are too many to list */
  | Of<"contacts.imported", "workspace", { contactIds: string[]; all: boolean; companiesCreated: number }>;

export type CompanyEvent = Of<"company.created" | "company.changed", "company", { fields?: string[] }>;

export type InteractionEvent = Of<
  "interaction.logged",
  "interaction",
  {
    kind: InteractionKind;
    contactId: string | null;
    companyId: string | null;
    dealId: string | null;
    ticketId: string | null;
  }
>;

/**
 * A follow-up (src/domain/tasks): dueAt as ISO text; assigneeId is who gets the reminder. /crm undo raises
 * task.reopened (a done task open again), task.cancelled (an added task closed) and task.snoozed (the due time back).
 */
export type TaskEvent = Of<
  "task.created" | "task.done" | "task.snoozed" | "task.reopened" | "task.cancelled",
  "task",
  { assigneeId: string; dueAt: string; recordKind: "contact" | "company" | "deal" | "ticket" | null; recordId: string | null }
>;

/** One event as a service records it. */
export type DomainEventInput = DealEvent | TicketEvent | ContactEvent | CompanyEvent | InteractionEvent | TaskEvent;
export type DomainEventType = DomainEventInput["type"];

/** One event as a handler receives it. */
export type StoredEvent<T extends DomainEventType = DomainEventType> = Extract<DomainEventInput, { type: T }> & {
  id: string;
  workspaceId: string;
  actor: EventActor;
  createdAt: Date;
};

export const DEAL_CHANGES = ["deal.created", "deal.moved", "deal.won", "deal.lost"] as const satisfies readonly DomainEventType[];
