// The record lists (contact list, company list, deal list, ticket list), a page at a time. A page ends with
// the key of its last record; the next page is asked for with `after:<that key>` (the More button's command),
// so paging is a text command that works the same on Slack, Discord and the console. Each list has one stable
// order ending in the key, and the next page starts after the cursor record's place in that order (keyset
// paging: index-backed, no OFFSET, nothing skipped or shown twice when records are added meanwhile).
import { NotFoundError, UserInputError } from "../../errors.ts";
import type { Prisma, PrismaClient, TicketPriority } from "../../generated/prisma/client.ts";
import { formatKey, parseKey } from "../../db/keys.ts";
import type { Actor } from "../actor.ts";
import type { PipelineService } from "../deals/pipeline.ts";
import { TICKET_PRIORITIES } from "../tickets/service.ts";

export const PAGE_SIZE = 20;

/** open: unresolved (open or waiting); mine: unresolved and mine; breached: unresolved and past due or flagged;
 *  resolved: resolved ones, newest first; all: every ticket, newest first */
export const TICKET_LIST_VIEWS = ["open", "mine", "breached", "resolved", "all"] as const;
export type TicketListView = (typeof TICKET_LIST_VIEWS)[number];

export interface Page<T> {
  rows: T[];
  /** how many records the list has in all */
  total: number;
  /** the key to page on from (`after:<key>`), when more records follow */
  next?: string;
}

type Kind = "contact" | "company" | "deal" | "ticket";

/** after:D-7 → 7, checked to be a key of the list's kind */
function cursorNumber(kind: Kind, after: string | undefined): number | undefined {
  if (after === undefined) return undefined;
  const key = parseKey(after);
  if (!key || key.kind !== kind)
    throw new UserInputError(`after: takes the ${kind} key the page ended with, like after:${formatKey(kind, 20)}; "${after}" is not one.`);
  return key.number;
}

const notFound = (kind: Kind, n: number) => new NotFoundError(`No ${kind} ${formatKey(kind, n)} in this workspace.`);

function page<T extends { number: number }>(kind: Kind, rows: T[], total: number): Page<T> {
  const more = rows.length > PAGE_SIZE;
  const shown = rows.slice(0, PAGE_SIZE);
  return { rows: shown, total, next: more ? formatKey(kind, shown[shown.length - 1].number) : undefined };
}

const dealInclude = { stage: true, owner: true } satisfies Prisma.DealInclude;
const ticketInclude = { assignee: true, requester: true } satisfies Prisma.TicketInclude;

export class RecordLists {
  constructor(
    private db: PrismaClient,
    private pipelines: PipelineService,
  ) {}

  /** every contact, by key */
  async contacts(actor: Actor, after?: string) {
    const n = cursorNumber("contact", after);
    const where = { workspaceId: actor.workspaceId, archivedAt: null };
    if (n !== undefined) await this.mustExist("contact", actor, n);
    const [rows, total] = await Promise.all([
      this.db.contact.findMany({
        where: { ...where, ...(n !== undefined ? { number: { gt: n } } : {}) },
        orderBy: { number: "asc" },
        take: PAGE_SIZE + 1,
        select: { number: true, name: true, email: true, company: { select: { name: true } } },
      }),
      this.db.contact.count({ where }),
    ]);
    return page("contact", rows, total);
  }

  /** every company, by key, with how many contacts it has */
  async companies(actor: Actor, after?: string) {
    const n = cursorNumber("company", after);
    const where = { workspaceId: actor.workspaceId, archivedAt: null };
    if (n !== undefined) await this.mustExist("company", actor, n);
    const [rows, total] = await Promise.all([
      this.db.company.findMany({
        where: { ...where, ...(n !== undefined ? { number: { gt: n } } : {}) },
        orderBy: { number: "asc" },
        take: PAGE_SIZE + 1,
        select: { number: true, name: true, domain: true, _count: { select: { contacts: true } } },
      }),
      this.db.company.count({ where }),
    ]);
    return page("company", rows, total);
  }

