// Delete, restore, merge, forget (#13 item 3) through the console: delete archives (the record leaves
// lists, search, autocomplete and the pipeline; show says how to restore it), restore brings it back,
// merge moves a duplicate's interactions, deals, tickets, tasks, tags and score into the one kept, forget
// erases a person's data for good after a confirmation. Refused commands write nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";

let t: TestApp;
let c: ConsoleSession;
let agent: string;
let manager: string;
beforeAll(async () => {
  t = await startTestApp();
  c = await consoleSession(t.url);
  agent = await c.addMember("Raj Patel", "agent");
  manager = await c.addMember("Mia Manager", "manager");
  for (const cmd of [
    "contact add Ana Lopez email:ana@acme.com company:Acme tags:vip",
    'deal new "Acme renewal" 12k contact:C-1',
    'ticket new "Printer broken" contact:C-1',
  ])
    expect((await c.run(cmd)).kind, cmd).toBe("ok");
});
afterAll(async () => {
  await t.stop();
});

const db = () => t.app.db.prisma;
const ws = () => c.workspaceId;
const writes = async () =>
  (await db().auditLog.count({ where: { workspaceId: ws() } })) + (await db().domainEvent.count({ where: { workspaceId: ws() } }));
const contact = (number: number) => db().contact.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws(), number } } });

describe("delete and restore", () => {
  it("deal delete archives D-1: gone from deal list, search and the pipeline; show says how to restore; moving it is refused", async () => {
    const r = await c.run("deal delete D-1");
    expect(r.plain).toContain("🗄️ D-1 Acme renewal is archived: it no longer shows in lists, search or counts.");
    expect(r.plain).toContain("[Restore](deal restore D-1)");
    expect((await c.run("deal list")).plain).not.toContain("Acme renewal");
    expect((await c.run("search Acme renewal")).plain).not.toContain("D-1");
    expect((await c.run("pipeline")).plain).toContain("lead (10%) · 0 deals");
    expect((await c.run("deal show D-1")).plain).toContain("🗄️ archived — /crm deal restore D-1");
    expect((await t.app.services.autocomplete.records(ws(), ["deal"], "D-1")).map((x) => x.key)).not.toContain("D-1");
    expect((await t.app.services.autocomplete.records(ws(), ["deal"], "Acme")).map((x) => x.key)).toEqual([]);
    const before = await writes();
    expect((await c.run("deal move D-1 qualified")).plain).toContain("D-1 is archived; restore it first with /crm deal restore D-1.");
    expect((await c.run("deal edit D-1 amount:1")).plain).toContain("D-1 is archived; restore it first");
    expect((await c.run("deal delete D-1")).plain).toContain("D-1 is already archived; /crm deal restore D-1 brings it back.");
    expect(await writes()).toBe(before);
    const audit = await db().auditLog.findFirstOrThrow({ where: { workspaceId: ws(), action: "deal.delete" } });
    expect(audit.before).toEqual({ archivedAt: null });
    expect((audit.after as { archivedAt: string }).archivedAt).toMatch(/^\d{4}-/);
    expect(
      await db().domainEvent.count({
        where: { workspaceId: ws(), type: "deal.changed", data: { path: ["fields"], equals: ["archivedAt"] } },
      }),
    ).toBe(1);
  });

  it("deal restore brings it back into the list; restoring a live record is refused", async () => {
    expect((await c.run("deal restore D-1")).plain).toContain("♻️ D-1 Acme renewal is back.");
    expect((await c.run("deal list")).plain).toContain("D-1 Acme renewal");
    expect((await c.run("deal restore D-1")).plain).toContain("D-1 is not archived; there is nothing to restore.");
  });

  it("ticket and contact delete: gone from ticket list and contact find; the ticket cannot be resolved until restored", async () => {
    expect((await c.run("ticket delete T-1")).kind).toBe("ok");
    expect((await c.run("ticket list")).plain).not.toContain("Printer broken");
    expect((await c.run("ticket resolve T-1 done")).plain).toContain("T-1 is archived; restore it first with /crm ticket restore T-1.");
    expect((await c.run("ticket restore T-1")).kind).toBe("ok");
    await c.run("contact add Zed Temp");
    expect((await c.run("contact delete C-2")).kind).toBe("ok");
    expect((await c.run("contact find Zed")).plain).toContain('No contacts match "Zed"');
    expect((await c.run("contact show Zed")).plain).toContain('No contact matches "Zed"');
    expect((await c.run("contact show C-2")).plain).toContain("🗄️ archived — /crm contact restore C-2");
  });

  it("who may: an agent deletes only their own or unassigned; companies need a manager; viewers never", async () => {
    const viewer = await c.addMember("Vic Viewer", "viewer");
    const before = await writes();
    expect((await c.run("deal delete D-1", agent)).plain).toContain(
      "You can only delete deals on records that are yours or unassigned; ask a manager.",
    );
    expect((await c.run("company delete A-1", agent)).plain).toContain("Only managers and admins can delete companies; you are an agent.");
    expect((await c.run("contact delete C-1", viewer)).plain).toContain("Viewers can read but not change records");
    expect(await writes()).toBe(before);
  });
});

