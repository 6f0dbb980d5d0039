// A worker process dispatches the events its own commands record, right after commit and from the event
// as recorded (src/domain/events/local.ts, EventDispatcher.dispatchRecorded), on a real database: the same
// once-per-handler rule as a dispatch from the queue, earlier events of the record still first, nothing
// handed over before commit or from a rolled-back change, and a full hand nudges the queue instead.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { EventLog, recordEvent, type EventNudge } from "../src/domain/events/record.ts";
import { EventDispatcher, type EventHandler, type RecordedEvent } from "../src/domain/events/dispatcher.ts";
import { LocalDispatcher } from "../src/domain/events/local.ts";
import type { EventRef, StoredEvent } from "../src/domain/events/types.ts";
import { until } from "./helpers/until.ts";

let testDb: TestDb;
let ws: string;
const db = () => testDb.db.prisma;
const author = () => ({ workspaceId: ws, memberId: null, name: "Test", platform: "console" });

beforeAll(async () => {
  testDb = await createTestDb();
  ws = (await db().workspace.create({ data: { name: "Local Events Co" } })).id;
});
afterAll(async () => {
  await testDb.drop();
});

/** An EventLog whose hand-over is captured: what the dispatcher would receive right after commit. */
function capturing() {
  const handed: RecordedEvent[] = [];
  const nudged: EventRef[] = [];
  const nudge: EventNudge = { dispatch: async (refs) => void nudged.push(...refs) };
  const log = new EventLog(db(), nudge);
  log.dispatchHere({ accept: (events) => (handed.push(...events), true) });
  return { log, handed, nudged };
}

const created = (log: EventLog, recordId: string) =>
  log.transaction((tx) => recordEvent(tx, author(), { type: "contact.created", recordKind: "contact", recordId, data: {} }));
const changed = (log: EventLog, recordId: string) =>
  log.transaction((tx) =>
    recordEvent(tx, author(), { type: "contact.changed", recordKind: "contact", recordId, data: { fields: ["tags"] } }),
  );

function counting(
  name: string,
  handles: EventHandler["handles"],
  run: (e: StoredEvent, n: number, tx: Parameters<EventHandler["run"]>[1]) => Promise<void> = async () => {},
) {
  const runs: string[] = [];
  const h: EventHandler = {
    name,
    handles,
    async run(e, tx) {
      runs.push(e.id);
      await run(e, runs.length, tx);
    },
  };
  return { h, runs };
}

/** A dispatcher whose own-statement claims (those of `outside` handlers) are counted. */
function countingClaims(handlers: EventHandler[]) {
  const counted = { statements: 0 };
  const rawSql = {
    $queryRaw: ((...args: Parameters<ReturnType<typeof db>["$queryRaw"]>) => {
      counted.statements++;
      return db().$queryRaw(...args);
    }) as ReturnType<typeof db>["$queryRaw"],
  };
  return { d: new EventDispatcher(db(), handlers, undefined, rawSql), counted };
}
const outside = (name: string, runs: string[]): EventHandler => ({
  name,
  handles: ["contact.changed", "contact.created"],
  outside: true,
  run: async (e) => void runs.push(e.id),
});

const row = (id: string) => db().domainEvent.findUniqueOrThrow({ where: { id } });
const handledBy = async (id: string) => (await db().domainEventHandled.findMany({ where: { eventId: id } })).map((h) => h.handler).sort();

