// Someone trying the CRM runs `npm run seed` and finds a lived-in "Demo Co" in the console.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo, type SeedResult } from "../src/seed/demo.ts";
import { parseSeedArgs } from "../src/cli/seed.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { plainText } from "./helpers/console.ts";

const run = promisify(execFile);
let testDb: TestDb;
let first: SeedResult;
const db = () => testDb.db.prisma;

beforeAll(async () => {
  testDb = await createTestDb();
  first = await seedDemo(db());
});
afterAll(async () => {
  await testDb.drop();
});

describe("demo seed", () => {
  it("fills Demo Co with a team, accounts, a pipeline's worth of deals, interactions and tickets", async () => {
    expect(first.status).toBe("created");
    expect(first.counts).toMatchObject({ members: 5, companies: 25, contacts: 80, deals: 40, interactions: 200, tickets: 30 });
    const ws = first.workspaceId;
    expect(first.members.filter((m) => m.role === "agent")).toHaveLength(3);
    expect(first.members.filter((m) => m.onCall)).toHaveLength(1);
    // every default stage holds deals, closed ones carry their history and outcome
    expect(Object.keys(first.dealsByStage)).toEqual(["lead", "qualified", "proposal", "negotiation", "won", "lost"]);
    expect(Object.values(first.dealsByStage).every((n) => n > 0)).toBe(true);
    expect(await db().deal.count({ where: { workspaceId: ws, stage: { isLost: true }, lostReason: null } })).toBe(0);
    expect(await db().deal.count({ where: { workspaceId: ws, stage: { isWon: true }, closedAt: null } })).toBe(0);
    expect(await db().deal.count({ where: { workspaceId: ws, currency: "EUR" } })).toBeGreaterThan(0);
    expect(await db().deal.count({ where: { workspaceId: ws, stageChanges: { none: {} } } })).toBe(0);
    expect(first.counts.stageChanges).toBeGreaterThan(first.counts.deals);
    // tickets across statuses and priorities, each with events; waiting ones have a paused clock
    expect(first.ticketsByStatus).toMatchObject({ open: expect.any(Number), waiting: expect.any(Number), resolved: expect.any(Number) });
    const priorities = await db().ticket.groupBy({ by: ["priority"], where: { workspaceId: ws }, _count: true });
    expect(priorities.length).toBe(4);
    expect(await db().ticket.count({ where: { workspaceId: ws, events: { none: {} } } })).toBe(0);
    expect(await db().ticket.count({ where: { workspaceId: ws, status: "waiting", waitingSince: null } })).toBe(0);
    // interactions in the last 60 days, and contacts know when they were last touched
    const since = new Date(Date.now() - 61 * 86_400_000);
    expect(
      await db().interaction.count({ where: { workspaceId: ws, OR: [{ occurredAt: { lt: since } }, { occurredAt: { gt: new Date() } }] } }),
    ).toBe(0);
    expect(await db().contact.count({ where: { workspaceId: ws, lastInteractionAt: { not: null } } })).toBeGreaterThan(40);
    expect(await db().contact.count({ where: { workspaceId: ws, email: { not: { endsWith: ".example" } } } })).toBe(0);
    const counters = await db().keyCounter.findMany({ where: { workspaceId: ws }, orderBy: { kind: "asc" } });
    expect(counters.map((k) => [k.kind, k.value])).toEqual([
      ["company", 25],
      ["contact", 80],
      ["deal", 40],
      ["ticket", 30],
    ]);
  });

  it("running it again changes nothing; reset replaces the workspace", async () => {
    const again = await seedDemo(db());
    expect(again.status).toBe("exists");
    expect(again.workspaceId).toBe(first.workspaceId);
    expect(again.counts).toEqual(first.counts);
    expect(await db().workspace.count({ where: { name: "Demo Co" } })).toBe(1);
    expect(await db().contact.count()).toBe(80);

    const reset = await seedDemo(db(), { reset: true });
    expect(reset.status).toBe("created");
    expect(reset.deleted).toBe(1);
    expect(reset.workspaceId).not.toBe(first.workspaceId);
    expect(reset.counts).toEqual(first.counts);
    expect(await db().workspace.count()).toBe(1);
    expect(await db().deal.count()).toBe(40);
    first = reset;
  });

  describe("in the console", () => {
    let t: TestApp;
    let adminId: string;
    const cmd = async (text: string) => {
      const res = await fetch(`${t.url}/console/api/command`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ workspaceId: first.workspaceId, memberId: adminId, text }),
      });
      const body = await res.json();
      return { kind: body.reply.kind as string, plain: plainText(body.reply) };
    };
    beforeAll(async () => {
      t = await startTestApp({}, { testDb });
      const list = (await (await fetch(`${t.url}/console/api/workspaces`)).json()) as { id: string; name: string }[];
      expect(list.map((w) => w.name)).toContain("Demo Co");
      const members = (await (await fetch(`${t.url}/console/api/workspaces/${first.workspaceId}/members`)).json()) as {
        id: string;
        role: string;
      }[];
      adminId = members.find((m) => m.role === "admin")!.id;
    });
    afterAll(async () => {
      await t.stop();
    });

    it("shows contacts with their timeline and companies with their deals", async () => {
      const busy = await db().contact.findFirstOrThrow({
        where: { workspaceId: first.workspaceId, lastInteractionAt: { not: null }, companyId: { not: null } },
        orderBy: { number: "asc" },
      });
      const show = await cmd(`contact show C-${busy.number}`);
      expect(show.kind).toBe("ok");
      expect(show.plain).toContain(`C-${busy.number} · ${busy.name}`);
      expect(show.plain).toContain("Timeline");
      expect(show.plain).not.toContain("No interactions yet.");
      const byEmail = await cmd(`contact show ${busy.email}`);
      expect(byEmail.plain).toContain(busy.name);

      const withDeals = await db().company.findFirstOrThrow({
        where: { workspaceId: first.workspaceId, deals: { some: { closedAt: null } } },
        orderBy: { number: "asc" },
      });
      const company = await cmd(`company show A-${withDeals.number}`);
      expect(company.plain).toContain("Open deals");
      expect(company.plain).toMatch(/D-\d+ /);
      const found = await cmd(`contact find ${withDeals.name}`);
      expect(found.plain).toContain(`Contacts matching "${withDeals.name}"`);
      expect(found.plain).toMatch(/C-\d+ /);
    });

    it("lists the open pipeline", async () => {
      const list = await cmd("deal list");
      expect(list.kind).toBe("ok");
      expect(list.plain).toMatch(/D-\d+/);
      const won = await cmd("deal list stage:won");
      expect(won.plain).toMatch(/D-\d+/);
    });

    it("new records continue the key sequences", async () => {
      expect((await cmd("contact add Nora Newcomer email:nora@newco.example")).plain).toContain("C-81 Nora Newcomer");
      expect((await cmd("company add Fresh Start Ltd")).plain).toContain("A-26 Fresh Start Ltd");
      expect((await cmd("log call C-81 First call")).plain).toContain("📞 Logged call on C-81 Nora Newcomer");
    });
  });

  it("the npm script reports an existing demo; --scale takes only large", async () => {
    const env = { ...process.env, DATABASE_URL: testDb.url, LOG_LEVEL: "silent", HOST: "127.0.0.1", PORT: "3000" };
    const out = await run("npx", ["tsx", "src/cli/seed.ts"], { env, cwd: new URL("..", import.meta.url).pathname });
    expect(out.stdout).toContain('"Demo Co" already exists');
    expect(out.stdout).toContain("http://127.0.0.1:3000/console");
    expect(await db().workspace.count()).toBe(1);
    // --scale large (src/seed/large.ts) is exercised at reduced scale in test/digest.test.ts
    expect(parseSeedArgs(["--scale", "large"])).toEqual({ ok: true, reset: false, scale: "large" });
    expect(parseSeedArgs(["--scale=large", "--reset"])).toEqual({ ok: true, reset: true, scale: "large" });
    await expect(
      run("npx", ["tsx", "src/cli/seed.ts", "--scale=huge"], { env, cwd: new URL("..", import.meta.url).pathname }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--scale "huge" is not a scale') });
    expect(parseSeedArgs(["--reset"])).toEqual({ ok: true, reset: true });
  });
});
