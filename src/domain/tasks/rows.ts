// A task as lists, replies and reminders read it: the row with its assignee and the record it is about.
import type { Prisma } from "../../generated/prisma/client.ts";
import { formatKey } from "../../db/keys.ts";

export const taskInclude = {
  assignee: { select: { id: true, name: true } },
  contact: { select: { number: true, name: true } },
  company: { select: { number: true, name: true } },
  deal: { select: { number: true, title: true } },
  ticket: { select: { number: true, subject: true } },
} satisfies Prisma.TaskInclude;
export type TaskRow = Prisma.TaskGetPayload<{ include: typeof taskInclude }>;

/** The record a task is about, as a key and a name ("D-7 Acme renewal"), or null. */
export function taskRecord(t: Pick<TaskRow, "contact" | "company" | "deal" | "ticket">): { key: string; label: string } | null {
  if (t.deal) return { key: formatKey("deal", t.deal.number), label: t.deal.title };
  if (t.ticket) return { key: formatKey("ticket", t.ticket.number), label: t.ticket.subject };
  if (t.contact) return { key: formatKey("contact", t.contact.number), label: t.contact.name };
  if (t.company) return { key: formatKey("company", t.company.number), label: t.company.name };
  return null;
}