describe("dispatching events as recorded", () => {
  it("the event handed over after commit is the stored one: same id, type, record, actor, data and order", async () => {
    const { log, handed, nudged } = capturing();
    const id = await changed(log, "l-1");
    expect(nudged).toEqual([]);
    expect(handed).toHaveLength(1);
    const stored = await row(id);
    expect(handed[0]).toMatchObject({
      id,
      seq: stored.seq,
      workspaceId: ws,
      type: "contact.changed",
      recordKind: "contact",
      recordId: "l-1",
      actor: { memberId: null, name: "Test", platform: "console" },
      data: { fields: ["tags"] },
      createdAt: stored.createdAt,
    });
  });

  it("runs each handler once, marks the event dispatched with its last handler, and a second dispatch of either kind runs nothing", async () => {
    const { log, handed } = capturing();
    const id = await created(log, "l-2");
    const a = counting("a", ["contact.created"]);
    const b = counting("b", ["contact.created"]);
    const d = log.dispatcher([a.h, b.h]);
    expect(await d.dispatchRecorded(handed[0])).toBe("dispatched");
    expect((await row(id)).dispatchedAt).not.toBeNull();
    expect(await handledBy(id)).toEqual(["a", "b"]);
    await d.dispatchRecorded(handed[0]);
    expect(await d.dispatch(ws, id)).toBe("already");
    expect([a.runs, b.runs]).toEqual([[id], [id]]);
  });

  it("dispatched as recorded and from the queue at the same time, a handler runs once", async () => {
    const { log, handed } = capturing();
    const id = await created(log, "l-3");
    const slow = counting("slow", ["contact.created"], () => new Promise((r) => setTimeout(r, 300)));
    const [x, y] = [log.dispatcher([slow.h]), log.dispatcher([slow.h])];
    await Promise.all([x.dispatchRecorded(handed[0]), y.dispatch(ws, id), y.dispatchRecorded(handed[0])]);
    expect(slow.runs).toEqual([id]);
    expect((await row(id)).dispatchedAt).not.toBeNull();
  });

  it("an earlier undispatched event of the same record goes first", async () => {
    const { log, handed } = capturing();
    const first = await created(log, "l-4");
    const second = await changed(log, "l-4");
    const seen = counting("seen", ["contact.created", "contact.changed"]);
    await log.dispatcher([seen.h]).dispatchRecorded(handed[1]);
    expect(seen.runs).toEqual([first, second]);
    expect((await row(first)).dispatchedAt).not.toBeNull();
  });

  it("a failing handler leaves the event undispatched with its attempt counted; the next dispatch runs only it", async () => {
    const { log, handed } = capturing();
    const id = await created(log, "l-5");
    const fine = counting("fine", ["contact.created"]);
    const flaky = counting("flaky", ["contact.created"], async (_e, n) => {
      if (n === 1) throw new Error("platform down");
    });
    const d = log.dispatcher([fine.h, flaky.h]);
    await expect(d.dispatchRecorded(handed[0])).rejects.toThrow("platform down");
    expect(await row(id)).toMatchObject({ dispatchedAt: null, attempts: 1, lastError: "platform down" });
    expect(await handledBy(id)).toEqual(["fine"]);
    expect(await d.dispatchRecorded(handed[0])).toBe("dispatched");
    expect([fine.runs.length, flaky.runs.length]).toEqual([1, 2]);
    expect((await row(id)).dispatchedAt).not.toBeNull();
  });

  it("an event no handler reacts to is marked dispatched at once", async () => {
    const { log, handed } = capturing();
    const id = await changed(log, "l-6");
    const other = counting("other", ["contact.created"]);
    await log.dispatcher([other.h]).dispatchRecorded(handed[0]);
    expect(other.runs).toEqual([]);
    expect((await row(id)).dispatchedAt).not.toBeNull();
    expect(await handledBy(id)).toEqual([]);
  });
});

describe("dispatching several events as recorded at once", () => {
  it("one-handler events share a transaction: each runs once, a record's earlier event first, and all are marked", async () => {
    const { log, handed } = capturing();
    const a = await created(log, "b-1");
    const b = await created(log, "b-2");
    const a2 = await changed(log, "b-1"); // behind a, in the same batch
    const other = await changed(log, "b-3");
    const order: string[] = [];
    const txs = new Set<unknown>();
    const seen = counting("seen", ["contact.created"], async (e, _n, tx) => void (order.push(e.id), txs.add(tx)));
    const also = counting("also", ["contact.changed"], async (e) => void order.push(e.id));
    const d = log.dispatcher([seen.h, also.h]);
    await d.dispatchRecordedMany(handed);
    expect(seen.runs).toEqual([a, b]);
    expect(txs.size).toBe(1);
    expect([...also.runs].sort()).toEqual([a2, other].sort());
    expect(order.indexOf(a)).toBeLessThan(order.indexOf(a2));
    for (const id of [a, b, a2, other]) expect((await row(id)).dispatchedAt).not.toBeNull();
    await d.dispatchRecordedMany(handed);
    expect([seen.runs.length, also.runs.length]).toEqual([2, 2]);
  });

  it("when one handler fails, the others are still dispatched and only the failing event stays to retry", async () => {
    const { log, handed } = capturing();
    const ok = await created(log, "b-4");
    const bad = await created(log, "b-5");
    const picky = counting("picky", ["contact.created"], async (e) => {
      if (e.recordId === "b-5") throw new Error("platform down");
    });
    await log.dispatcher([picky.h]).dispatchRecordedMany(handed);
    expect((await row(ok)).dispatchedAt).not.toBeNull();
    expect(await row(bad)).toMatchObject({ dispatchedAt: null, attempts: 1, lastError: "platform down" });
    expect(await handledBy(ok)).toEqual(["picky"]);
    expect(await handledBy(bad)).toEqual([]);
  });

  it("a handler already claimed by another dispatcher is not run again in a batch", async () => {
    const { log, handed } = capturing();
    const first = await created(log, "b-6");
    const second = await created(log, "b-7");
    const seen = counting("seen", ["contact.created"]);
    const d = log.dispatcher([seen.h]);
    await d.dispatch(ws, first);
    await d.dispatchRecordedMany(handed);
    expect(seen.runs).toEqual([first, second]);
  });
});

