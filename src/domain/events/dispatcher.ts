// Hands each recorded event to its handlers, once per (event, handler), however often it is dispatched and
// by however many workers:
//  - a handler runs inside a transaction whose first statement claims it (inserts its DomainEventHandled
//    row); a second dispatcher blocks on that row's key until the first commits, then finds it taken and skips;
//  - a handler that fails or a worker that dies mid-handler rolls its row back, so the next dispatch runs it
//    again; handlers make their effects idempotent with keys derived from the event id (the delivery
//    outbox's dedupe keys, one thread job per ticket, debounced rescoring), so a rerun repeats nothing;
//  - the last handler's claim also marks the event dispatched (every other handler's row exists by then),
//    so it commits with that handler, or not at all; the sweep retries the others.
// One statement per handler, in its transaction (claim.ts); an event with one handler (most) costs one
// transaction of one statement besides the handler's own work. A handler whose effect lives outside the
// database (`outside`: asking Redis for a debounced rescore) runs first and is claimed after, by one statement
// with no transaction: its rerun after a crash repeats the effect, which such a handler must allow.
import type { DomainEvent, Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import type { Logger } from "../../log.ts";
import { claimEach, claimHandler, claimKey, markDispatched, MAX_ATTEMPTS, type RecordedEvent } from "./claim.ts";
import type { DomainEventType, EventActor, EventRef, StoredEvent } from "./types.ts";

export { MAX_ATTEMPTS, type RecordedEvent } from "./claim.ts";

type Tx = Prisma.TransactionClient;

export interface EventHandler {
  /** the claim key: renaming a handler makes it run again for undispatched events */
  name: string;
  handles: readonly DomainEventType[];
  /** tx holds this handler's claim: database writes made through it commit with the claim, or not at all */
  run(event: StoredEvent, tx: Tx): Promise<void>;
  /**
   * Its effect is outside the database, idempotent and indifferent to order (asking for a debounced recompute):
   * it runs first and its claim follows as one statement of its own, with no transaction around it (one statement,
   * not three; beside handlers that write, the event's other handlers keep their transactions). A process that dies in between leaves the event
   * unclaimed, and the rerun repeats the effect harmlessly; so does a second dispatcher that ran it at the same time.
   */
  outside?: boolean;
}

const allOutside = (handlers: readonly EventHandler[]) => handlers.length > 0 && handlers.every((h) => h.outside);

/** Earlier events of one record dispatched before a later one (so "created" is announced before "moved"). */
const EARLIER_BATCH = 50;

export type DispatchResult = "dispatched" | "already" | "missing";

export function toStored(row: DomainEvent): RecordedEvent {
  const { actor, ...data } = row.data as Prisma.JsonObject & { actor: EventActor };
  return {
    id: row.id,
    seq: row.seq,
    workspaceId: row.workspaceId,
    type: row.type,
    recordKind: row.recordKind,
    recordId: row.recordId,
    actor,
    data,
    createdAt: row.createdAt,
  } as RecordedEvent;
}

const bySeq = (a: RecordedEvent, b: RecordedEvent) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0);

/** Thrown when an event cannot be dispatched before earlier ones of its record: dispatch() handles those first. */
class EarlierFirst extends Error {}

export class EventDispatcher {
  /** where a claim that is its own statement runs: the pool's prepared statements when given (cheaper than Prisma) */
  private claims: Pick<PrismaClient, "$queryRaw">;

  constructor(
    private db: PrismaClient,
    private handlers: readonly EventHandler[],
    private logger?: Logger,
    rawSql?: Pick<PrismaClient, "$queryRaw">,
  ) {
    this.claims = rawSql ?? db;
    const names = handlers.map((h) => h.name);
    if (new Set(names).size !== names.length) throw new Error(`event handler names must be unique: ${names.join(", ")}`);
  }

  /** Whether any handler reacts to this type (events of other types are marked dispatched and nothing more). */
  handles(type: string): boolean {
    return this.handlers.some((h) => h.handles.includes(type as DomainEventType));
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
    for (const e of earlier) await this.handle(toStored(e), false);
    await this.handle(toStored(ev), false);
    return "dispatched";
  }

