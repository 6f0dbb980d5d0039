// `/crm log` on a contact, company or deal is written in one SQL statement on the pool
// (src/domain/interactions/oneStatement.ts) instead of Prisma's eight. It must write exactly what the
// Prisma path writes: the same interaction with the same links, the contact's last touch (never moved
// backwards), the same audit row and the same interaction.logged event. Each case logs the same entry
// through both paths (services with and without the pool's raw SQL) and compares what is stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { createServices, type Services } from "../src/domain/services.ts";
import type { Actor } from "../src/domain/actor.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";
import { logInOneStatement } from "../src/domain/interactions/oneStatement.ts";
import { AlreadyRunError } from "../src/errors.ts";

let t: TestDb;
let db: PrismaClient;
let viaPrisma: Services;
let viaRaw: Services;
let actor: Actor;

beforeAll(async () => {
  t = await createTestDb();
  db = t.db.prisma;
  viaPrisma = createServices(db);
  viaRaw = createServices(db, { rawSql: t.db.rawSql });
  const { workspace, admin } = await viaPrisma.workspaces.create("Log Co", "Lee Admin");
  actor = { workspaceId: workspace.id, memberId: admin.id, name: admin.name, role: "admin", platform: "slack" };
  const company = await viaPrisma.companies.add(actor, { name: "Acme" });
  await viaPrisma.contacts.add(actor, { name: "Ana Lopez", email: "ana@acme.example", company: `A-${company.number}` });
  // no company of its own: its company is its contact's, as logIn links it
  await viaPrisma.deals.create(actor, { title: "Big deal", contact: "C-1", amount: { amount: "1000", currency: "USD" } });
}, 60_000);
afterAll(async () => {
  await t.drop();
});

/** What a log stored, without the ids and times that differ between two entries. */
async function stored(interactionId: string) {
  const i = await db.interaction.findUniqueOrThrow({ where: { id: interactionId } });
  const a = await db.auditLog.findFirstOrThrow({ where: { entity: "interaction", entityId: interactionId } });
  const e = await db.domainEvent.findFirstOrThrow({ where: { recordKind: "interaction", recordId: interactionId } });
  const strip = (o: Record<string, unknown>) => {
    const { id: _id, createdAt: _c, occurredAt: _o, summary: _s, ...rest } = o;
    return rest;
  };
  return {
    interaction: strip(i as unknown as Record<string, unknown>),
    audit: { action: a.action, actorId: a.actorId, before: a.before, after: strip(a.after as Record<string, unknown>) },
    event: { type: e.type, actorId: e.actorId, data: e.data, dispatched: e.dispatchedAt },
    times: { occurredAt: i.occurredAt, auditOccurredAt: (a.after as { occurredAt: string }).occurredAt },
  };
}