describe("claims of a burst", () => {
  it("a record's events handed over together, even out of order, are claimed in one statement and run in commit order", async () => {
    const { log, handed } = capturing();
    const ids = [await created(log, "q-1"), await changed(log, "q-1"), await changed(log, "q-1")];
    const runs: string[] = [];
    const { d, counted } = countingClaims([outside("rescore-like", runs)]);
    await d.dispatchRecordedMany([...handed].reverse());
    expect(runs).toEqual(ids);
    expect(counted.statements).toBe(1);
    for (const id of ids) expect(await handledBy(id)).toEqual(["rescore-like"]);
    for (const id of ids) expect((await row(id)).dispatchedAt).not.toBeNull();
  });

  it("an earlier event of the record outside the batch still holds the batch back until it is dispatched first", async () => {
    const { log, handed } = capturing();
    const first = await created(log, "q-2");
    const later = [await changed(log, "q-2"), await changed(log, "q-2")];
    const runs: string[] = [];
    const { d } = countingClaims([outside("rescore-like", runs)]);
    await d.dispatchRecordedMany(handed.slice(1));
    // the batch claimed nothing; each went alone, through dispatch(), which ran the earlier event first
    expect(runs.indexOf(first)).toBeGreaterThanOrEqual(0);
    expect(runs.indexOf(first)).toBeLessThan(runs.lastIndexOf(later[0]));
    for (const id of [first, ...later]) expect(await handledBy(id)).toEqual(["rescore-like"]);
  });
});

describe("LocalDispatcher", () => {
  it("with a linger, events committed one after another within it are claimed in one statement", async () => {
    const runs: string[] = [];
    const { d, counted } = countingClaims([outside("lingering", runs)]);
    const log = new EventLog(db(), { dispatch: async () => {} });
    log.dispatchHere(new LocalDispatcher(d, { lanes: 2, max: 100, batch: 25, linger: 200 }));
    const ids = [await created(log, "r-1"), await created(log, "r-2"), await created(log, "r-3")];
    await until("the three dispatched", async () => runs.length === 3 && (await row(ids[2])).dispatchedAt);
    expect(runs).toEqual(ids);
    expect(counted.statements).toBe(1);
  });

  it("dispatches what this process commits without a nudge; a rolled-back change hands over nothing", async () => {
    const nudged: EventRef[] = [];
    const log = new EventLog(db(), { dispatch: async (refs) => void nudged.push(...refs) });
    const seen = counting("seen", ["contact.created"]);
    const local = new LocalDispatcher(log.dispatcher([seen.h]), { lanes: 2, max: 100 });
    log.dispatchHere(local);
    const ids = await Promise.all(["m-1", "m-2", "m-3"].map((r) => created(log, r)));
    await expect(
      log.transaction(async (tx) => {
        await recordEvent(tx, author(), { type: "contact.created", recordKind: "contact", recordId: "m-4", data: {} });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    await until(
      "the three dispatched",
      async () => (await db().domainEvent.count({ where: { id: { in: ids }, dispatchedAt: { not: null } } })) === 3,
    );
    expect(seen.runs.sort()).toEqual([...ids].sort());
    expect(nudged).toEqual([]);
    expect(ids.some((id) => local.has(id))).toBe(false);
  });

  it("with its hands full, or stopped, it declines and the events are nudged to the queue", async () => {
    const nudged: EventRef[] = [];
    const log = new EventLog(db(), { dispatch: async (refs) => void nudged.push(...refs) });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held = counting("held", ["contact.created"], () => gate);
    const local = new LocalDispatcher(log.dispatcher([held.h]), { lanes: 1, max: 1 });
    log.dispatchHere(local);
    const kept = await created(log, "n-1");
    const overflow = await created(log, "n-2");
    expect(nudged.map((e) => e.id)).toEqual([overflow]);
    expect(local.has(kept)).toBe(true);
    release();
    await until("the kept one dispatched", async () => (await row(kept)).dispatchedAt);
    local.stop();
    const after = await created(log, "n-3");
    expect(nudged.map((e) => e.id)).toEqual([overflow, after]);
  });
});
