// Which SLA timers an open ticket needs, when each fires, and the keys that make them idempotent.
// Pure: no database, no queue. The jobs runtime turns SlaTimer into a delayed BullMQ job.
//
// Per target (first response, resolution): a warning at 80 % of the target, the breach (level 1) at the
// due time, and level 2 one full target later. A timer's id carries the due time it was planned for
// (the "version"), so every reschedule (priority or policy change, wait/resume) yields new ids; a timer
// whose due time no longer matches the ticket is stale and does nothing.

export type SlaTarget = "first" | "resolution";
export type SlaStage = "warn" | "breach" | "level2";

export const SLA_TARGETS: readonly SlaTarget[] = ["first", "resolution"];
export const SLA_STAGES: readonly SlaStage[] = ["warn", "breach", "level2"];
/** the warning goes out when this share of the target has elapsed */
export const WARN_AT = 0.8;

export const TARGET_LABEL: Record<SlaTarget, string> = { first: "first response", resolution: "resolution" };

export interface SlaTimerData {
  workspaceId: string;
  ticketId: string;
  target: SlaTarget;
  stage: SlaStage;
  /** the due time (epoch ms) this timer was planned for: its version */
  dueAt: number;
  /** the target's length in clock time (ms), pauses excluded */
  targetMs: number;
}

export interface SlaTimer {
  id: string;
  fireAt: number;
  data: SlaTimerData;
}

/** The fields of a ticket the timers read. */
export interface TimedTicket {
  id: string;
  workspaceId: string;
  status: "open" | "waiting" | "resolved";
  createdAt: Date;
  pausedMs: bigint;
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  firstResponseAt: Date | null;
}

/** Where BullMQ (or anything else) keeps delayed timers. Adding an id that exists adds nothing. */
export interface SlaTimerQueue {
  replace(remove: string[], add: SlaTimer[]): Promise<void>;
}

// BullMQ ids may not contain ":"; cuids and digits never do
export const timerId = (ticketId: string, target: SlaTarget, stage: SlaStage, dueAt: number) =>
  `sla-${ticketId}-${target}-${stage}-${dueAt}`;

export const dueOf = (t: Pick<TimedTicket, "firstResponseDueAt" | "resolutionDueAt">, target: SlaTarget) =>
  target === "first" ? t.firstResponseDueAt : t.resolutionDueAt;

/** Target length without the time spent waiting: due - created - paused. Pausing moves due and pausedMs alike. */
export const targetMsOf = (t: Pick<TimedTicket, "createdAt" | "pausedMs">, due: Date) =>
  Math.max(0, due.getTime() - t.createdAt.getTime() - Number(t.pausedMs));

export function fireAt(stage: SlaStage, dueAt: number, targetMs: number): number {
  if (stage === "warn") return dueAt - Math.round(targetMs * (1 - WARN_AT));
  if (stage === "breach") return dueAt;
  return dueAt + targetMs;
}

/** The timers a ticket needs now: none unless it is open; none for a target already met. */
export function planTimers(t: TimedTicket): SlaTimer[] {
  if (t.status !== "open") return [];
  const out: SlaTimer[] = [];
  for (const target of SLA_TARGETS) {
    const due = dueOf(t, target);
    if (!due || (target === "first" && t.firstResponseAt)) continue;
    const targetMs = targetMsOf(t, due);
    for (const stage of SLA_STAGES) {
      const data: SlaTimerData = { workspaceId: t.workspaceId, ticketId: t.id, target, stage, dueAt: due.getTime(), targetMs };
      out.push({ id: timerId(t.id, target, stage, data.dueAt), fireAt: fireAt(stage, data.dueAt, targetMs), data });
    }
  }
  return out;
}

/** Every timer id a ticket in this state could have (to remove them), whatever its status. */
export function timerIdsOf(t: Pick<TimedTicket, "id" | "firstResponseDueAt" | "resolutionDueAt">): string[] {
  return SLA_TARGETS.flatMap((target) => {
    const due = dueOf(t, target);
    return due ? SLA_STAGES.map((stage) => timerId(t.id, target, stage, due.getTime())) : [];
  });
}

/**
 * The notification claim for one timer event. Keyed by the target's length, not its due time: waiting
 * moves the due time but not the length, so a breach notified before a pause is not notified again
 * after it; a new target (priority or policy change) is a new event and may notify once more.
 */
export const claimKey = (d: Pick<SlaTimerData, "ticketId" | "target" | "stage" | "targetMs">) =>
  `sla:${d.ticketId}:${d.target}:${d.stage}:${Math.round(d.targetMs / 1000)}s`;