  /** open deals (or one stage's, or my own), largest first, then by key */
  async deals(actor: Actor, opts: { mine?: boolean; stage?: string; after?: string }) {
    const n = cursorNumber("deal", opts.after);
    const stage = opts.stage ? await this.pipelines.stageByName(actor.workspaceId, opts.stage) : undefined;
    const where: Prisma.DealWhereInput = {
      workspaceId: actor.workspaceId,
      archivedAt: null,
      ...(opts.mine ? { ownerId: actor.memberId } : {}),
      ...(stage ? { stageId: stage.id } : { closedAt: null }),
    };
    let after: Prisma.DealWhereInput = {};
    if (n !== undefined) {
      const c = await this.db.deal.findUnique({
        where: { workspaceId_number: { workspaceId: actor.workspaceId, number: n } },
        select: { amount: true },
      });
      if (!c) throw notFound("deal", n);
      after = { OR: [{ amount: { lt: c.amount } }, { amount: c.amount, number: { gt: n } }] };
    }
    const [rows, total] = await Promise.all([
      this.db.deal.findMany({
        where: { AND: [where, after] },
        orderBy: [{ amount: "desc" }, { number: "asc" }],
        take: PAGE_SIZE + 1,
        include: dealInclude,
      }),
      this.db.deal.count({ where }),
    ]);
    return { ...page("deal", rows, total), stage };
  }

  /** unresolved views by priority (most urgent first), then key; resolved and all newest first */
  async tickets(actor: Actor, view: TicketListView, after?: string, now = new Date()) {
    const n = cursorNumber("ticket", after);
    // deleted (archived) tickets are in no list
    const where: Prisma.TicketWhereInput = { ...ticketWhere(this.db, actor, view, now), archivedAt: null };
    const newestFirst = view === "resolved" || view === "all";
    let cursor: Prisma.TicketWhereInput = {};
    if (n !== undefined) {
      const c = await this.db.ticket.findUnique({
        where: { workspaceId_number: { workspaceId: actor.workspaceId, number: n } },
        select: { priority: true },
      });
      if (!c) throw notFound("ticket", n);
      const lower = TICKET_PRIORITIES.slice(0, TICKET_PRIORITIES.indexOf(c.priority)) as TicketPriority[];
      cursor = newestFirst ? { number: { lt: n } } : { OR: [{ priority: { in: lower } }, { priority: c.priority, number: { gt: n } }] };
    }
    const [rows, total] = await Promise.all([
      this.db.ticket.findMany({
        where: { AND: [where, cursor] },
        orderBy: newestFirst ? [{ number: "desc" }] : [{ priority: "desc" }, { number: "asc" }],
        take: PAGE_SIZE + 1,
        include: ticketInclude,
      }),
      this.db.ticket.count({ where }),
    ]);
    return { ...page("ticket", rows, total), view };
  }

  private async mustExist(kind: "contact" | "company", actor: Actor, n: number) {
    const where = { workspaceId_number: { workspaceId: actor.workspaceId, number: n } };
    const hit =
      kind === "contact"
        ? await this.db.contact.findUnique({ where, select: { id: true } })
        : await this.db.company.findUnique({ where, select: { id: true } });
    if (!hit) throw notFound(kind, n);
  }
}

function ticketWhere(db: PrismaClient, actor: Actor, view: TicketListView, now: Date): Prisma.TicketWhereInput {
  const ws = actor.workspaceId;
  const unresolved = { workspaceId: ws, status: { not: "resolved" as const } };
  switch (view) {
    case "open":
      return unresolved;
    case "mine":
      return { ...unresolved, assigneeId: actor.memberId };
    case "resolved":
      return { workspaceId: ws, status: "resolved" };
    case "all":
      return { workspaceId: ws };
    case "breached": {
      const waitingSince = db.ticket.fields.waitingSince;
      return {
        ...unresolved,
        OR: [
          { breached: true },
          { status: "open", firstResponseAt: null, firstResponseDueAt: { lt: now } },
          { status: "open", resolutionDueAt: { lt: now } },
          // a waiting ticket's clock stopped at waitingSince
          { status: "waiting", firstResponseAt: null, firstResponseDueAt: { lt: waitingSince } },
          { status: "waiting", resolutionDueAt: { lt: waitingSince } },
        ],
      };
    }
  }
}
