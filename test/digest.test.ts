// A manager asks for the week's digest: every number checked against a small dataset computed by hand,
// the chart is a real PNG with the stage names, the console shows it inline, and Slack gets a readable
// ephemeral reply with a button that posts the digest and uploads the chart to the channel.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession } from "./helpers/console.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { apiArgs, slackEnv, slash, startFakeSlack } from "./helpers/slack.ts";
import { createWorkspaceDefaults } from "../src/domain/workspaces/defaults.ts";
import { DigestService, type Digest } from "../src/domain/analytics/digest.ts";
import { periodFor } from "../src/domain/analytics/period.ts";
import { change, digestReply, pipelineChartPng, pointsChange, roughDuration, shortMoney } from "../src/commands/digestReply.ts";
import { pipelineChartSpec, renderChart } from "../src/render/chart.ts";
import { richToPlain } from "../src/reply/reply.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";
import { seedLarge } from "../src/seed/large.ts";

const at = (iso: string) => new Date(`${iso}Z`);
// Wednesday noon: the week runs from Mon 16 Mar; the previous stretch is Mon 9 Mar 00:00 – Wed 11 Mar 12:00
const NOW = at("2026-03-18T12:00:00");
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe("digest periods and change arithmetic", () => {
  it("periods are UTC, to date, against the same stretch of the previous period", () => {
    const w = periodFor("week", NOW);
    expect([w.start, w.end, w.prevStart, w.prevEnd].map((d) => d.toISOString())).toEqual([
      "2026-03-16T00:00:00.000Z",
      "2026-03-23T00:00:00.000Z",
      "2026-03-09T00:00:00.000Z",
      "2026-03-11T12:00:00.000Z",
    ]);
    const t = periodFor("today", NOW);
    expect([t.start, t.prevStart, t.prevEnd].map((d) => d.toISOString())).toEqual([
      "2026-03-18T00:00:00.000Z",
      "2026-03-17T00:00:00.000Z",
      "2026-03-17T12:00:00.000Z",
    ]);
    // 31 March: the previous stretch stops at the end of February
    const m = periodFor("month", at("2026-03-31T10:00:00"));
    expect([m.start, m.end, m.prevStart, m.prevEnd].map((d) => d.toISOString())).toEqual([
      "2026-03-01T00:00:00.000Z",
      "2026-04-01T00:00:00.000Z",
      "2026-02-01T00:00:00.000Z",
      "2026-03-01T00:00:00.000Z",
    ]);
    expect(periodFor("week", at("2026-03-22T23:00:00")).start.toISOString()).toBe("2026-03-16T00:00:00.000Z"); // Sunday belongs to the ISO week
  });

  it("changes read as arrows and percentages", () => {
    expect(change(12, 10)).toBe("▲ 20%");
    expect(change(9, 10)).toBe("▼ 10%");
    expect(change(1035, 1000)).toBe("▲ 3.5%");
    expect(change(3, 0)).toBe("▲ new");
    expect(change(0, 0)).toBe("");
    expect(change(0, 4)).toBe("▼ 100%");
    expect(change(5, 5)).toBe("= 0%");
    expect(pointsChange(50, 100)).toBe("▼ 50 pts");
    expect(roughDuration(712800)).toBe("8d 6h");
    expect(roughDuration(10800)).toBe("3h");
    expect(roughDuration(5 * 3600 + 35 * 60 + 23)).toBe("5h 35m");
    expect(shortMoney("1234.50", "USD")).toBe("$1,234.50");
    expect(shortMoney("45000000.00", "USD")).toBe("$45M");
    expect(shortMoney("450000000.00", "EUR")).toBe("€450M");
    expect(shortMoney("2750000.00", "GBP")).toBe("£2.75M");
    expect(shortMoney("3100000.00", "CHF")).toBe("3.1M CHF");
  });
});

let testDb: TestDb;
const db = () => testDb.db.prisma;
let ws: string;

