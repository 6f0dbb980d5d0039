// A sales rep keeps contacts and companies from the console (the same engine Slack and Discord use).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";

let t: TestApp;
let c: ConsoleSession;
beforeAll(async () => {
  t = await startTestApp();
  c = await consoleSession(t.url);
});
afterAll(async () => {
  await t.stop();
});

describe("contacts and companies", () => {
  it("adds a contact with email, company and tags, and shows it by key and by email", async () => {
    const added = await c.run('/crm contact add Ana Lopez email:<mailto:ana@acme.com|ana@acme.com> company:"Acme Corp" tags:vip,partner');
    expect(added.kind).toBe("ok");
    expect(added.plain).toContain("C-1 Ana Lopez at Acme Corp");
    const byKey = await c.run("/crm contact show C-1");
    expect(byKey.plain).toContain("ana@acme.com");
    expect(byKey.plain).toContain("A-1 Acme Corp");
    expect(byKey.plain).toContain("vip, partner");
    const byEmail = await c.run("contact show ana@acme.com");
    expect(byEmail.plain).toContain("C-1 · Ana Lopez");
  });

  it("finds contacts by name, email prefix and company", async () => {
    await c.run("contact add Bob Stone email:bob@globex.io company:Globex");
    expect((await c.run("contact find ana")).plain).toContain("C-1 Ana Lopez");
    expect((await c.run("contact find globex")).plain).toContain("C-2 Bob Stone");
    const none = await c.run("contact find zzz");
    expect(none.plain).toContain('No contacts match "zzz"');
  });

  it("a duplicate email is refused and writes nothing", async () => {
    const r = await c.run("contact add Ana Again email:ana@acme.com");
    expect(r.kind).toBe("error");
    expect(r.plain).toContain("already C-1");
    expect((await c.run("contact show C-3")).plain).toContain("No contact C-3");
  });

  it("bad input answers with what was wrong and the usage line", async () => {
    const r = await c.run("contact add Carl email:not-an-email");
    expect(r.kind).toBe("error");
    expect(r.plain).toMatch(/email .*not an email address/);
    expect(r.plain).toContain("Usage: /crm contact add <name>");
    const unknown = await c.run("contact frobnicate");
    expect(unknown.plain).toContain('Unknown contact command "frobnicate"');
  });

  it("an ambiguous name answers with the candidates; an exact name wins", async () => {
    await c.run("company add Acme Labs domain:acmelabs.io");
    const amb = await c.run("company show Acm");
    expect(amb.kind).toBe("error");
    expect(amb.plain).toContain('"Acm" matches 2 companies: A-1 Acme Corp, A-3 Acme Labs. Use the key.');
    await c.run("company add Acme");
    expect((await c.run("company show Acme")).plain).toContain("A-4 · Acme");
    expect((await c.run("company show acmelabs.io")).plain).toContain("A-3 · Acme Labs");
    expect((await c.run("company show A-99")).plain).toContain("No company A-99 in this workspace.");
  });

  it("viewers read but cannot write; only admins change roles", async () => {
    const viewer = await c.addMember("Vic Viewer", "viewer");
    expect((await c.run("contact show C-1", viewer)).kind).toBe("ok");
    const denied = await c.run("contact add Eve", viewer);
    expect(denied.kind).toBe("error");
    expect(denied.plain).toContain("Viewers can read");
    const agent = await c.addMember("Ann Agent");
    expect((await c.run("role Vic manager", agent)).plain).toContain("Only admins can change roles");
    expect((await c.run("role Vic agent")).plain).toContain("Vic Viewer is now agent");
  });

  it("help lists every area and one topic", async () => {
    const all = await c.run("/crm help");
    expect(all.plain).toContain("/crm contact add <name>");
    const topic = await c.run("help company");
    expect(topic.plain).toContain("/crm company show");
    expect(topic.plain).not.toContain("/crm contact add");
  });
});
