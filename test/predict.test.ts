// Win probabilities from the console: a young workspace says it uses stage probabilities; with enough
// closed deals a manager refits the model and `deal show` gives the fitted probability with its reasons.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";

let t: TestApp;
let c: ConsoleSession;
let rita: string;
beforeAll(async () => {
  t = await startTestApp();
  c = await consoleSession(t.url);
  rita = await c.addMember("Rita Rep");
});
afterAll(async () => {
  await t.stop();
});

const deal = (number: number) => t.app.db.prisma.deal.findFirstOrThrow({ where: { workspaceId: c.workspaceId, number } });

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** n closed deals straight into the database: those last in proposal mostly won, those last in qualified mostly lost */
async function closedHistory(n: number) {
  const p = t.app.db.prisma;
  const stages = Object.fromEntries((await p.stage.findMany({ where: { workspaceId: c.workspaceId } })).map((s) => [s.name, s]));
  const day = 86_400_000;
  for (let i = 0; i < n; i++) {
    const open = i % 2 ? stages.proposal : stages.qualified;
    const won = open.name === "proposal" ? i % 5 !== 1 : i % 5 === 0;
    const end = stages[won ? "won" : "lost"];
    const createdAt = new Date(Date.now() - (90 - i) * day);
    const closedAt = new Date(createdAt.getTime() + 20 * day);
    const d = await p.deal.create({
      data: {
        workspaceId: c.workspaceId,
        number: 1000 + i,
        title: `History ${i}`,
        amount: 5000,
        pipelineId: open.pipelineId,
        stageId: end.id,
        createdAt,
        closedAt,
        stageEnteredAt: closedAt,
      },
    });
    await p.dealStageChange.createMany({
      data: [
        { workspaceId: c.workspaceId, dealId: d.id, toStageId: open.id, at: createdAt },
        { workspaceId: c.workspaceId, dealId: d.id, fromStageId: open.id, toStageId: end.id, at: closedAt },
      ],
    });
  }
}

describe("win probability", () => {
  it("with too little history, says it uses the stage probability", async () => {
    expect((await c.run('deal new "Acme expansion" 10k stage:proposal')).kind).toBe("ok");
    await until(
      () => deal(1),
      (d) => d.winProbability != null,
    );
    const show = await c.run("deal show D-1");
    expect(show.plain).toContain("Win probability: 50% (stage probability)");
    expect(show.plain).toContain("Only 0 closed deals; a fitted model needs 30");
    const refit = await c.run("model refit");
    expect(refit.plain).toContain("No model yet. It needs at least 30 closed deals");
  });

  it("only managers and admins refit", async () => {
    const r = await c.run("model refit", rita);
    expect(r.kind).toBe("error");
    expect(r.plain).toMatch(/managers and admins/);
  });

  it("with enough closed deals, a refit fits the workspace's model and deal show gives its reasons", async () => {
    await closedHistory(60);
    const r = await c.run("model refit");
    expect(r.plain).toContain("Refitting the win model");
    const model = await until(
      () => t.app.db.prisma.winModel.findFirst({ where: { workspaceId: c.workspaceId } }),
      (m) => m != null,
    );
    expect(model!.sampleSize).toBe(60);
    const d = await until(
      () => deal(1),
      (x) => (x.winReasons as { source?: string } | null)?.source === "model",
    );
    // proposal deals mostly won in this workspace's history: above the 50% stage default
    expect(d.winProbability!).toBeGreaterThan(0.6);
    const show = await c.run("deal show D-1");
    expect(show.plain).toMatch(/Win probability: \d+% \(model of 60 closed deals\)/);
    expect(show.plain).toMatch(/Why: .*in proposal \+/);
    expect((await c.run("model refit")).plain).toMatch(/Current model: 60 closed deals.*Brier/);
  });

  it("a new deal in a weak stage gets the model's lower probability after the change", async () => {
    await c.run('deal new "Initech trial" 5k stage:qualified');
    const d = await until(
      () => deal(2),
      (x) => (x.winReasons as { source?: string } | null)?.source === "model",
    );
    expect(d.winProbability!).toBeLessThan((await deal(1)).winProbability!);
  });
});
