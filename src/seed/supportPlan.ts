// Demo tickets: ~30 across priorities and statuses, with SLA due times from the workspace policies,
// waiting pauses, first responses, breaches, escalations and their TicketEvents and interactions.
import type { Prisma } from "../generated/prisma/client.ts";
import type { TicketPriority, TicketStatus } from "../generated/prisma/enums.ts";
import { TICKET_SUBJECTS } from "./data.ts";
import type { Random } from "../random.ts";
import { HOUR, between, workTime } from "./moments.ts";
import type { PlanInput } from "./planInput.ts";

const MIN = 60_000;
const STATUSES: Record<TicketStatus, number> = { resolved: 12, open: 12, waiting: 6 };
const PRIORITIES: Record<TicketPriority, number> = { low: 5, normal: 12, high: 8, urgent: 5 };
const RESPONSES = [
  "Thanks for reporting this, we are looking into it now",
  "Could you send a screenshot and the time it happened?",
  "Reproduced on our side; a fix is in progress",
  "Shared a workaround while we investigate",
  "Asked for the affected user ids",
];
const RESOLUTIONS = [
  "Resolved: fix deployed, customer confirmed",
  "Resolved: configuration corrected on their side",
  "Resolved: answered with the docs link",
  "Resolved: seats added and invoice updated",
  "Resolved: cleared the stuck job and re-ran it",
];

export interface SupportInput extends PlanInput {
  contacts: Prisma.ContactCreateManyInput[];
  companyOf: (c: Prisma.ContactCreateManyInput) => string | null;
}

