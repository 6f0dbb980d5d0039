// A resolved ticket the customer comes back about: `ticket reopen` puts it back in the queue with a
// fresh resolution clock, says why on its timeline, and refuses what cannot be reopened without writing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";

let t: TestApp;
let c: ConsoleSession;
let db: PrismaClient;
let agent: string;
let viewer: string;

const ticket = (number: number) => db.ticket.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: c.workspaceId, number } } });
const writes = async () => ({
  audit: await db.auditLog.count({ where: { workspaceId: c.workspaceId } }),
  events: await db.ticketEvent.count({ where: { workspaceId: c.workspaceId } }),
  domain: await db.domainEvent.count({ where: { workspaceId: c.workspaceId } }),
});

beforeAll(async () => {
  t = await startTestApp();
  db = t.app.db.prisma;
  c = await consoleSession(t.url, "Reopen Desk");
  agent = await c.addMember("Ann Agent", "agent");
  viewer = await c.addMember("Vic Viewer", "viewer");
  expect((await c.run('ticket new "Login loop" priority:high')).kind).toBe("ok");
  expect((await c.run("ticket resolve T-1 cleared the cookie")).kind).toBe("ok");
});
afterAll(async () => {
  await t.stop();
});

describe("ticket reopen", () => {
  it("puts a resolved ticket back to open with a new resolution due time, on its timeline and in the audit log", async () => {
    const resolved = await ticket(1);
    expect(resolved.status).toBe("resolved");
    const before = Date.now();
    const r = await c.run("ticket reopen T-1 the loop is back");
    expect(r.kind).toBe("ok");
    expect(r.plain).toContain("↩️ Reopened T-1 Login loop. Resolution due");
    const open = await ticket(1);
    expect(open.status).toBe("open");
    expect(open.resolvedAt).toBeNull();
    // high priority: the workspace's policy gives it hours from now, not from when it was first opened
    expect(open.resolutionDueAt!.getTime()).toBeGreaterThan(before);
    expect(await db.domainEvent.count({ where: { workspaceId: c.workspaceId, type: "ticket.reopened" } })).toBe(1);
    const audit = await db.auditLog.findFirstOrThrow({ where: { workspaceId: c.workspaceId, action: "ticket.reopen" } });
    expect(audit.before).toMatchObject({ status: "resolved" });
    expect(audit.after).toMatchObject({ status: "open", reason: "the loop is back" });
    expect((await c.run("ticket show T-1")).plain).toMatch(/reopened by Ada Admin: the loop is back/);
  });

  it("a resolved ticket's card offers Reopen", async () => {
    expect((await c.run("ticket resolve T-1")).kind).toBe("ok");
    expect((await c.run("ticket show T-1")).plain).toContain("[Reopen](ticket reopen T-1)");
    expect((await c.run("ticket reopen T-1")).kind).toBe("ok");
  });

  it("an open ticket, a viewer and an unknown key are refused with a reason, and nothing is written", async () => {
    const was = await writes();
    const notResolved = await c.run("ticket reopen T-1");
    expect(notResolved.kind).toBe("error");
    expect(notResolved.plain).toContain("T-1 is open, not resolved: nothing to reopen.");
    const byViewer = await c.run("ticket reopen T-1", viewer);
    expect(byViewer.kind).toBe("error");
    expect(byViewer.plain).toMatch(/agents|viewer/i);
    expect((await c.run("ticket reopen T-99")).plain).toContain("T-99");
    expect((await c.run("ticket reopen")).plain).toContain("Usage: /crm ticket reopen <T-ref> [reason...]");
    expect(await writes()).toEqual(was);
    // an agent may reopen a ticket that is theirs or unassigned, like resolving it
    expect((await c.run("ticket resolve T-1", agent)).kind).toBe("ok");
    expect((await c.run("ticket reopen T-1", agent)).kind).toBe("ok");
  });
});
