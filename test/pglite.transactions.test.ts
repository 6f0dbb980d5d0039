// The embedded database (PGlite, the default of `npm start`) is one session. A statement made through the
// client inside a transaction's callback — a domain-event handler reading through the services while it runs in
// its claim's transaction — used to wait for that same transaction until its timeout (30 s per event, seen on a
// fresh `npm start`). It now joins the open transaction; other requests still wait their turn.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.ts";
import type { ConsoleSession } from "./helpers/console.ts";
import { startPgliteApp, type PgliteApp } from "./helpers/pgliteApp.ts";

let running: PgliteApp;
let app: App;
let c: ConsoleSession;

beforeAll(async () => {
  running = await startPgliteApp("pglite-tx");
  ({ app, session: c } = running);
}, 120_000);
afterAll(async () => {
  await running?.close();
});

describe("PGlite: statements inside a transaction's callback", () => {
  it("a read through the client inside a transaction answers at once instead of waiting out the timeout", async () => {
    const db = app.db.prisma;
    const t0 = Date.now();
    const n = await db.$transaction(
      async (tx) => {
        await tx.workspace.count();
        return db.workspace.count(); // the client itself, not tx
      },
      { timeout: 5_000 },
    );
    expect(n).toBeGreaterThanOrEqual(1);
    expect(Date.now() - t0).toBeLessThan(4_000);
  });

  it("a write through the client inside a transaction is part of it: rolled back with it", async () => {
    const db = app.db.prisma;
    const before = await db.workspace.count();
    await expect(
      db.$transaction(async () => {
        await db.workspace.create({ data: { name: "Rolled Back Co" } });
        await db.$transaction(async (inner) => inner.workspace.count()); // nested: the same transaction
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await db.workspace.count()).toBe(before);
  });

  it("a statement of another request waits for the transaction and then runs outside it", async () => {
    const db = app.db.prisma;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const tx = db.$transaction(async (t) => {
      await t.workspace.create({ data: { name: "Inside Co" } });
      await held;
    });
    await new Promise((r) => setTimeout(r, 50));
    const outside = db.workspace.count({ where: { name: "Inside Co" } }); // a separate call chain
    release();
    await tx;
    expect(await outside).toBe(1); // ran after the commit, so it sees the row
  });

  it("commands' domain events are handled within seconds on PGlite (deal, ticket, contact)", async () => {
    for (const cmd of [
      'contact add "Pat Lee" email:pat@example.com',
      'deal new "Renewal" 1200 contact:C-1',
      'ticket new "Printer on fire" contact:C-1',
    ])
      expect((await c.run(cmd)).kind).not.toBe("error");
    const deadline = Date.now() + 10_000;
    let pending = -1;
    while (Date.now() < deadline) {
      pending = await app.db.prisma.domainEvent.count({ where: { workspaceId: c.workspaceId, dispatchedAt: null } });
      if (pending === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(pending).toBe(0);
    const failed = await app.db.prisma.domainEvent.count({ where: { workspaceId: c.workspaceId, attempts: { gt: 0 } } });
    expect(failed).toBe(0);
  }, 30_000);
});
