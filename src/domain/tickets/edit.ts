// ticket edit: change a ticket's subject, priority or requester. Agents change tickets that are theirs or
// unassigned (requireCanChange), as they reassign them; a new priority moves the SLA due times to that
// priority's targets, as /crm ticket priority does, and the timers follow after commit.
import { UserInputError } from "../../errors.ts";
import type { PrismaClient, TicketPriority } from "../../generated/prisma/client.ts";
import { requireCanChange, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveRef } from "../refs.ts";
import { recordEvent, type EventLog } from "../events/record.ts";
import { DEFAULT_SLA } from "../workspaces/defaults.ts";
import { diff, requireLive, requireSomething, type Change } from "../records/changes.ts";
import { dueUnder, type SlaService } from "./slaPolicy.ts";
import type { TicketWithPeople } from "./service.ts";

export interface TicketEdit {
  subject?: string;
  priority?: TicketPriority;
  requester?: string;
}

export const TICKET_EDIT_OPTIONS = "subject:, priority: or requester:";
const people = { assignee: true, requester: true } as const;

export class TicketEdits {
  constructor(
    private db: PrismaClient,
    private events: EventLog,
    private sla: SlaService,
  ) {}

  /** The ticket as the Edit form shows it. */
  async current(actor: Actor, ref: string): Promise<TicketWithPeople> {
    const hit = await resolveRef(this.db, actor.workspaceId, "ticket", ref);
    const t = await this.db.ticket.findFirstOrThrow({ where: { id: hit.id, workspaceId: actor.workspaceId }, include: people });
    requireLive("ticket", `T-${t.number}`, t);
    requireCanChange(actor, t.assigneeId, "edit tickets");
    return t;
  }

  async edit(actor: Actor, ref: string, input: TicketEdit): Promise<{ ticket: TicketWithPeople; change: Change }> {
    const t = await this.current(actor, ref);
    const key = `T-${t.number}`;
    const ws = actor.workspaceId;
    const requester = input.requester ? await resolveRef(this.db, ws, "contact", input.requester) : undefined;
    if (input.priority && input.priority !== t.priority && t.status === "resolved")
      throw new UserInputError(`${key} is resolved; its priority no longer counts. Reopen it first.`);
    const policy = input.priority
      ? await this.db.slaPolicy.findUnique({ where: { workspaceId_priority: { workspaceId: ws, priority: input.priority } } })
      : null;
    const r = await this.events.transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "Ticket" WHERE "id" = ${t.id} AND "workspaceId" = ${ws} FOR UPDATE`;
      const before = await tx.ticket.findFirstOrThrow({ where: { id: t.id, workspaceId: ws } });
      const wanted = { subject: input.subject, priority: input.priority, requesterId: requester?.id };
      const change = diff(before, wanted);
      requireSomething(change, key, TICKET_EDIT_OPTIONS);
      const due =
        change.fields.includes("priority") && input.priority
          ? dueUnder(
              before,
              policy?.firstResponseSec ?? DEFAULT_SLA[input.priority].first,
              policy?.resolutionSec ?? DEFAULT_SLA[input.priority].resolve,
            )
          : {};
      const after = await tx.ticket.update({ where: { id: t.id }, data: { ...change.after, ...due }, include: people });
      if (change.fields.includes("priority"))
        await tx.ticketEvent.create({
          data: {
            workspaceId: ws,
            ticketId: t.id,
            kind: "priority_changed",
            actorId: actor.memberId,
            data: { from: before.priority, priority: after.priority },
          },
        });
      await audit(tx, actor, "ticket.edit", "ticket", t.id, change.before, change.after);
      await recordEvent(tx, actor, { type: "ticket.changed", recordKind: "ticket", recordId: t.id, data: { fields: change.fields } });
      return { before, ticket: after, change };
    });
    if (r.change.fields.includes("priority")) await this.sla.reschedule(r.before, r.ticket);
    return { ticket: r.ticket, change: r.change };
  }
}
