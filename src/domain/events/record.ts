// Writing events: recordEvent(tx, actor, event) inside the transaction that makes the change, so the event
// exists exactly when the change does (a rollback takes both). EventLog.transaction is db.$transaction plus
// a nudge after commit, so the worker starts at once; a lost nudge costs only time (the sweep finds the row).
import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import type { Logger } from "../../log.ts";
import type { Actor } from "../actor.ts";
import { EventDispatcher, type EventHandler } from "./dispatcher.ts";
import type { DomainEventInput, EventActor, EventRef } from "./types.ts";

type Tx = Prisma.TransactionClient;

/** What the jobs runtime offers: dispatch these events soon (jobs/domainEvents.ts). */
export interface EventNudge {
  dispatch(events: EventRef[]): Promise<void>;
}

/** Anyone who changes a record: a member (Actor) or a tool without one (the CSV import). */
export type EventAuthor = Pick<Actor, "workspaceId" | "name"> & { memberId: string | null; platform: string; platformUserId?: string };

// ids recorded in a transaction opened by EventLog.transaction, to nudge after its commit
const pending = new WeakMap<object, EventRef[]>();

/** How long a command waits for the nudge (Redis) before answering anyway; the sweep covers the rest. */
const NUDGE_WAIT_MS = 2000;

export async function recordEvent(tx: Tx, actor: EventAuthor, event: DomainEventInput): Promise<string> {
  const who: EventActor = {
    memberId: actor.memberId,
    name: actor.name,
    platform: actor.platform,
    ...(actor.platformUserId ? { platformUserId: actor.platformUserId } : {}),
  };
  const row = await tx.domainEvent.create({
    data: {
      workspaceId: actor.workspaceId,
      type: event.type,
      recordKind: event.recordKind,
      recordId: event.recordId,
      actorId: actor.memberId,
      data: { actor: who, ...event.data } as unknown as Prisma.InputJsonValue,
    },
    select: { id: true },
  });
  pending.get(tx)?.push({ id: row.id, workspaceId: actor.workspaceId });
  return row.id;
}

export class EventLog {
  constructor(
    private db: PrismaClient,
    private nudge?: EventNudge,
    private logger?: Logger,
  ) {}

  /** db.$transaction; after it commits, the events recorded in it are handed to the dispatcher. */
  async transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: { maxWait?: number; timeout?: number }): Promise<T> {
    const ids: EventRef[] = [];
    const result = await this.db.$transaction(async (tx) => {
      pending.set(tx, ids);
      return fn(tx);
    }, opts);
    if (ids.length) await this.wake(ids);
    return result;
  }

  /** A dispatcher over this log with the worker's handlers (jobs/events). */
  dispatcher(handlers: readonly EventHandler[]): EventDispatcher {
    return new EventDispatcher(this.db, handlers, this.logger);
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
