import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextNumber, parseKey, formatKey } from "../src/db/keys.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.drop();
});

describe("human keys", () => {
  it("parse and format", () => {
    expect(parseKey("d-7")).toEqual({ kind: "deal", number: 7 });
    expect(parseKey("T42")).toEqual({ kind: "ticket", number: 42 });
    expect(parseKey("X-1")).toBeNull();
    expect(formatKey("company", 3)).toBe("A-3");
  });

  it("50 parallel inserts in one workspace get 1..50 with no gaps or repeats; another workspace starts at 1", async () => {
    const p = t.db.prisma;
    const [w1, w2] = await Promise.all([p.workspace.create({ data: { name: "one" } }), p.workspace.create({ data: { name: "two" } })]);
    const insert = (workspaceId: string, i: number) =>
      p.$transaction(async (tx) => {
        const number = await nextNumber(tx, workspaceId, "contact");
        return tx.contact.create({ data: { workspaceId, number, name: `c${i}` } });
      });
    const rows = await Promise.all(Array.from({ length: 50 }, (_, i) => insert(w1.id, i)));
    expect(rows.map((r) => r.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await insert(w2.id, 0)).number).toBe(1);
  });

  it("a rolled-back insert gives its number back", async () => {
    const p = t.db.prisma;
    const w = await p.workspace.create({ data: { name: "three" } });
    let taken = 0;
    const rolledBack = await p
      .$transaction(async (tx) => {
        taken = await nextNumber(tx, w.id, "deal");
        throw new Error("roll back");
      })
      .then(
        () => false,
        () => true,
      );
    expect(rolledBack).toBe(true);
    expect(taken).toBe(1);
    // the counter the rolled-back transaction moved is where it was, so the number is handed out again
    expect(await p.keyCounter.count({ where: { workspaceId: w.id, kind: "deal" } })).toBe(0);
    const n = await p.$transaction((tx) => nextNumber(tx, w.id, "deal"));
    expect(n).toBe(1);
  });
});