describe("merge", () => {
  it("adding a contact with an exact existing name warns with the key and offers the merge", async () => {
    await c.run("log call C-1 Intro call");
    const r = await c.run("contact add ana lopez email:ana.lopez@gmail.com phone:+34600111222 tags:partner");
    expect(r.kind).toBe("ok");
    expect(r.plain).toContain("⚠️ Same name as C-1 Ana Lopez. If it is the same person: /crm contact merge C-3 into C-1");
    expect(r.plain).toContain("[Merge into C-1](contact merge C-3 into C-1)");
    const dup = await c.run("contact add Someone email:ana@acme.com");
    expect(dup.plain).toContain("ana@acme.com is already C-1 Ana Lopez.");
  });

  it("contact merge C-3 into C-1 moves interactions, deals, tickets and tasks, joins tags, fills blanks, archives C-3 with a pointer", async () => {
    await c.run("log note C-3 Met at the fair");
    await c.run('deal new "Ana side project" 3k contact:C-3');
    await c.run('ticket new "Login trouble" contact:C-3');
    await c.run('task add "Call Ana back" C-3 due:tomorrow');
    const r = await c.run("contact merge C-3 into C-1");
    expect(r.plain).toContain("🔀 Merged C-3 ana lopez into C-1 Ana Lopez: moved 1 interaction, 1 deal, 1 ticket, 1 task.");
    expect(r.plain).toContain("C-3 is archived and points to C-1; C-1 got its tags, phone");
    const [kept, gone] = [await contact(1), await contact(3)];
    expect(kept.tags).toEqual(["vip", "partner"]);
    expect(kept.phone).toBe("+34600111222");
    expect(kept.email).toBe("ana@acme.com");
    expect(gone.archivedAt).not.toBeNull();
    expect(gone.mergedIntoId).toBe(kept.id);
    expect(await db().interaction.count({ where: { contactId: kept.id } })).toBe(2);
    expect(await db().deal.count({ where: { contactId: kept.id } })).toBe(2);
    expect(await db().ticket.count({ where: { requesterId: kept.id } })).toBe(2);
    expect(await db().task.count({ where: { contactId: kept.id } })).toBe(1);
    expect((await c.run("contact show C-3")).plain).toContain("🗄️ archived — merged into C-1 Ana Lopez");
    expect((await c.run("contact restore C-3")).plain).toContain("C-3 was merged into another contact");
    expect(
      await db().domainEvent.count({ where: { workspaceId: ws(), type: "contact.changed", recordId: { in: [kept.id, gone.id] } } }),
    ).toBeGreaterThanOrEqual(2);
  });

  it("refuses, writing nothing: a record into itself, an archived one, the wrong word, an agent merging someone else's", async () => {
    await c.run("contact add Bo Berg", manager);
    const before = await writes();
    expect((await c.run("contact merge C-1 into C-1")).plain).toContain("C-1 and C-1 are the same contact.");
    expect((await c.run("contact merge C-3 into C-1")).plain).toContain("C-3 is archived; restore it first");
    expect((await c.run("contact merge C-4 with C-1")).plain).toContain('"with" is not one of into');
    expect((await c.run("contact merge C-4 into C-1", agent)).plain).toContain(
      "You can only merge contacts on records that are yours or unassigned",
    );
    expect(await writes()).toBe(before);
  });

  it("company merge moves contacts and deals and archives the duplicate", async () => {
    await c.run("company add Acme Inc");
    await c.run("contact edit C-4 company:A-2", manager);
    const r = await c.run("company merge A-2 into A-1");
    expect(r.plain).toContain("🔀 Merged A-2 Acme Inc into A-1 Acme: moved 1 contact.");
    expect((await contact(4)).companyId).toBe((await db().company.findFirstOrThrow({ where: { workspaceId: ws(), number: 1 } })).id);
    expect((await c.run("company show A-2")).plain).toContain("🗄️ archived — merged into A-1 Acme");
  });
});

describe("forget", () => {
  it("asks first (a button), and only managers and admins may; the question writes nothing", async () => {
    const before = await writes();
    const ask = await c.run("contact forget C-1");
    expect(ask.plain).toContain("⚠️ Forget C-1 Ana Lopez?");
    expect(ask.plain).toContain("This cannot be undone.");
    expect(ask.plain).toContain("[Forget C-1 for good](contact forget C-1 confirm)");
    expect((await c.run("contact forget C-1 confirm", agent)).plain).toContain(
      "Only managers and admins can forget contacts; you are an agent.",
    );
    expect(await writes()).toBe(before);
  });

  it("erases the person for good: name, email, phone, tags, summaries, their name in titles, audit copies; counts stay", async () => {
    const kept = await contact(1);
    const deals = await db().deal.count({ where: { contactId: kept.id } });
    const r = await c.run("contact forget C-1 confirm", manager);
    expect(r.plain).toContain('🧹 C-1 is now "Forgotten contact C-1": personal data erased, 2 interaction summaries cleared');
    const f = await contact(1);
    expect(f).toMatchObject({ name: "Forgotten contact C-1", email: null, phone: null, title: null, tags: [] });
    expect(f.forgottenAt).not.toBeNull();
    expect(await db().deal.count({ where: { contactId: kept.id } })).toBe(deals);
    const summaries = await db().interaction.findMany({ where: { contactId: kept.id }, select: { summary: true } });
    expect(summaries.map((x) => x.summary)).toEqual(["(erased)", "(erased)"]);
    // nothing of hers is left anywhere in the audit log
    const log = JSON.stringify(await db().auditLog.findMany({ where: { workspaceId: ws() } })).toLowerCase();
    for (const trace of ["ana lopez", "ana@acme.com", "+34600111222", "met at the fair"]) expect(log, trace).not.toContain(trace);
    const subjects = await db().ticket.findMany({ where: { workspaceId: ws() }, select: { subject: true } });
    expect(subjects.map((x) => x.subject)).toEqual(expect.arrayContaining(["Printer broken", "Login trouble"]));
    expect((await c.run("contact show C-1")).plain).toContain("🗄️ forgotten — personal data erased for good");
    expect((await c.run("contact forget C-1")).plain).toContain("C-1 is already forgotten.");
    expect((await c.run("contact edit C-1 name:Ana")).plain).toContain("C-1 was forgotten; its personal data is gone for good.");
  });
});
