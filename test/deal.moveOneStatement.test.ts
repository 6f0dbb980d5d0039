// `/crm deal move` (and won, lost) writes its stage change in one SQL statement on the pool
// (src/domain/deals/moveOneStatement.ts) instead of a Prisma transaction of four statements. It must write
// exactly what the Prisma path writes: the deal's new stage and times, the DealStageChange row, the audit row
// and the deal.moved / won / lost event. Each case makes the same move through both paths (services with and
// without the pool's raw SQL) on two deals alike and compares what is stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { createServices, type Services } from "../src/domain/services.ts";
import type { Actor } from "../src/domain/actor.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";
import { moveInOneStatement } from "../src/domain/deals/moveOneStatement.ts";
import { AlreadyRunError } from "../src/errors.ts";

let t: TestDb;
let db: PrismaClient;
let viaPrisma: Services;
let viaRaw: Services;
let actor: Actor;
let agent: Actor;

beforeAll(async () => {
  t = await createTestDb();
  db = t.db.prisma;
  viaPrisma = createServices(db);
  viaRaw = createServices(db, { rawSql: t.db.rawSql });
  const { workspace, admin } = await viaPrisma.workspaces.create("Move Co", "Mo Admin");
  actor = { workspaceId: workspace.id, memberId: admin.id, name: admin.name, role: "admin", platform: "slack" };
  const other = await db.member.create({ data: { workspaceId: workspace.id, name: "Ann Agent", role: "agent", slackUserId: "UAGENT" } });
  agent = { workspaceId: workspace.id, memberId: other.id, name: other.name, role: "agent", platform: "slack" };
  await viaPrisma.contacts.add(actor, { name: "Ana Lopez", email: "ana@acme.example" });
}, 60_000);
afterAll(async () => {
  await t.drop();
});

const newDeal = async (title: string) =>
  (await viaPrisma.deals.create(actor, { title, contact: "C-1", amount: { amount: "1000", currency: "USD" } })).number;

/** What a move stored on deal `number`, without the ids and times that differ between two deals. */
async function stored(number: number) {
  const deal = await db.deal.findFirstOrThrow({ where: { workspaceId: actor.workspaceId, number } });
  const change = await db.dealStageChange.findFirstOrThrow({ where: { dealId: deal.id }, orderBy: { at: "desc" } });
  const audit = await db.auditLog.findFirstOrThrow({ where: { entity: "deal", entityId: deal.id }, orderBy: { at: "desc" } });
  const event = await db.domainEvent.findFirstOrThrow({ where: { recordKind: "deal", recordId: deal.id }, orderBy: { seq: "desc" } });
  return {
    deal: { stageId: deal.stageId, closed: deal.closedAt !== null, lostReason: deal.lostReason },
    change: { from: change.fromStageId, to: change.toStageId, actorId: change.actorId },
    audit: { action: audit.action, actorId: audit.actorId, before: audit.before, after: audit.after },
    event: { type: event.type, actorId: event.actorId, data: event.data, attempts: event.attempts },
    times: [deal.stageEnteredAt, deal.updatedAt, change.at, audit.at, event.createdAt],
  };
}

describe("a deal move written in one statement", () => {
  const cases: [string, (s: Services, n: number) => Promise<unknown>][] = [
    ["deal move", (s, n) => s.deals.move(actor, `D-${n}`, "proposal")],
    ["deal won", (s, n) => s.deals.won(actor, `D-${n}`)],
    ["deal lost with a reason", (s, n) => s.deals.lost(actor, `D-${n}`, "went with a rival")],
  ];
  for (const [name, move] of cases) {
    it(`${name}: the same deal, stage change, audit row and event as through Prisma`, async () => {
      const [a, b] = [await newDeal(`${name} A`), await newDeal(`${name} B`)];
      await move(viaPrisma, a);
      const answer = await move(viaRaw, b);
      const [x, y] = [await stored(a), await stored(b)];
      expect({ ...y, times: null }).toEqual({ ...x, times: null });
      // the answer shows the deal as stored, and every time is now, in UTC, as Prisma writes it
      expect((answer as { deal: { stageId: string } }).deal.stageId).toBe(y.deal.stageId);
      for (const at of y.times) expect(Math.abs(at.getTime() - Date.now())).toBeLessThan(60_000);
      expect(new Set(y.times.map((d) => d.getTime())).size).toBe(1);
    });
  }

  it("a command's claim is taken in the same statement: a second run of the invocation moves nothing and says it already ran", async () => {
    const n = await newDeal("claimed");
    const changes = async () => db.dealStageChange.count({ where: { deal: { number: n, workspaceId: actor.workspaceId } } });
    const claim = { source: "slack" as const, key: `run:move-${Date.now()}` };
    await viaRaw.deals.move(actor, `D-${n}`, "proposal", undefined, "move", claim);
    // the deal was moved back by someone else meanwhile: the rerun must still not move it again
    await viaRaw.deals.move(actor, `D-${n}`, "qualified");
    await expect(viaRaw.deals.move(actor, `D-${n}`, "proposal", undefined, "move", claim)).rejects.toBeInstanceOf(AlreadyRunError);
    expect((await stored(n)).deal.stageId).toBe(
      (await db.stage.findFirstOrThrow({ where: { workspaceId: actor.workspaceId, name: "qualified" } })).id,
    );
    expect(await changes()).toBe(3); // created, Proposal, Qualified
    // the runner's own claim of the same key would have found it taken
    expect(await viaRaw.processedEvents.claim(actor.workspaceId, "slack", claim.key)).toBe(false);
    // through Prisma: claimed once too
    const other = { source: "discord" as const, key: `run:prisma-${Date.now()}` };
    await viaPrisma.deals.move(actor, `D-${n}`, "proposal", undefined, "move", other);
    await expect(viaPrisma.deals.move(actor, `D-${n}`, "negotiation", undefined, "move", other)).rejects.toBeInstanceOf(AlreadyRunError);
    expect(await changes()).toBe(4);
  });

  it("a deal moved by someone else between the read and the write: nothing is written, and the user is told to try again", async () => {
    const n = await newDeal("raced");
    const deal = await db.deal.findFirstOrThrow({ where: { workspaceId: actor.workspaceId, number: n }, include: { stage: true } });
    const [proposal, negotiation] = await Promise.all(
      ["proposal", "negotiation"].map((name) => db.stage.findFirstOrThrow({ where: { workspaceId: actor.workspaceId, name } })),
    );
    await viaRaw.deals.move(actor, `D-${n}`, "proposal");
    const counts = async () => ({
      changes: await db.dealStageChange.count(),
      audits: await db.auditLog.count(),
      events: await db.domainEvent.count(),
    });
    const before = await counts();
    // the stale read: the deal as it was before that move
    expect(await moveInOneStatement(t.db.rawSql, actor, deal, negotiation, {}, new Date())).toBe("changed");
    expect(await counts()).toEqual(before);
    expect((await stored(n)).deal.stageId).toBe(proposal.id);
  });

  it("who may move a deal and whether it is live are checked before anything is written or claimed", async () => {
    const n = await newDeal("not yours");
    const claim = { source: "slack" as const, key: `run:denied-${Date.now()}` };
    await expect(viaRaw.deals.move(agent, `D-${n}`, "proposal", undefined, "move", claim)).rejects.toThrow(/move deals/);
    await expect(viaRaw.deals.move(actor, `D-${n}`, "lead", undefined, "move", claim)).rejects.toThrow(`D-${n} is already in lead.`);
    expect(await viaRaw.processedEvents.claim(actor.workspaceId, "slack", claim.key)).toBe(true);
  });
});
