// A rep logs calls, emails, meetings, notes and chats on contacts, companies, deals and tickets, and
// every related timeline shows them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextNumber } from "../src/db/keys.ts";
import type { Actor } from "../src/domain/actor.ts";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";

let t: TestApp;
let c: ConsoleSession;
let agentId: string;
const db = () => t.app.db.prisma;

const HOUR = 3600_000;

async function createDeal(title: string, contactKey: number, companyKey?: number) {
  const ws = c.workspaceId;
  const stage = await db().stage.findFirstOrThrow({ where: { workspaceId: ws, name: "lead", pipeline: { isDefault: true } } });
  const contact = await db().contact.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws, number: contactKey } } });
  const company = companyKey
    ? await db().company.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws, number: companyKey } } })
    : null;
  return db().$transaction(async (tx) =>
    tx.deal.create({
      data: {
        workspaceId: ws,
        number: await nextNumber(tx, ws, "deal"),
        title,
        amount: "12000.00",
        pipelineId: stage.pipelineId,
        stageId: stage.id,
        contactId: contact.id,
        companyId: company?.id,
      },
    }),
  );
}

async function createWaitingTicket(subject: string, requesterKey: number, waitingForMs: number) {
  const ws = c.workspaceId;
  const requester = await db().contact.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws, number: requesterKey } } });
  const now = Date.now();
  return db().$transaction(async (tx) =>
    tx.ticket.create({
      data: {
        workspaceId: ws,
        number: await nextNumber(tx, ws, "ticket"),
        subject,
        status: "waiting",
        priority: "high",
        requesterId: requester.id,
        createdAt: new Date(now - 2 * HOUR),
        firstResponseDueAt: new Date(now + 2 * HOUR),
        resolutionDueAt: new Date(now + 22 * HOUR),
        waitingSince: new Date(now - waitingForMs),
      },
    }),
  );
}

const counts = async () => ({
  interactions: await db().interaction.count({ where: { workspaceId: c.workspaceId } }),
  audit: await db().auditLog.count({ where: { workspaceId: c.workspaceId } }),
});

beforeAll(async () => {
  t = await startTestApp();
  c = await consoleSession(t.url);
  agentId = await c.addMember("Alex Agent", "agent");
  await c.run("contact add Ana Lopez email:ana@acme.com company:Acme tags:vip"); // C-1, A-1
  await c.run("contact add Bob Stone email:bob@globex.io company:Globex"); // C-2, A-2
  await c.run("contact add Cleo Park email:cleo@initech.dev"); // C-3, no company
});
afterAll(async () => {
  await t.stop();
});

