// EventDispatcher on a real database: each handler runs once per event however often and however
// concurrently the event is dispatched; a handler that fails rolls back its own writes and its claim and
// runs again on the next dispatch, without the handlers that had finished; earlier events of a record go first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { EventLog, recordEvent } from "../src/domain/events/record.ts";
import { MAX_ATTEMPTS, toStored, type EventHandler } from "../src/domain/events/dispatcher.ts";
import type { StoredEvent } from "../src/domain/events/types.ts";

let testDb: TestDb;
let ws: string;
let log: EventLog;
const db = () => testDb.db.prisma;
const author = () => ({ workspaceId: ws, memberId: null, name: "Test", platform: "console" });

beforeAll(async () => {
  testDb = await createTestDb();
  ws = (await db().workspace.create({ data: { name: "Events Co" } })).id;
  log = new EventLog(db());
});
afterAll(async () => {
  await testDb.drop();
});

const record = (recordId: string, type: "contact.created" | "contact.changed" = "contact.created") =>
  log.transaction((tx) =>
    recordEvent(
      tx,
      author(),
      type === "contact.created"
        ? { type, recordKind: "contact", recordId, data: {} }
        : { type, recordKind: "contact", recordId, data: { fields: ["tags"] } },
    ),
  );

function counting(
  name: string,
  run: (e: StoredEvent, n: number, tx: Parameters<EventHandler["run"]>[1]) => Promise<void> = async () => {},
) {
  const runs: string[] = [];
  const h: EventHandler = {
    name,
    handles: ["contact.created", "contact.changed"],
    async run(e, tx) {
      runs.push(e.id);
      await run(e, runs.length, tx);
    },
  };
  return { h, runs };
}

