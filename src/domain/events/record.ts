// Writing events: recordEvent(tx, actor, event) inside the transaction that makes the change, so the event
// exists exactly when the change does (a rollback takes both). EventLog.transaction is db.$transaction plus,
// after commit, a hand-over: to this process's own dispatcher when it runs one (a worker process: local.ts),
// otherwise a nudge to the workers' queue. Either can be lost to a crash; that costs only time (the sweep
// finds the row).
import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import { newId } from "../../db/ids.ts";
import { insertRows, type InsertPart } from "../../db/insertRows.ts";
import type { Logger } from "../../log.ts";
import type { Actor } from "../actor.ts";
import { EventDispatcher, type EventHandler, type RecordedEvent } from "./dispatcher.ts";
import type { DomainEventInput, EventActor, EventRef } from "./types.ts";

type Tx = Prisma.TransactionClient;

const EVENT_COLUMNS = {
  id: "text",
  workspaceId: "text",
  type: "text",
  recordKind: "text",
  recordId: "text",
  actorId: "text",
  data: "jsonb",
  createdAt: "timestamp(3)",
};

/** What the jobs runtime offers: dispatch these events soon (jobs/domainEvents.ts). */
export interface EventNudge {
  dispatch(events: EventRef[]): Promise<void>;
}

/** Anyone who changes a record: a member (Actor) or a tool without one (the CSV import). */
export type EventAuthor = Pick<Actor, "workspaceId" | "name"> & { memberId: string | null; platform: string; platformUserId?: string };

/** This process's own dispatcher (local.ts): takes events just committed, or declines (then they are nudged). */
export interface LocalDispatch {
  accept(events: RecordedEvent[]): boolean;
}

// events recorded in a transaction opened by EventLog.transaction, to hand over after its commit
const pending = new WeakMap<object, RecordedEvent[]>();

/** How long a command waits for the nudge (Redis) before answering anyway; the sweep covers the rest. */
const NUDGE_WAIT_MS = 2000;

export async function recordEvent(tx: Tx, actor: EventAuthor, event: DomainEventInput): Promise<string> {
  const who = eventActor(actor);
  const row = await tx.domainEvent.create({
    data: {
      workspaceId: actor.workspaceId,
      type: event.type,
      recordKind: event.recordKind,
      recordId: event.recordId,
      actorId: actor.memberId,
      data: { actor: who, ...event.data } as unknown as Prisma.InputJsonValue,
    },
    select: { id: true, seq: true, createdAt: true },
  });
  // what a handler receives, as the dispatcher would read it back (toStored)
  pending.get(tx)?.push(writtenEvent(event, row, actor));
  return row.id;
}

/** An event as a handler receives it once written (as the dispatcher would read it back): for the hand-over after commit. */
export function writtenEvent(
  event: DomainEventInput,
  row: { id: string; seq: bigint; createdAt: Date },
  actor: EventAuthor,
): RecordedEvent {
  const data = JSON.parse(JSON.stringify(event.data)) as unknown; // as the JSON column gives it back
  return { ...event, ...row, data, workspaceId: actor.workspaceId, actor: eventActor(actor) } as RecordedEvent;
}

/**
 * recordEvent for many events in one statement (the inbound mail batch): the same rows, each with its own
 * author, handed over after commit like recordEvent's. Each (type, recordId) appears once in a call.
 */
export async function recordEvents(
  tx: Tx,
  items: { actor: EventAuthor; event: DomainEventInput }[],
  /** other rows of the change, written by the same statement (insertRows) */
  alongside: InsertPart[] = [],
): Promise<void> {
  if (!items.length) {
    await insertRows(tx, "DomainEvent", EVENT_COLUMNS, [], undefined, alongside);
    return;
  }
  const who = items.map(({ actor }) => eventActor(actor));
  // a raw multi-row insert: Prisma compiles every createManyAndReturn anew (src/db/insertRows.ts)
  const now = new Date();
  const rows = await insertRows<{ id: string; seq: bigint; createdAt: Date; type: string; recordId: string }>(
    tx,
    "DomainEvent",
    EVENT_COLUMNS,
    items.map(({ actor, event }, i) => ({
      id: newId(),
      workspaceId: actor.workspaceId,
      type: event.type,
      recordKind: event.recordKind,
      recordId: event.recordId,
      actorId: actor.memberId,
      data: { actor: who[i], ...event.data },
      createdAt: now,
    })),
    ["id", "seq", "createdAt", "type", "recordId"],
    alongside,
  );
  const list = pending.get(tx);
  if (!list) return;
  // matched by (type, record), not by position: RETURNING's order is not promised
  const byKey = new Map(rows.map((r) => [`${r.type}\u0000${r.recordId}`, r]));
  for (const { actor, event } of items) {
    const row = byKey.get(`${event.type}\u0000${event.recordId}`)!;
    list.push(writtenEvent(event, { id: row.id, seq: row.seq, createdAt: row.createdAt }, actor));
  }
}

export const eventActor = (actor: EventAuthor): EventActor => ({
  memberId: actor.memberId,
  name: actor.name,
  platform: actor.platform,
  ...(actor.platformUserId ? { platformUserId: actor.platformUserId } : {}),
});

export class EventLog {
  private local?: LocalDispatch;

  constructor(
    private db: PrismaClient,
    private nudge?: EventNudge,
    private logger?: Logger,
    /** raw SQL on the pool for the dispatcher's claims made outside a transaction (OpenedDb.rawSql); without it, Prisma */
    private rawSql?: Pick<PrismaClient, "$queryRaw">,
  ) {}

  /** db.$transaction; after it commits, the events recorded in it are handed to the dispatcher. */
  async transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: { maxWait?: number; timeout?: number }): Promise<T> {
    const events: RecordedEvent[] = [];
    const result = await this.db.$transaction(async (tx) => {
      pending.set(tx, events);
      return fn(tx);
    }, opts);
    if (events.length && !this.local?.accept(events)) await this.wake(events.map((e) => ({ id: e.id, workspaceId: e.workspaceId })));
    return result;
  }

  /**
   * After the commit of a write made without a Prisma transaction (one raw statement: see
   * interactions/oneStatement.ts), the events it recorded, handed over as transaction() hands over its own.
   */
  async committed(events: RecordedEvent[]): Promise<void> {
    if (events.length && !this.local?.accept(events)) await this.wake(events.map((e) => ({ id: e.id, workspaceId: e.workspaceId })));
  }

  /** A worker process dispatches the events its own commands record (local.ts); undefined stops that. */
  dispatchHere(local: LocalDispatch | undefined): void {
    this.local = local;
  }

  /** A dispatcher over this log with the worker's handlers (jobs/events). */
  dispatcher(handlers: readonly EventHandler[]): EventDispatcher {
    return new EventDispatcher(this.db, handlers, this.logger, this.rawSql);
  }

  /** Never fails the caller: the change is committed, and undispatched events are swept up. */
  async wake(ids: EventRef[]): Promise<void> {
    if (!this.nudge || !ids.length) return;
    const sent = this.nudge.dispatch(ids).catch((e: Error) => {
      this.logger?.warn({ err: e.message, events: ids.length }, "could not queue domain events; the sweep dispatches them");
    });
    await Promise.race([sent, new Promise((r) => setTimeout(r, NUDGE_WAIT_MS).unref())]);
  }
}