/** A small workspace whose digest for the week of 16 Mar 2026 was computed by hand (numbers in the comments). */
async function seedFixed(prisma: PrismaClient, name: string) {
  const w = await prisma.workspace.create({ data: { name } });
  await prisma.$transaction((tx) => createWorkspaceDefaults(tx, w.id));
  const stages = Object.fromEntries((await prisma.stage.findMany({ where: { workspaceId: w.id } })).map((s) => [s.name, s]));
  const pipelineId = stages.lead.pipelineId;
  const ana = await prisma.member.create({ data: { workspaceId: w.id, name: "Ana Lopez", role: "manager" } });
  const ben = await prisma.member.create({ data: { workspaceId: w.id, name: "Ben Okoro", role: "agent" } });
  const deal = async (
    number: number,
    stage: string,
    amount: string,
    currency: string,
    owner: string,
    createdAt: string,
    opts: { entered?: string; closed?: string; close?: string; path?: [string, string][] } = {},
  ) => {
    const d = await prisma.deal.create({
      data: {
        workspaceId: w.id,
        number,
        title: `Deal ${number}`,
        amount,
        currency,
        pipelineId,
        stageId: stages[stage].id,
        ownerId: owner,
        createdAt: at(createdAt),
        stageEnteredAt: at(opts.entered ?? opts.closed ?? createdAt),
        closedAt: opts.closed ? at(opts.closed) : null,
        expectedCloseAt: opts.close ? at(opts.close) : null,
      },
    });
    const path = opts.path ?? [[stage, createdAt]];
    await prisma.dealStageChange.createMany({
      data: path.map(([s, when], i) => ({
        workspaceId: w.id,
        dealId: d.id,
        fromStageId: i ? stages[path[i - 1][0]].id : null,
        toStageId: stages[s].id,
        at: at(when),
        actorId: owner,
      })),
    });
    return d;
  };
  const d1 = await deal(1, "lead", "1000.00", "USD", ana.id, "2026-03-17T10:00:00", { close: "2026-03-20T00:00:00" });
  await deal(2, "proposal", "4000.00", "USD", ben.id, "2026-03-10T09:00:00", {
    entered: "2026-03-11T09:00:00",
    close: "2026-03-25T00:00:00",
    path: [
      ["lead", "2026-03-10T09:00:00"],
      ["proposal", "2026-03-11T09:00:00"],
    ],
  });
  await deal(3, "negotiation", "2000.00", "EUR", ana.id, "2026-03-01T00:00:00", {
    close: "2026-03-21T00:00:00",
    path: [["negotiation", "2026-03-01T00:00:00"]],
  });
  await deal(4, "won", "5000.00", "USD", ana.id, "2026-03-02T00:00:00", {
    closed: "2026-03-16T15:00:00",
    path: [
      ["lead", "2026-03-02T00:00:00"],
      ["qualified", "2026-03-05T00:00:00"],
      ["proposal", "2026-03-09T00:00:00"],
      ["negotiation", "2026-03-12T00:00:00"],
      ["won", "2026-03-16T15:00:00"],
    ],
  });
  await deal(5, "won", "3000.00", "USD", ben.id, "2026-03-01T00:00:00", {
    closed: "2026-03-10T10:00:00",
    path: [
      ["lead", "2026-03-01T00:00:00"],
      ["won", "2026-03-10T10:00:00"],
    ],
  });
  await deal(6, "lost", "1500.00", "USD", ben.id, "2026-03-05T00:00:00", {
    closed: "2026-03-17T09:00:00",
    path: [
      ["lead", "2026-03-05T00:00:00"],
      ["lost", "2026-03-17T09:00:00"],
    ],
  });
  const d7 = await deal(7, "qualified", "800.00", "USD", ben.id, "2026-02-01T00:00:00", {
    entered: "2026-02-15T00:00:00",
    path: [
      ["lead", "2026-02-01T00:00:00"],
      ["qualified", "2026-02-15T00:00:00"],
    ],
  });
  await deal(8, "lead", "600.00", "USD", ben.id, "2026-02-10T00:00:00");

  const contacts = await Promise.all(
    [1, 2, 3].map((n) => prisma.contact.create({ data: { workspaceId: w.id, number: n, name: `Contact ${n}`, email: `c${n}@x.example` } })),
  );
  const ia = (kind: "call" | "email" | "note" | "meeting", author: string, when: string, dealId?: string) => ({
    workspaceId: w.id,
    kind,
    summary: kind,
    authorId: author,
    occurredAt: at(when),
    dealId: dealId ?? null,
    contactId: contacts[0].id,
  });
  await prisma.interaction.createMany({
    data: [
      ia("call", ana.id, "2026-03-16T11:00:00", d1.id),
      ia("email", ana.id, "2026-03-17T10:00:00", d7.id),
      ia("call", ben.id, "2026-03-18T09:00:00"),
      ia("note", ben.id, "2026-03-10T10:00:00"),
      ia("meeting", ana.id, "2026-03-12T10:00:00"), // between the two stretches: counted nowhere
    ],
  });

  const ticket = (
    number: number,
    priority: "normal" | "urgent",
    created: string,
    x: { first?: string; resolved?: string; firstDue: string; resolveDue: string; breached?: boolean },
  ) => ({
    workspaceId: w.id,
    number,
    subject: `Ticket ${number}`,
    priority,
    status: x.resolved ? ("resolved" as const) : ("open" as const),
    createdAt: at(created),
    firstResponseAt: x.first ? at(x.first) : null,
    resolvedAt: x.resolved ? at(x.resolved) : null,
    firstResponseDueAt: at(x.firstDue),
    resolutionDueAt: at(x.resolveDue),
    breached: x.breached ?? false,
  });
  await prisma.ticket.createMany({
    data: [
      ticket(1, "normal", "2026-03-16T08:00:00", {
        first: "2026-03-16T10:00:00",
        resolved: "2026-03-17T08:00:00",
        firstDue: "2026-03-16T16:00:00",
        resolveDue: "2026-03-19T08:00:00",
      }),
      ticket(2, "urgent", "2026-03-17T08:00:00", {
        first: "2026-03-17T12:00:00",
        firstDue: "2026-03-17T09:00:00",
        resolveDue: "2026-03-17T12:00:00",
      }),
      ticket(3, "normal", "2026-03-10T08:00:00", {
        first: "2026-03-10T09:00:00",
        resolved: "2026-03-10T14:00:00",
        firstDue: "2026-03-10T16:00:00",
        resolveDue: "2026-03-13T08:00:00",
      }),
      ticket(4, "normal", "2026-03-01T08:00:00", {
        first: "2026-03-01T10:00:00",
        resolved: "2026-03-16T20:00:00",
        firstDue: "2026-03-01T16:00:00",
        resolveDue: "2026-03-04T08:00:00",
        breached: true,
      }),
    ],
  });

  const campaign = await prisma.campaign.create({
    data: { workspaceId: w.id, number: 1, name: "Spring", segment: "all", channel: "email", status: "done" },
  });
  const rcpt = (i: number, status: "sent" | "failed", when: string) => ({
    workspaceId: w.id,
    campaignId: campaign.id,
    contactId: contacts[i].id,
    status,
    sentAt: status === "sent" ? at(when) : null,
    claimedAt: at(when),
  });
  await prisma.campaignRecipient.createMany({
    data: [rcpt(0, "sent", "2026-03-17T10:00:00"), rcpt(1, "sent", "2026-03-17T11:00:00"), rcpt(2, "failed", "2026-03-16T10:00:00")],
  });
  const c2 = await prisma.campaign.create({
    data: { workspaceId: w.id, number: 2, name: "Earlier", segment: "all", channel: "email", status: "done" },
  });
  await prisma.campaignRecipient.create({
    data: { workspaceId: w.id, campaignId: c2.id, contactId: contacts[0].id, status: "sent", sentAt: at("2026-03-10T10:00:00") },
  });
  return w.id;
}

