// A sales team scores its leads from the console: engagement and fit rules move the score (computed by the
// predict worker, never in the request), the hottest unowned leads are listed, and a lead that crosses the
// workspace threshold gets the least-loaded rep as owner.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import { scoreOf } from "../src/domain/scoring/leadScore.ts";

let t: TestApp;
let c: ConsoleSession;
let rita: string;
let viewer: string;
beforeAll(async () => {
  t = await startTestApp();
  c = await consoleSession(t.url);
  rita = await c.addMember("Rita Rep");
  viewer = await c.addMember("Vic Viewer", "viewer");
  await t.app.db.prisma.workspace.update({ where: { id: c.workspaceId }, data: { leadThreshold: 80 } });
  expect((await c.run('contact add Ana Lopez email:ana@acme.com company:Acme tags:vip title:"VP Sales"')).kind).toBe("ok");
  expect((await c.run("contact add Bo Berg email:bo@globex.com company:Globex")).kind).toBe("ok");
  // Ana came in unowned (as an import or a campaign reply would)
  await t.app.db.prisma.contact.updateMany({ where: { workspaceId: c.workspaceId, number: 1 }, data: { ownerId: null } });
});
afterAll(async () => {
  await t.stop();
});

const ana = () => t.app.db.prisma.contact.findFirstOrThrow({ where: { workspaceId: c.workspaceId, number: 1 } });

/** waits for the predict worker to settle Ana's score on something other than `not` */
async function scoreChanges(from: number | null, timeoutMs = 20_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const x = await ana();
    if (x.score !== from && x.score !== null) return x.score;
    if (Date.now() > end) throw new Error(`score stayed ${from}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("lead score formula", () => {
  it("adds fit, decayed engagement (capped) and open deals, clamped to 0–100, reasons by weight", () => {
    expect(scoreOf({ rules: [], decayedByKind: {}, openDeals: 0 }).score).toBe(0);
    const r = scoreOf({ rules: [{ field: "tag", value: "vip", points: 30 }], decayedByKind: { meeting: 1, call: 0.5 }, openDeals: 1 });
    expect(r.score).toBe(30 + 12 + 4 + 10);
    expect(r.reasons[0]).toEqual({ label: "tag vip", points: 30 });
    expect(scoreOf({ rules: [], decayedByKind: { meeting: 100 }, openDeals: 9 }).score).toBe(50 + 20);
    expect(scoreOf({ rules: [{ field: "tag", value: "x", points: -40 }], decayedByKind: {}, openDeals: 0 }).score).toBe(0);
  });
});

describe("lead scoring through the console", () => {
  it("is computed in the background after a change, then interactions raise it", async () => {
    const first = await scoreChanges(null);
    expect(first).toBe(0);
    await c.run("log meeting C-1 Demo on site");
    await c.run("log call C-1 Pricing follow-up");
    const engaged = await scoreChanges(0);
    expect(engaged).toBe(20);
    const show = await c.run("contact show C-1");
    expect(show.plain).toMatch(/Lead score: 20\/100 — recent meetings \+12, recent calls \+8/);
  });

  it("a fit rule changes the score; only managers and admins change rules; rules are listed", async () => {
    const denied = await c.run("score rule add tag:vip 30", rita);
    expect(denied.kind).toBe("error");
    expect(denied.plain).toMatch(/managers and admins/);
    expect((await c.run("score rule add tag:vip 30", viewer)).kind).toBe("error");
    const bad = await c.run("score rule add colour:red 5");
    expect(bad.plain).toMatch(/not a score field/);
    const ok = await c.run("score rule add tag:vip 30");
    expect(ok.plain).toContain("tag:vip is now +30 points");
    expect(await scoreChanges(20)).toBe(50);
    const rules = await c.run("score rules", viewer);
    expect(rules.plain).toContain("tag:vip +30");
    expect((await c.run("contact show C-1")).plain).toMatch(/Lead score: 50\/100 — tag vip \+30, recent meetings \+12, recent calls \+8/);
  });

  it("lists the hottest unowned leads", async () => {
    const r = await c.run("leads 5");
    expect(r.plain).toMatch(/50 C-1 Ana Lopez · Acme — tag vip \+30/);
    expect(r.plain).not.toContain("Bo Berg"); // owned
  });

  it("an open deal raises it; crossing the threshold assigns the least-loaded rep", async () => {
    await c.run('deal new "Acme pilot" 5k contact:C-1');
    expect(await scoreChanges(50)).toBe(60);
    expect((await ana()).ownerId).toBeNull();
    await c.run('score rule add title:"vp" 25');
    expect(await scoreChanges(60)).toBe(85);
    // Ada owns Bo; Rita owns nobody, so Rita gets the lead
    const end = Date.now() + 10_000;
    while (!(await ana()).ownerId && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    expect((await ana()).ownerId).toBe(rita);
    expect((await c.run("contact show C-1")).plain).toContain("Owner: Rita Rep");
    expect((await c.run("leads")).plain).not.toContain("Ana Lopez");
  });

  it("the nightly run lets engagement decay: a month later the interactions count for a quarter", async () => {
    const { runPredictJob } = await import("../jobs/predict.ts");
    await runPredictJob(t.app.services, { data: { kind: "nightly" } } as never);
    const now = (await ana()).score!;
    const later = new Date(Date.now() + 28 * 86_400_000);
    await t.app.services.scoring.rescore(c.workspaceId, [(await ana()).id], later);
    const decayed = (await ana()).score!;
    // fit 55 and the open deal 10 stay; meetings+calls 20 → 5 after two half-lives
    expect(now).toBe(85);
    expect(decayed).toBe(70);
    expect((await ana()).scoreReasons).toEqual(expect.arrayContaining([{ label: "recent meetings", points: 3 }]));
  });

  it("nobody's request computes a score: scores only change through the predict queue", async () => {
    const before = (await ana()).score;
    await c.run("contact show C-1");
    await c.run("leads");
    expect((await ana()).score).toBe(before);
  });
});