export function planSupport(rng: Random, input: SupportInput) {
  const { workspaceId, now, newId } = input;
  const agents = input.members.filter((m) => m.role === "agent" || m.role === "manager");
  const manager = input.members.find((m) => m.role === "manager") ?? agents[0];
  const tickets: Prisma.TicketCreateManyInput[] = [];
  const events: Prisma.TicketEventCreateManyInput[] = [];
  const interactions: Prisma.InteractionCreateManyInput[] = [];
  const statuses = rng.shuffle(Object.entries(STATUSES).flatMap(([s, n]) => Array.from({ length: n }, () => s as TicketStatus)));
  const priorities = rng.shuffle(Object.entries(PRIORITIES).flatMap(([p, n]) => Array.from({ length: n }, () => p as TicketPriority)));
  const subjects = rng.shuffle(TICKET_SUBJECTS);
  const past = (d: Date) => d.getTime() < now.getTime() - 5 * MIN;

  statuses.forEach((status, i) => {
    const id = newId();
    const priority = priorities[i % priorities.length];
    const policy = input.sla[priority];
    const requester = rng.pick(input.contacts);
    const companyId = input.companyOf(requester);
    // unresolved tickets are mostly young for their priority; about one in five has run past its SLA
    const age = policy.resolutionSec * 1000 * (rng.chance(0.2) ? 1.1 + rng.next() : 0.05 + rng.next() * 0.8);
    const createdAt = status === "resolved" ? workTime(rng, now, rng.int(3, 30)) : new Date(now.getTime() - Math.max(age, 20 * MIN));
    const assignee = status === "open" && rng.chance(0.2) ? null : rng.pick(agents);
    const ev = (kind: string, at: Date, actorId: string | null, data?: Prisma.InputJsonValue) =>
      events.push({ id: newId(), workspaceId, ticketId: id, kind, actorId, at, data });
    const say = (kind: "email" | "chat" | "note", summary: string, at: Date, authorId: string | null) =>
      interactions.push({
        id: newId(),
        workspaceId,
        kind,
        summary,
        occurredAt: at,
        authorId,
        ticketId: id,
        contactId: requester.id as string,
        companyId,
        source: rng.pick(["slack", "discord", "console"] as const),
      });

    const responder = assignee ?? rng.pick(agents);
    ev("created", createdAt, rng.pick(agents).id, {
      priority,
      requesterId: requester.id as string,
      assigneeId: assignee?.id ?? null,
      auto: Boolean(assignee && rng.chance(0.5)),
    });

    // first response: usually inside the SLA, sometimes late; open tickets may have none yet
    const late = rng.chance(0.15);
    const firstAt = new Date(
      createdAt.getTime() + policy.firstResponseSec * 1000 * (late ? 1.1 + rng.next() * 0.9 : 0.1 + rng.next() * 0.8),
    );
    const firstResponseAt = (status !== "open" || rng.chance(0.8)) && past(firstAt) ? firstAt : null;
    if (firstResponseAt) {
      say(rng.chance(0.6) ? "email" : "chat", rng.pick(RESPONSES), firstResponseAt, responder.id);
      ev("first_response", firstResponseAt, responder.id, { at: firstResponseAt.toISOString() });
    }

    // an earlier pause waiting on the customer moves both due times later by its length
    let pausedMs = 0;
    let cursor = firstResponseAt ?? createdAt;
    if (firstResponseAt && status !== "waiting" && rng.chance(status === "resolved" ? 0.4 : 0.2)) {
      const from = new Date(firstResponseAt.getTime() + rng.int(1, 6) * HOUR);
      const to = new Date(from.getTime() + rng.int(2, 30) * HOUR);
      if (past(to)) {
        pausedMs = to.getTime() - from.getTime();
        ev("waiting", from, responder.id);
        ev("resumed", to, responder.id, { pausedMs });
        cursor = to;
      }
    }
    const firstResponseDueAt = new Date(createdAt.getTime() + policy.firstResponseSec * 1000 + pausedMs);
    const resolutionDueAt = new Date(createdAt.getTime() + policy.resolutionSec * 1000 + pausedMs);

    let resolvedAt: Date | null = null;
    let waitingSince: Date | null = null;
    if (status === "resolved") {
      const lateFix = rng.chance(0.2);
      const target = new Date(
        createdAt.getTime() + pausedMs + policy.resolutionSec * 1000 * (lateFix ? 1.05 + rng.next() * 0.6 : 0.2 + rng.next() * 0.75),
      );
      resolvedAt = new Date(Math.min(Math.max(target.getTime(), cursor.getTime() + 30 * MIN), now.getTime() - HOUR));
      const note = rng.pick(RESOLUTIONS);
      say("note", note, resolvedAt, responder.id);
      ev("resolved", resolvedAt, responder.id, { note, late: resolvedAt > resolutionDueAt });
    } else if (status === "waiting") {
      waitingSince = between(rng, new Date(cursor.getTime() + HOUR), new Date(now.getTime() - HOUR));
      if (waitingSince <= cursor) waitingSince = new Date(cursor.getTime() + 5 * MIN);
      ev("waiting", waitingSince, responder.id);
    }

    // breached: answered or fixed after the due time, or still not by now (a waiting clock stopped at waitingSince)
    const clockEnd = waitingSince ?? now;
    const firstLate = firstResponseAt ? firstResponseAt > firstResponseDueAt : clockEnd > firstResponseDueAt;
    const fixLate = resolvedAt ? resolvedAt > resolutionDueAt : clockEnd > resolutionDueAt;
    const breached = firstLate || fixLate;
    let escalationLevel = 0;
    if (breached) {
      const at = firstLate ? firstResponseDueAt : resolutionDueAt;
      escalationLevel = 1;
      ev("escalated", at, null, { level: 1, reason: firstLate ? "First response SLA breached" : "Resolution SLA breached" });
      if (priority === "urgent" && past(new Date(at.getTime() + HOUR))) {
        escalationLevel = 2;
        ev("escalated", new Date(at.getTime() + HOUR), manager.id, { level: 2, reason: "Customer asked for a call with a manager" });
      }
    }

    tickets.push({
      id,
      workspaceId,
      number: i + 1,
      subject: subjects[i % subjects.length],
      description: null,
      status,
      priority,
      requesterId: requester.id as string,
      assigneeId: assignee?.id ?? null,
      escalationLevel,
      breached,
      firstResponseDueAt,
      resolutionDueAt,
      firstResponseAt,
      resolvedAt,
      waitingSince,
      pausedMs: BigInt(pausedMs),
      source: rng.pick(["slack", "discord", "console"] as const),
      createdAt,
      updatedAt: resolvedAt ?? waitingSince ?? cursor,
    });
  });
  // the same day can hold a few tickets: keep events in time order per ticket for readers that do not sort
  events.sort((a, b) => (a.at as Date).getTime() - (b.at as Date).getTime());
  return { tickets, events, interactions };
}