beforeAll(async () => {
  testDb = await createTestDb();
  ws = await seedFixed(db(), "Fixed Co");
  await seedFixed(db(), "Other Co"); // the same rows in another workspace must not count twice
});
afterAll(async () => {
  await testDb.drop();
});

describe("the digest of a small workspace, computed by hand", () => {
  let d: Digest;
  beforeAll(async () => {
    d = await new DigestService(db()).build(ws, periodFor("week", NOW));
  });

  it("pipeline now per stage and currency, weighted by stage probability", () => {
    expect(d.pipeline).toEqual([
      { stage: "lead", probability: 10, count: 2, amounts: [{ currency: "USD", amount: "1600.00", weighted: "160.00", count: 2 }] },
      { stage: "qualified", probability: 25, count: 1, amounts: [{ currency: "USD", amount: "800.00", weighted: "200.00", count: 1 }] },
      { stage: "proposal", probability: 50, count: 1, amounts: [{ currency: "USD", amount: "4000.00", weighted: "2000.00", count: 1 }] },
      { stage: "negotiation", probability: 75, count: 1, amounts: [{ currency: "EUR", amount: "2000.00", weighted: "1500.00", count: 1 }] },
    ]);
  });

  it("new, won and lost deals against the same stretch of last week, and the win rate", () => {
    expect(d.newDeals).toEqual({ count: { cur: 1, prev: 1 }, amounts: [{ currency: "USD", cur: "1000.00", prev: "4000.00" }] });
    expect(d.won).toEqual({ count: { cur: 1, prev: 1 }, amounts: [{ currency: "USD", cur: "5000.00", prev: "3000.00" }] });
    expect(d.lost).toEqual({ count: { cur: 1, prev: 0 }, amounts: [{ currency: "USD", cur: "1500.00", prev: "0.00" }] });
    expect(d.winRate).toEqual({ cur: 50, prev: 100 });
  });

  it("velocity: average days in a stage over the stays that ended in each stretch", () => {
    const v = Object.fromEntries(d.velocity.map((x) => [x.stage, x]));
    expect(v.negotiation.cur).toBeCloseTo(4.625, 6); // D-4: 12 Mar 00:00 → 16 Mar 15:00
    expect(v.lead.cur).toBeCloseTo(12.375, 6); // D-6: 5 Mar 00:00 → 17 Mar 09:00
    expect(v.lead.prev).toBeCloseTo((9 + 10 / 24 + 1) / 2, 6); // D-5 9d 10h and D-2 1d
    expect(v.qualified).toMatchObject({ cur: null, prev: 4 }); // D-4: 5 Mar → 9 Mar
    expect(v.proposal).toMatchObject({ cur: null, prev: null });
  });

  it("forecast to the end of the week: won so far plus open deals weighted, per currency", () => {
    expect(d.forecast).toEqual([
      { currency: "USD", won: "5000.00", weighted: "100.00", deals: 1, total: "5100.00" },
      { currency: "EUR", won: "0.00", weighted: "1500.00", deals: 1, total: "1500.00" },
    ]);
  });

  it("stalled deals: open, untouched for the workspace's 14 days, largest first", () => {
    expect(d.stalled).toEqual({
      days: 14,
      count: 2,
      top: [
        { key: "D-3", title: "Deal 3", amount: "2000.00", currency: "EUR", idleDays: 17 },
        { key: "D-8", title: "Deal 8", amount: "600.00", currency: "USD", idleDays: 36 },
      ],
    });
  });

  it("tickets opened, resolved, SLA breached, and median response times", () => {
    expect(d.tickets).toEqual({
      opened: { cur: 2, prev: 1 },
      resolved: { cur: 2, prev: 1 },
      breached: { cur: 1, prev: 0 },
      firstResponseS: { cur: 3 * 3600, prev: 3600 }, // median of 2h and 4h; 1h
      resolutionS: { cur: (86400 + 15 * 86400 + 12 * 3600) / 2, prev: 6 * 3600 },
    });
  });

  it("interactions by kind, the leaderboard and campaign results", () => {
    expect(d.interactions).toEqual({
      total: { cur: 3, prev: 1 },
      byKind: [
        { kind: "call", cur: 2, prev: 0 },
        { kind: "email", cur: 1, prev: 0 },
        { kind: "note", cur: 0, prev: 1 },
      ],
    });
    expect(d.leaderboard).toEqual([
      { name: "Ana Lopez", wonDeals: 1, won: [{ currency: "USD", amount: "5000.00" }], interactions: 2 },
      { name: "Ben Okoro", wonDeals: 0, won: [], interactions: 1 },
    ]);
    expect(d.campaigns).toEqual({ sent: { cur: 2, prev: 1 }, failed: { cur: 1, prev: 0 } });
  });

  it("tells the pipeline before the digest is done, so /crm digest draws the chart while the rest is summed", async () => {
    const order: string[] = [];
    let part: unknown;
    const built = await new DigestService(db())
      .build(ws, periodFor("week", NOW), (p) => {
        order.push("pipeline");
        part = p;
      })
      .then((x) => (order.push("digest"), x));
    expect(order).toEqual(["pipeline", "digest"]);
    expect(part).toEqual({ workspace: built.workspace, pipeline: built.pipeline });
    // the reply with the early chart carries the very image it would have drawn itself
    const early = await digestReply(built, { chart: true, chartPng: pipelineChartPng(part as Digest) });
    const late = await digestReply(built, { chart: true });
    const png = (r: typeof early) => r.blocks.flatMap((bl) => (bl.type === "image" ? [Buffer.from(bl.png!)] : []));
    expect(png(early)).toHaveLength(1);
    expect(png(early)[0].equals(png(late)[0])).toBe(true);
  });

  it("reads as a message, with the chart", async () => {
    const r = await digestReply(d, { chart: true });
    const text = r.blocks
      .map((b) => (b.type === "text" || b.type === "context" ? richToPlain(b.text) : b.type === "header" ? b.text : ""))
      .join("\n");
    expect(text).toContain("📊 Digest: this week");
    expect(text).toContain("Mon 16 Mar 00:00 – Wed 18 Mar 12:00 UTC");
    expect(text).toContain("🆕 New: 1 (= 0%) · $1,000");
    expect(text).toContain("🏆 Won: 1 (= 0%) · $5,000");
    expect(text).toContain("✖️ Lost: 1 (▲ new) · $1,500");
    expect(text).toContain("🎯 Win rate: 50% (▼ 50 pts)");
    expect(text).toContain("$5,100 = won $5,000 + weighted open $100 (1 deal expected to close)");
    expect(text).toContain("D-3 Deal 3 · €2,000 · idle 17d");
    expect(text).toContain("breached SLA: 1 (▲ new)");
    expect(text).toContain("Median first response: 3h (▲ 200%)");
    expect(text).toContain("🥇 Ana Lopez · won $5,000 (1 deal) · 2 interactions");
    expect(text).toContain("Sent: 2 (▲ 100%) · failed: 1 (▲ new)");
    const img = r.blocks.find((b) => b.type === "image");
    expect(img && img.type === "image" && [...img.png!.slice(0, 8)]).toEqual(PNG_SIGNATURE);
  });

  it("an empty workspace gets zeros, not errors", async () => {
    const w = await db().workspace.create({ data: { name: "Empty Co" } });
    await db().$transaction((tx) => createWorkspaceDefaults(tx, w.id));
    const e = await new DigestService(db()).build(w.id, periodFor("month", NOW));
    expect(e.pipeline.map((p) => p.count)).toEqual([0, 0, 0, 0]);
    expect(e.winRate).toEqual({ cur: null, prev: null });
    expect(e.campaigns).toBeNull();
    expect(e.stalled).toEqual({ days: 14, count: 0, top: [] });
    const r = await digestReply(e, { chart: true });
    expect(r.blocks.some((b) => b.type === "image")).toBe(true);
  });
});