describe("a log written in one statement", () => {
  for (const ref of ["C-1", "A-1", "D-1"]) {
    it(`on ${ref}: the same interaction, links, audit row and event as through Prisma`, async () => {
      const a = await viaPrisma.interactions.log(actor, { kind: "call", ref, summary: `through prisma on ${ref}` });
      const b = await viaRaw.interactions.log(actor, { kind: "call", ref, summary: `in one statement on ${ref}` });
      expect(b.record).toEqual(a.record);
      // an email finds the contact through refs.ts, then the same statement by id
      if (ref === "C-1")
        expect((await viaRaw.interactions.log(actor, { kind: "email", ref: "ana@acme.example", summary: "by email" })).record).toEqual(
          a.record,
        );
      expect({ ...b.interaction, id: "", createdAt: null, occurredAt: null, summary: "" }).toEqual({
        ...a.interaction,
        id: "",
        createdAt: null,
        occurredAt: null,
        summary: "",
      });
      const [x, y] = [await stored(a.interaction.id), await stored(b.interaction.id)];
      expect(y.interaction).toEqual(x.interaction);
      expect(y.audit).toEqual(x.audit);
      expect(y.event).toEqual(x.event);
      expect(y.times.auditOccurredAt).toBe(y.times.occurredAt.toISOString());
      expect(b.interaction.contactId ?? b.interaction.companyId).toBeTruthy();
    });
  }

  it("moves the contact's last touch forward, never back, and stores UTC times as Prisma does", async () => {
    const when = new Date("2026-01-02T03:04:05.678Z");
    const logged = await viaRaw.interactions.log(actor, { kind: "meeting", ref: "C-1", summary: "backdated", when });
    const row = await db.interaction.findUniqueOrThrow({ where: { id: logged.interaction.id } });
    expect(row.occurredAt.toISOString()).toBe(when.toISOString());
    const contact = await db.contact.findFirstOrThrow({ where: { workspaceId: actor.workspaceId, number: 1 } });
    expect(contact.lastInteractionAt!.getTime()).toBeGreaterThan(when.getTime());
    const later = await viaRaw.interactions.log(actor, { kind: "note", ref: "C-1", summary: "now" });
    const after = await db.contact.findFirstOrThrow({ where: { id: contact.id } });
    expect(after.lastInteractionAt!.toISOString()).toBe(later.interaction.occurredAt.toISOString());
    expect(Math.abs(row.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it("a record that is gone (or was never there): nothing is written, and the answer is refs.ts's", async () => {
    const before = { interactions: await db.interaction.count(), audits: await db.auditLog.count(), events: await db.domainEvent.count() };
    const gone = await viaRaw.contacts.add(actor, { name: "Short Lived" });
    await db.contact.delete({ where: { id: gone.id } });
    const counts = { audits: await db.auditLog.count(), events: await db.domainEvent.count() };
    // the statement's own read finds nothing: it writes nothing and says so (log() then answers as refs.ts does)
    expect(
      await logInOneStatement(
        t.db.rawSql,
        actor,
        { kind: "contact", which: { id: gone.id }, key: `C-${gone.number}` },
        { kind: "note", summary: "too late" },
        new Date(),
      ),
    ).toBeNull();
    await expect(viaRaw.interactions.log(actor, { kind: "note", ref: `C-${gone.number}`, summary: "too late" })).rejects.toThrow(
      `No contact C-${gone.number} in this workspace.`,
    );
    expect(await db.interaction.count()).toBe(before.interactions);
    expect({ audits: await db.auditLog.count(), events: await db.domainEvent.count() }).toEqual(counts);
  });

  it("a command's claim is taken in the same statement: a second run of the invocation writes nothing and says it already ran", async () => {
    const count = () => db.interaction.count({ where: { workspaceId: actor.workspaceId } });
    const before = await count();
    const claim = { source: "slack" as const, key: `run:test-${Date.now()}` };
    await viaRaw.interactions.log(actor, { kind: "call", ref: "C-1", summary: "once" }, { claim });
    await expect(viaRaw.interactions.log(actor, { kind: "call", ref: "C-1", summary: "once" }, { claim })).rejects.toBeInstanceOf(
      AlreadyRunError,
    );
    expect(await count()).toBe(before + 1);
    // the same invocation key was claimed, as the runner's own claim would have been
    expect(await viaRaw.processedEvents.claim(actor.workspaceId, "slack", claim.key)).toBe(false);
    // by email (refs.ts first, then the statement by id) and through Prisma: claimed once too
    for (const [services, ref] of [
      [viaRaw, "ana@acme.example"],
      [viaPrisma, "C-1"],
    ] as const) {
      const other = { source: "discord" as const, key: `run:${ref}-${Date.now()}` };
      await services.interactions.log(actor, { kind: "note", ref, summary: "claimed" }, { claim: other });
      await expect(services.interactions.log(actor, { kind: "note", ref, summary: "claimed" }, { claim: other })).rejects.toBeInstanceOf(
        AlreadyRunError,
      );
    }
    expect(await count()).toBe(before + 3);
  });
});