  /**
   * An event as its writer recorded it, right after its commit (no read back): its first claim also checks
   * that no earlier event of the record waits, and hands over to dispatch() when one does.
   */
  async dispatchRecorded(event: RecordedEvent): Promise<DispatchResult> {
    try {
      await this.handle(event, true);
      return "dispatched";
    } catch (e) {
      if (e instanceof EarlierFirst) return this.dispatch(event.workspaceId, event.id);
      throw e;
    }
  }

  /**
   * Events as recorded, several at once (a worker's commands in a burst): every handler of every event is
   * claimed in one statement and run in one transaction, which saves a transaction per handler and event;
   * when one of them fails, that transaction rolls back whole and each event is dispatched alone (handlers
   * repeat nothing on a rerun). Those behind an earlier event of their record go one by one, in commit order,
   * and so does a batch of one event. Failures are logged and counted by the dispatcher, and retried by the sweep.
   */
  async dispatchRecordedMany(given: RecordedEvent[]): Promise<void> {
    // in commit order: a record's earlier event in the batch is claimed with the later one and runs before it
    const events = [...given].sort(bySeq);
    const alone: RecordedEvent[] = [];
    const unhandled: RecordedEvent[] = [];
    const pairs: { event: RecordedEvent; handler: EventHandler }[] = [];
    const handled: RecordedEvent[] = [];
    for (const event of events) {
      const mine = this.handlers.filter((h) => h.handles.includes(event.type));
      if (!mine.length) unhandled.push(event);
      else {
        handled.push(event);
        for (const handler of mine) pairs.push({ event, handler });
      }
    }
    await markDispatched(this.db, unhandled).catch((e: Error) =>
      this.logger?.warn({ err: e.message, events: unhandled.length }, "could not mark events dispatched; the sweep retries"),
    );
    if (handled.length === 1) alone.push(handled[0]);
    else if (handled.length > 1 && allOutside(pairs.map((x) => x.handler))) {
      try {
        for (const x of pairs) await x.handler.run(x.event, this.db);
        const { earlier } = await claimEach(
          this.claims,
          pairs.map((x) => ({ event: x.event, handler: x.handler.name })),
        );
        alone.push(...handled.filter((e) => earlier.has(e.id)));
      } catch {
        alone.push(...handled);
      }
    } else if (handled.length > 1) {
      try {
        await this.db.$transaction(
          async (tx) => {
            const { claimed, earlier } = await claimEach(
              tx,
              pairs.map((x) => ({ event: x.event, handler: x.handler.name })),
            );
            for (const x of pairs) {
              if (earlier.has(x.event.id)) {
                if (!alone.includes(x.event)) alone.push(x.event);
              } else if (claimed.has(claimKey(x.event.id, x.handler.name))) await x.handler.run(x.event, tx);
            }
          },
          { maxWait: 10_000, timeout: 30_000 },
        );
      } catch {
        alone.push(...handled.filter((e) => !alone.includes(e)));
      }
    }
    alone.sort(bySeq);
    for (const e of alone) await this.dispatchRecorded(e).catch(() => undefined);
  }

  private async handle(event: RecordedEvent, checkEarlier: boolean): Promise<void> {
    const mine = this.handlers.filter((h) => h.handles.includes(event.type));
    try {
      if (!mine.length) {
        await markDispatched(this.db, [event]);
        return;
      }
      for (let i = 0; i < mine.length; i++) {
        const h = mine[i];
        const last = i === mine.length - 1;
        if (h.outside) {
          await h.run(event, this.db);
          const claim = await claimHandler(this.claims, event, h.name, { last, checkEarlier: checkEarlier && i === 0 });
          if (claim === "earlier") throw new EarlierFirst();
          continue;
        }
        await this.db.$transaction(
          async (tx) => {
            const claim = await claimHandler(tx, event, h.name, { last, checkEarlier: checkEarlier && i === 0 });
            if (claim === "earlier") throw new EarlierFirst();
            if (claim === "claimed") await h.run(event, tx);
          },
          { maxWait: 10_000, timeout: 30_000 },
        );
      }
    } catch (e) {
      if (e instanceof EarlierFirst) throw e;
      const err = (e as Error).message ?? String(e);
      this.logger?.warn(
        { event: event.id, type: event.type, workspaceId: event.workspaceId, err },
        "a domain event handler failed; it is retried",
      );
      await this.db.domainEvent
        .updateMany({
          where: { id: event.id, workspaceId: event.workspaceId },
          data: { attempts: { increment: 1 }, lastError: err.slice(0, 1000) },
        })
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