describe("log", () => {
  it("logs every kind on a contact, by key and by email, and contact show lists them newest first", async () => {
    const call = await c.run("/crm log call C-1 Discussed renewal pricing", agentId);
    expect(call.kind).toBe("ok");
    expect(call.plain).toContain("📞 Logged call on C-1 Ana Lopez");
    expect(call.plain).toContain("[Timeline](contact show C-1)");
    for (const [kind, icon] of [
      ["email", "✉️"],
      ["meeting", "🤝"],
      ["note", "📝"],
      ["chat", "💬"],
    ] as const) {
      const r = await c.run(`log ${kind} ana@acme.com ${kind} about onboarding`, agentId);
      expect(r.kind).toBe("ok");
      expect(r.plain).toContain(`${icon} Logged ${kind} on C-1 Ana Lopez`);
    }
    const rows = await db().interaction.findMany({ where: { workspaceId: c.workspaceId }, include: { contact: true, company: true } });
    expect(rows.map((r) => r.kind).sort()).toEqual(["call", "chat", "email", "meeting", "note"]);
    // the contact's company is linked too, so the company timeline sees the entries
    expect(rows.every((r) => r.contact?.number === 1 && r.company?.number === 1 && r.source === "console")).toBe(true);

    const show = await c.run("contact show C-1");
    expect(show.plain).toContain("Timeline");
    expect(show.plain).toContain("Alex Agent: chat about onboarding");
    expect(show.plain.indexOf("chat about onboarding")).toBeLessThan(show.plain.indexOf("meeting about onboarding"));
    const contact = await db().contact.findFirstOrThrow({ where: { workspaceId: c.workspaceId, number: 1 } });
    expect(contact.lastInteractionAt).not.toBeNull();
    expect((await c.run("company show A-1")).plain).toContain("Discussed renewal pricing");
  });

  it("keeps a trailing-colon word as text and accepts a backdated when:", async () => {
    const r = await c.run("log note C-3 Note: call back after the board meeting when:yesterday");
    expect(r.kind).toBe("ok");
    expect(r.plain).toContain("📝 Logged note on C-3 Cleo Park");
    expect(r.plain).toMatch(/Dated \d{4}-\d{2}-\d{2}\./);
    const x = await db().interaction.findFirstOrThrow({ where: { workspaceId: c.workspaceId, contact: { number: 3 } } });
    expect(x.summary).toBe("Note: call back after the board meeting");
    expect(x.companyId).toBeNull();
    expect(x.occurredAt.getTime()).toBeLessThan(Date.now() - HOUR);
    // an older entry never moves "last interaction" backwards
    await c.run("log call C-3 Quick check-in");
    await c.run("log note C-3 Old note when:2026-01-05");
    const cleo = await db().contact.findFirstOrThrow({ where: { workspaceId: c.workspaceId, number: 3 } });
    expect(cleo.lastInteractionAt!.getTime()).toBeGreaterThan(Date.now() - HOUR);
  });

  it("logs on a company", async () => {
    const r = await c.run("log meeting A-2 Quarterly business review");
    expect(r.plain).toContain("🤝 Logged meeting on A-2 Globex");
    expect(r.plain).toContain("[Timeline](company show A-2)");
    const x = await db().interaction.findFirstOrThrow({ where: { workspaceId: c.workspaceId, summary: "Quarterly business review" } });
    expect(x.contactId).toBeNull();
    expect(x.dealId).toBeNull();
    expect((await c.run("company show Globex")).plain).toContain("Quarterly business review");
  });

  it("logs on a deal and links the deal's contact and company", async () => {
    const deal = await createDeal("Acme renewal", 2, 1);
    const r = await c.run(`log call D-${deal.number} Walked through the proposal`, agentId);
    expect(r.kind).toBe("ok");
    expect(r.plain).toContain(`📞 Logged call on D-${deal.number} Acme renewal`);
    expect(r.plain).toContain(`[Timeline](deal show D-${deal.number})`);
    const x = await db().interaction.findFirstOrThrow({
      where: { workspaceId: c.workspaceId, dealId: deal.id },
      include: { contact: true, company: true },
    });
    expect(x.contact?.number).toBe(2);
    expect(x.company?.number).toBe(1); // the deal's company wins over the contact's
    const bob = await db().contact.findFirstOrThrow({ where: { workspaceId: c.workspaceId, number: 2 } });
    expect(bob.lastInteractionAt).not.toBeNull();
    const actor: Actor = { workspaceId: c.workspaceId, memberId: c.adminId, name: "Ada Admin", role: "admin", platform: "console" };
    const timeline = await t.app.services.interactions.timeline(actor, { kind: "deal", id: deal.id }, 5);
    expect(timeline.map((y) => [y.summary, y.author?.name])).toEqual([["Walked through the proposal", "Alex Agent"]]);
    expect((await c.run("contact show C-2")).plain).toContain("Walked through the proposal");
  });

  it("logs on a waiting ticket: links the requester, records the first response and resumes the SLA clock", async () => {
    const before = await createWaitingTicket("Cannot log in", 2, HOUR);
    const r = await c.run(`log email T-${before.number} Sent reset instructions`, agentId);
    expect(r.kind).toBe("ok");
    expect(r.plain).toContain(`✉️ Logged email on T-${before.number} Cannot log in`);
    expect(r.plain).toContain(`[Timeline](ticket show T-${before.number})`);
    expect(r.plain).toContain("first response");
    expect(r.plain).toContain("SLA clock runs again");
    const after = await db().ticket.findUniqueOrThrow({ where: { id: before.id } });
    expect(after.status).toBe("open");
    expect(after.waitingSince).toBeNull();
    expect(after.firstResponseAt).not.toBeNull();
    const paused = Number(after.pausedMs);
    expect(paused).toBeGreaterThanOrEqual(HOUR);
    expect(paused).toBeLessThan(HOUR + 60_000);
    expect(after.firstResponseDueAt!.getTime() - before.firstResponseDueAt!.getTime()).toBe(paused);
    expect(after.resolutionDueAt!.getTime() - before.resolutionDueAt!.getTime()).toBe(paused);
    const x = await db().interaction.findFirstOrThrow({ where: { ticketId: before.id }, include: { contact: true, company: true } });
    expect(x.contact?.number).toBe(2);
    expect(x.company?.number).toBe(2);
    // a second entry is not a first response again
    const firstAt = after.firstResponseAt!.getTime();
    const again = await c.run(`log note T-${before.number} Customer confirmed`);
    expect(again.plain).not.toContain("first response");
    expect((await db().ticket.findUniqueOrThrow({ where: { id: before.id } })).firstResponseAt!.getTime()).toBe(firstAt);
  });

  it("bad input, unknown records and viewers write nothing", async () => {
    const viewer = await c.addMember("Vic Viewer", "viewer");
    const start = await counts();
    const badKind = await c.run("log fax C-1 Sent a fax");
    expect(badKind.kind).toBe("error");
    expect(badKind.plain).toContain('"fax" is not one of call, email, meeting, note, chat');
    expect(badKind.plain).toContain("Usage: /crm log <call|email|meeting|note|chat> <ref> <summary...>");
    const unknown = await c.run("log call D-99 Hello");
    expect(unknown.kind).toBe("error");
    expect(unknown.plain).toContain("No deal D-99 in this workspace.");
    expect((await c.run("log call nobody@nowhere.io Hello")).plain).toContain("No contact with email nobody@nowhere.io");
    expect((await c.run("log call Ana Hello")).plain).toContain('"Ana" is not a record');
    expect((await c.run("log call C-1")).plain).toContain("summary is missing");
    expect((await c.run('log call C-1 Future call when:"in 2 days"')).plain).toContain("is in the future");
    const denied = await c.run("log call C-1 Sneaky", viewer);
    expect(denied.kind).toBe("error");
    expect(denied.plain).toContain("Viewers can read");
    expect(await counts()).toEqual(start);
  });

  it("each log leaves one audit row", async () => {
    const start = await counts();
    await c.run("log chat C-2 Pinged on Slack about the contract");
    const end = await counts();
    expect(end.interactions - start.interactions).toBe(1);
    expect(end.audit - start.audit).toBe(1);
    const row = await db().auditLog.findFirstOrThrow({
      where: { workspaceId: c.workspaceId, action: "interaction.log" },
      orderBy: { at: "desc" },
    });
    expect(row.actorId).toBe(c.adminId);
  });
});