/** The test database's client, counting the transactions opened through it. */
function countingTransactions() {
  let n = 0;
  const counted = new Proxy(db(), {
    get(target, p) {
      const v = Reflect.get(target, p);
      if (p === "$transaction") n++;
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { counted, transactions: () => n };
}

describe("EventDispatcher", () => {
  it("a failing handler rolls back its writes and its claim; the next dispatch runs only it, and the event is dispatched once all are done", async () => {
    const id = await record("c-1");
    const first = counting("first");
    const flaky = counting("flaky", async (e, n, tx) => {
      await tx.notification.create({ data: { workspaceId: e.workspaceId, dedupeKey: `flaky:${e.id}` } });
      if (n === 1) throw new Error("platform down");
    });
    const d = log.dispatcher([first.h, flaky.h]);

    await expect(d.dispatch(ws, id)).rejects.toThrow("platform down");
    expect(await db().domainEvent.findUniqueOrThrow({ where: { id } })).toMatchObject({
      dispatchedAt: null,
      attempts: 1,
      lastError: "platform down",
    });
    expect((await db().domainEventHandled.findMany({ where: { eventId: id } })).map((h) => h.handler)).toEqual(["first"]);
    expect(await db().notification.count({ where: { dedupeKey: `flaky:${id}` } })).toBe(0);

    expect(await d.dispatch(ws, id)).toBe("dispatched");
    expect(first.runs).toHaveLength(1);
    expect(flaky.runs).toHaveLength(2);
    expect(await db().notification.count({ where: { dedupeKey: `flaky:${id}` } })).toBe(1);
    expect((await db().domainEvent.findUniqueOrThrow({ where: { id } })).dispatchedAt).not.toBeNull();
    expect(await d.dispatch(ws, id)).toBe("already");
    expect(await d.dispatch("another-workspace", id)).toBe("missing");
  });

  it("events dispatched together: all their handlers are claimed in one transaction, each runs once, also when one fails the batch", async () => {
    const writing = (name: string, failFirst = false) =>
      counting(name, async (e, n, tx) => {
        await tx.notification.create({ data: { workspaceId: e.workspaceId, dedupeKey: `${name}:${e.id}` } });
        if (failFirst && n === 1) throw new Error("down once");
      });
    const stored = async (ids: string[]) =>
      (await db().domainEvent.findMany({ where: { id: { in: ids } }, orderBy: { seq: "asc" } })).map(toStored);
    const writes = (name: string, ids: string[]) =>
      db().notification.count({ where: { dedupeKey: { in: ids.map((id) => `${name}:${id}`) } } });

    const ids = [await record("c-20"), await record("c-21"), await record("c-22")];
    const [a, b] = [writing("a"), writing("b")];
    await log.dispatcher([a.h, b.h]).dispatchRecordedMany(await stored(ids));
    expect([await writes("a", ids), await writes("b", ids)]).toEqual([3, 3]);
    const handled = await db().domainEventHandled.findMany({ where: { eventId: { in: ids } } });
    expect(handled).toHaveLength(6);
    // claimed in one transaction (now() is its start): not one transaction per handler and event
    expect(new Set(handled.map((h) => h.doneAt.getTime())).size).toBe(1);
    expect(await db().domainEvent.count({ where: { id: { in: ids }, dispatchedAt: null } })).toBe(0);

    // the second handler fails the batch's transaction once: each event then goes alone, and nothing is done twice
    const more = [await record("c-23"), await record("c-24")];
    const [ok, flaky] = [writing("ok"), writing("flaky", true)];
    await log.dispatcher([ok.h, flaky.h]).dispatchRecordedMany(await stored(more));
    expect([await writes("ok", more), await writes("flaky", more)]).toEqual([2, 2]);
    expect(await db().domainEvent.count({ where: { id: { in: more }, dispatchedAt: null } })).toBe(0);
  });

  it("a handler whose effect is outside the database runs before its claim, which is one statement with no transaction; one that fails leaves its event unclaimed for the rerun", async () => {
    const { counted, transactions } = countingTransactions();
    const effects: string[] = [];
    let down = true;
    const recompute: EventHandler = {
      name: "recompute",
      handles: ["contact.created"],
      outside: true,
      async run(e) {
        effects.push(e.id);
        if (down) {
          down = false;
          throw new Error("redis down");
        }
      },
    };
    // as the app builds it: claims made outside a transaction go to the pool's prepared statements
    const d = new EventLog(counted, undefined, undefined, testDb.db.rawSql).dispatcher([recompute]);
    const handlers = async (id: string) => (await db().domainEventHandled.findMany({ where: { eventId: id } })).map((h) => h.handler);

    const id = await record("c-30");
    await expect(d.dispatch(ws, id)).rejects.toThrow("redis down");
    expect(await handlers(id)).toEqual([]);
    expect(await db().domainEvent.findUniqueOrThrow({ where: { id } })).toMatchObject({ dispatchedAt: null, attempts: 1 });
    expect(await d.dispatch(ws, id)).toBe("dispatched");
    expect(await handlers(id)).toEqual(["recompute"]);
    expect(await d.dispatch(ws, id)).toBe("already");
    expect(effects).toEqual([id, id]);

    // several at once: every effect, then one claim statement for all of them
    const ids = [await record("c-31"), await record("c-32")];
    const rows = await db().domainEvent.findMany({ where: { id: { in: ids } }, orderBy: { seq: "asc" } });
    await d.dispatchRecordedMany(rows.map(toStored));
    expect(effects.slice(2)).toEqual(ids);
    expect(await db().domainEventHandled.count({ where: { eventId: { in: ids }, handler: "recompute" } })).toBe(2);
    expect(await db().domainEvent.count({ where: { id: { in: ids }, dispatchedAt: null } })).toBe(0);
    expect(transactions()).toBe(0);
  });

  it("beside a handler that writes in its transaction, an outside handler of the same event takes no transaction of its own", async () => {
    const { counted, transactions } = countingTransactions();
    const writes = counting("writes", async (e, _n, tx) => {
      await tx.notification.create({ data: { workspaceId: e.workspaceId, dedupeKey: `writes:${e.id}` } });
    });
    const asked: string[] = [];
    const recompute: EventHandler = {
      name: "recompute-2",
      handles: ["contact.created"],
      outside: true,
      run: async (e) => void asked.push(e.id),
    };
    const id = await record("c-40");
    expect(await new EventLog(counted, undefined, undefined, testDb.db.rawSql).dispatcher([writes.h, recompute]).dispatch(ws, id)).toBe(
      "dispatched",
    );
    expect([writes.runs, asked, transactions()]).toEqual([[id], [id], 1]);
    expect((await db().domainEventHandled.findMany({ where: { eventId: id } })).map((h) => h.handler).sort()).toEqual([
      "recompute-2",
      "writes",
    ]);
    expect((await db().domainEvent.findUniqueOrThrow({ where: { id } })).dispatchedAt).not.toBeNull();
  });

  it("two dispatchers at once run each handler once", async () => {
    const id = await record("c-2");
    const slow = counting("slow", () => new Promise((r) => setTimeout(r, 300)));
    const [a, b] = [log.dispatcher([slow.h]), log.dispatcher([slow.h])];
    await Promise.all([a.dispatch(ws, id), b.dispatch(ws, id), a.dispatch(ws, id)]);
    expect(slow.runs).toEqual([id]);
  });

  it("earlier undispatched events of the same record are handled first", async () => {
    const e1 = await record("c-3");
    const e2 = await record("c-3", "contact.changed");
    const other = await record("c-4");
    const seen = counting("seen");
    await log.dispatcher([seen.h]).dispatch(ws, e2);
    expect(seen.runs).toEqual([e1, e2]);
    expect((await db().domainEvent.findUniqueOrThrow({ where: { id: other } })).dispatchedAt).toBeNull();
  });

  it("the sweep lists undispatched events older than its cut-off, until they have failed too often", async () => {
    const id = await record("c-5");
    const d = log.dispatcher([]);
    const later = new Date(Date.now() + 60_000);
    expect((await d.undispatched(later)).map((e) => e.id)).toContain(id);
    expect((await d.undispatched(new Date(Date.now() - 60_000))).map((e) => e.id)).not.toContain(id);
    await db().domainEvent.update({ where: { id }, data: { attempts: MAX_ATTEMPTS } });
    expect((await d.undispatched(later)).map((e) => e.id)).not.toContain(id);
  });

  it("an event rolled back with its change never existed", async () => {
    const before = await db().domainEvent.count({ where: { workspaceId: ws } });
    await expect(
      log.transaction(async (tx) => {
        await recordEvent(tx, author(), { type: "contact.created", recordKind: "contact", recordId: "c-6", data: {} });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await db().domainEvent.count({ where: { workspaceId: ws } })).toBe(before);
  });
});