describe("the large seed (at a hundredth of its size)", () => {
  it("fills a consistent workspace in bulk, and the digest reads it", async () => {
    const scale = { contacts: 1000, companies: 50, deals: 500, interactions: 10_000, tickets: 1000, members: 6 };
    const r = await seedLarge(db(), { name: "Large Test Co", scale });
    expect(r.status).toBe("created");
    expect(r.counts).toMatchObject({ members: 6, companies: 50, contacts: 1000, deals: 500, interactions: 10_000, tickets: 1000 });
    expect(r.counts.stageChanges).toBeGreaterThan(500);
    const w = r.workspaceId;
    // every deal's history ends in its current stage at stageEnteredAt; every reference points inside the workspace
    const [check] = await db().$queryRaw<{ bad_last: number; orphans: number; closed_open: number; future: number }[]>`
      SELECT (SELECT count(*) FROM "Deal" d WHERE d."workspaceId" = ${w} AND NOT EXISTS (
                SELECT 1 FROM "DealStageChange" c WHERE c."dealId" = d.id AND c."toStageId" = d."stageId" AND c.at = d."stageEnteredAt"))::int AS bad_last,
             (SELECT count(*) FROM "Interaction" i WHERE i."workspaceId" = ${w} AND ((i."dealId" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "Deal" d WHERE d.id = i."dealId" AND d."workspaceId" = ${w}))
                OR (i."contactId" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "Contact" c WHERE c.id = i."contactId" AND c."workspaceId" = ${w}))))::int AS orphans,
             (SELECT count(*) FROM "Deal" d JOIN "Stage" s ON s.id = d."stageId" WHERE d."workspaceId" = ${w} AND (s."isWon" OR s."isLost") <> (d."closedAt" IS NOT NULL))::int AS closed_open,
             (SELECT count(*) FROM "Deal" d WHERE d."workspaceId" = ${w} AND (d."closedAt" > now() AT TIME ZONE 'UTC' OR d."createdAt" > now() AT TIME ZONE 'UTC'))::int AS future`;
    expect(check).toEqual({ bad_last: 0, orphans: 0, closed_open: 0, future: 0 });
    expect((await db().keyCounter.findFirstOrThrow({ where: { workspaceId: w, kind: "contact" } })).value).toBe(1000);
    expect((await seedLarge(db(), { name: "Large Test Co", scale })).status).toBe("exists");
    const d = await new DigestService(db()).build(w, periodFor("month"));
    expect(d.pipeline.reduce((a, x) => a + x.count, 0)).toBeGreaterThan(200);
    expect(d.interactions.total.cur).toBeGreaterThan(0);
    expect(d.leaderboard.length).toBeGreaterThan(0);
  }, 60_000);
});

