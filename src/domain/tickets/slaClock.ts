// SLA clocks for tickets: due times from a policy, pausing while waiting on the customer, and the state
// a person sees (time left, paused, breached, met). Pure functions: no database, `now` is passed in.
import type { TicketPriority } from "../../generated/prisma/enums.ts";
import { DEFAULT_SLA } from "../workspaces/defaults.ts";

export interface SlaSeconds {
  firstResponseSec: number;
  resolutionSec: number;
}

/** The fields of a ticket the clock reads. */
export interface ClockedTicket {
  status: "open" | "waiting" | "resolved";
  breached: boolean;
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  waitingSince: Date | null;
  pausedMs: bigint;
}

export type ClockState =
  | { kind: "none" }
  | { kind: "met"; at: Date; late: boolean }
  | { kind: "running"; due: Date; leftMs: number }
  | { kind: "paused"; due: Date; leftMs: number }
  | { kind: "breached"; due: Date };

export function dueDates(policy: SlaSeconds | null | undefined, priority: TicketPriority, from: Date) {
  // every workspace gets policy rows at creation; the defaults only cover a row deleted by hand
  const p = policy ?? { firstResponseSec: DEFAULT_SLA[priority].first, resolutionSec: DEFAULT_SLA[priority].resolve };
  return {
    firstResponseDueAt: new Date(from.getTime() + p.firstResponseSec * 1000),
    resolutionDueAt: new Date(from.getTime() + p.resolutionSec * 1000),
  };
}

const later = (d: Date | null, ms: number) => (d ? new Date(d.getTime() + ms) : null);

/** Leaving "waiting": the paused time is added to pausedMs and both due times move later by it. */
export function resumeChanges(t: Pick<ClockedTicket, "waitingSince" | "pausedMs" | "firstResponseDueAt" | "resolutionDueAt">, now: Date) {
  const paused = t.waitingSince ? Math.max(0, now.getTime() - t.waitingSince.getTime()) : 0;
  return {
    pausedForMs: paused,
    data: {
      waitingSince: null,
      pausedMs: t.pausedMs + BigInt(paused),
      firstResponseDueAt: later(t.firstResponseDueAt, paused),
      resolutionDueAt: later(t.resolutionDueAt, paused),
    },
  };
}

/** One clock (first response or resolution). While waiting the clock is frozen at waitingSince. */
export function clockState(due: Date | null, doneAt: Date | null, waitingSince: Date | null, now: Date): ClockState {
  if (doneAt) return { kind: "met", at: doneAt, late: !!due && doneAt > due };
  if (!due) return { kind: "none" };
  if (waitingSince) {
    const left = due.getTime() - waitingSince.getTime();
    return left > 0 ? { kind: "paused", due, leftMs: left } : { kind: "breached", due };
  }
  const left = due.getTime() - now.getTime();
  return left > 0 ? { kind: "running", due, leftMs: left } : { kind: "breached", due };
}

export function ticketClocks(t: ClockedTicket, now: Date) {
  const waiting = t.status === "waiting" ? t.waitingSince : null;
  const closed = t.status === "resolved";
  return {
    // a ticket resolved without a logged response has no first-response time to show
    firstResponse:
      closed && !t.firstResponseAt ? ({ kind: "none" } as ClockState) : clockState(t.firstResponseDueAt, t.firstResponseAt, waiting, now),
    resolution: clockState(t.resolutionDueAt, closed ? (t.resolvedAt ?? now) : null, waiting, now),
  };
}

/** Same rule as TicketService.list("breached"): unresolved, and flagged or past a running due time. */
export function isBreached(t: ClockedTicket, now: Date): boolean {
  if (t.status === "resolved") return false;
  if (t.breached) return true;
  const c = ticketClocks(t, now);
  return c.firstResponse.kind === "breached" || c.resolution.kind === "breached";
}
