// Hands each recorded event to its handlers, once per (event, handler), however often it is dispatched and
// by however many workers:
//  - a handler runs inside a transaction that first inserts its DomainEventHandled row; a second dispatcher
//    blocks on that row's key until the first commits, then finds it taken and skips;
//  - a handler that fails or a worker that dies mid-handler rolls its row back, so the next dispatch runs it
//    again; handlers make their effects idempotent with keys derived from the event id (the delivery
//    outbox's dedupe keys, one thread job per ticket, debounced rescoring), so a rerun repeats nothing;
//  - the event is marked dispatched when every handler is done; the sweep retries the others.
import type { DomainEvent, Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import type { Logger } from "../../log.ts";
import type { DomainEventType, EventActor, EventRef, StoredEvent } from "./types.ts";

type Tx = Prisma.TransactionClient;

export interface EventHandler {
  /** the claim key: renaming a handler makes it run again for undispatched events */
  name: string;
  handles: readonly DomainEventType[];
  /** tx holds this handler's claim: database writes made through it commit with the claim, or not at all */
  run(event: StoredEvent, tx: Tx): Promise<void>;
}

/** Failures after which the sweep stops retrying an event (its lastError says why). */
export const MAX_ATTEMPTS = 20;
/** Earlier events of one record dispatched before a later one (so "created" is announced before "moved"). */
const EARLIER_BATCH = 50;

export type DispatchResult = "dispatched" | "already" | "missing";

export function toStored(row: DomainEvent): StoredEvent {
  const { actor, ...data } = row.data as Prisma.JsonObject & { actor: EventActor };
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    type: row.type,
    recordKind: row.recordKind,
    recordId: row.recordId,
    actor,
    data,
    createdAt: row.createdAt,
  } as StoredEvent;
}

export class EventDispatcher {
  constructor(
    private db: PrismaClient,
    private handlers: readonly EventHandler[],
    private logger?: Logger,
  ) {
    const names = handlers.map((h) => h.name);
    if (new Set(names).size !== names.length) throw new Error(`event handler names must be unique: ${names.join(", ")}`);
  }

  /** Runs the handlers of this event that have not run yet, after those of earlier undispatched events of the same record. */
  async dispatch(workspaceId: string, eventId: string): Promise<DispatchResult> {
    const ev = await this.db.domainEvent.findFirst({ where: { id: eventId, workspaceId } });
    if (!ev) return "missing";
    if (ev.dispatchedAt) return "already";
    const earlier = await this.db.domainEvent.findMany({
      where: {
        workspaceId: ev.workspaceId,
        recordKind: ev.recordKind,
        recordId: ev.recordId,
        dispatchedAt: null,
        seq: { lt: ev.seq },
        attempts: { lt: MAX_ATTEMPTS },
      },
      orderBy: { seq: "asc" },
      take: EARLIER_BATCH,
    });
    for (const e of earlier) await this.handle(e);
    await this.handle(ev);
    return "dispatched";
  }

  private async handle(row: DomainEvent): Promise<void> {
    const event = toStored(row);
    const where = { id: row.id, workspaceId: row.workspaceId };
    try {
      for (const h of this.handlers) {
        if (!h.handles.includes(event.type)) continue;
        await this.db.$transaction(
          async (tx) => {
            const { count } = await tx.domainEventHandled.createMany({
              data: [{ eventId: row.id, handler: h.name, workspaceId: row.workspaceId }],
              skipDuplicates: true,
            });
            if (count) await h.run(event, tx);
          },
          { maxWait: 10_000, timeout: 30_000 },
        );
      }
      await this.db.domainEvent.updateMany({ where: { ...where, dispatchedAt: null }, data: { dispatchedAt: new Date() } });
    } catch (e) {
      const err = (e as Error).message ?? String(e);
      this.logger?.warn(
        { event: row.id, type: row.type, workspaceId: row.workspaceId, err },
        "a domain event handler failed; it is retried",
      );
      await this.db.domainEvent
        .updateMany({ where, data: { attempts: { increment: 1 }, lastError: err.slice(0, 1000) } })
        .catch(() => undefined);
      throw e;
    }
  }

  /**
   * Events still to dispatch that were written before `before` (their nudge was lost, or they failed). The
   * sweep is a system job over every workspace, like the nightly rescoring; each event carries its workspace.
   */
  async undispatched(before: Date, limit = 200): Promise<EventRef[]> {
    return this.db.domainEvent.findMany({
      where: { dispatchedAt: null, createdAt: { lt: before }, attempts: { lt: MAX_ATTEMPTS } },
      orderBy: { createdAt: "asc" },
      take: limit,
      select: { id: true, workspaceId: true },
    });
  }

  /** Dispatched events older than `before` are history nobody reads again. */
  async prune(before: Date): Promise<number> {
    const { count } = await this.db.domainEvent.deleteMany({ where: { dispatchedAt: { lt: before } } });
    return count;
  }
}