describe("the pipeline chart", () => {
  it("is a PNG made here, with the stage names drawn in DejaVu Sans", async () => {
    const stages = ["lead", "qualified", "proposal", "negotiation"];
    const { svg, png } = await renderChart(
      pipelineChartSpec(
        "Open pipeline by stage",
        [
          { stage: "lead", currency: "USD", amount: 1600, weighted: 160, deals: 2 },
          { stage: "qualified", currency: "USD", amount: 800, weighted: 200, deals: 1 },
          { stage: "proposal", currency: "USD", amount: 4000, weighted: 2000, deals: 1 },
          { stage: "negotiation", currency: "EUR", amount: 2000, weighted: 1500, deals: 1 },
        ],
        stages,
      ),
    );
    for (const s of stages) expect(svg).toContain(`>${s}</text>`);
    expect(svg).toContain("DejaVu Sans");
    expect([...png.slice(0, 8)]).toEqual(PNG_SIGNATURE);
    // IHDR: width and height at 2× scale
    const view = new DataView(png.buffer, png.byteOffset);
    expect(view.getUint32(16)).toBeGreaterThan(1000);
    expect(view.getUint32(20)).toBeGreaterThan(300);
    expect(png.length).toBeGreaterThan(10_000);
  });
});

describe("on chat surfaces", () => {
  let t: TestApp;
  let fake: FakeServer;
  beforeAll(async () => {
    fake = await startFakeSlack();
    fake.on("POST", "/api/files.getUploadURLExternal", (r) => ({
      body: { ok: true, upload_url: `${fake.url}/upload/${(r.body as any).filename}`, file_id: "F0CHART" },
    }));
    fake.on("POST", /^\/upload\//, () => ({ body: "OK - 1234" }));
    fake.on("POST", "/api/files.completeUploadExternal", () => ({ body: { ok: true, files: [{ id: "F0CHART", title: "chart" }] } }));
    t = await startTestApp(slackEnv(fake));
  });
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });

  it("the console shows the digest with the chart inline", async () => {
    const c = await consoleSession(t.url);
    await c.run('deal new "Acme renewal" 12k stage:proposal');
    const r = await c.run("digest week");
    expect(r.kind).toBe("ok");
    expect(r.plain).toContain("Digest: this week");
    expect(r.plain).toContain("proposal 50% · 1 deal · $12,000");
    expect(r.html).toMatch(/<img alt="Open pipeline by stage[^"]*" src="data:image\/png;base64,iVBORw0KGgo/);
    expect(r.plain).not.toContain("Post to channel");
    expect((await c.run("digest post week")).kind).toBe("error");
    expect((await c.run("digest year")).plain).toContain('"year" is not one of today, week, month');
  });

  it("Slack: an ephemeral digest with a post button; the button posts the digest and uploads the chart to the channel", async () => {
    const res = await (await slash(t.url, "digest month", fake, { channel: "CSALES" })).json();
    expect(res.response_type).toBe("ephemeral");
    const blocks = JSON.stringify(res.blocks);
    expect(blocks).toContain("Digest: this month");
    expect(blocks).toContain("the chart image is attached when this is posted to a channel");
    expect(blocks).toContain("Post to channel with chart");
    expect(blocks).not.toContain("Share in channel");

    // the double click below must land in the same minute as this post (the dedupe is per minute): a CI run
    // that started this at hh:mm:59 saw two posts. Start early in a minute.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50));
    const posted = await (await slash(t.url, "digest post month", fake, { channel: "CSALES" })).json();
    expect(JSON.stringify(posted)).toContain("Posting the monthly digest");
    const [msg] = await fake.waitFor("/api/chat.postMessage", 1, 10_000);
    expect(apiArgs(msg).channel).toBe("CSALES");
    expect(JSON.stringify(apiArgs(msg).blocks)).toContain("Digest: this month");
    expect(JSON.stringify(apiArgs(msg).blocks)).not.toContain("the chart image is attached");
    const [url] = await fake.waitFor("/api/files.getUploadURLExternal", 1, 10_000);
    expect(Number(apiArgs(url).length)).toBeGreaterThan(10_000);
    const [upload] = await fake.waitFor(/^\/upload\//);
    expect(upload.raw).toContain("PNG\r\n\x1a\n"); // multipart body with the PNG signature
    const [complete] = await fake.waitFor("/api/files.completeUploadExternal");
    expect(apiArgs(complete).channel_id).toBe("CSALES");
    // a double click in the same minute posts once
    await slash(t.url, "digest post month", fake, { channel: "CSALES" });
    await new Promise((r) => setTimeout(r, 700));
    expect(fake.calls("/api/chat.postMessage").filter((c) => apiArgs(c).channel === "CSALES")).toHaveLength(1);
  }, 60_000); // may wait up to 20 s for a fresh minute
});
