// What a stage change writes, computed once for both ways of writing it: DealService.moveIn (Prisma, in the
// caller's transaction) and moveInOneStatement (one statement on the pool).
import type { DomainEventInput } from "../events/types.ts";

export interface MoveFrom {
  id: string;
  number: number;
  stageId: string;
  stage: { name: string };
  contactId: string | null;
}
export interface MoveTo {
  id: string;
  name: string;
  isWon: boolean;
  isLost: boolean;
}
export interface MoveOptions {
  lostReason?: string | null;
  /** which verb asked (deal move, won or lost): announcements word a win by `deal won` and by `deal move … won` differently */
  via?: "move" | "won" | "lost";
  enteredAt?: Date;
}

/** The deal's columns after the move. */
export function moveChanges(to: MoveTo, opts: MoveOptions, now: Date) {
  const closed = to.isWon || to.isLost;
  return {
    stageId: to.id,
    stageEnteredAt: opts.enteredAt ?? now,
    closedAt: closed ? now : null,
    lostReason: to.isLost ? (opts.lostReason ?? null) : null,
    updatedAt: now,
  };
}

/** The audit row's action, before and after, and the domain event of a move. */
export function moveEvent(deal: MoveFrom, to: MoveTo, opts: MoveOptions) {
  const { lostReason, via = "move" } = opts;
  return {
    action: to.isWon ? "deal.won" : to.isLost ? "deal.lost" : "deal.move",
    before: { stage: deal.stage.name },
    after: { stage: to.name, ...(to.isLost && lostReason ? { lostReason } : {}) },
    event: {
      type: to.isWon ? "deal.won" : to.isLost ? "deal.lost" : "deal.moved",
      recordKind: "deal",
      recordId: deal.id,
      data: {
        fromStageId: deal.stageId,
        toStageId: to.id,
        from: deal.stage.name,
        to: to.name,
        contactId: deal.contactId,
        lostReason: to.isLost ? (lostReason ?? null) : null,
        via,
      },
    } satisfies DomainEventInput,
  };
}
