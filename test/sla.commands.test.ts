// A support lead tunes the SLA targets from the console: `/crm sla show` and `/crm sla set`, who may,
// what is audited, and how open tickets follow. Plus the pure timer plan.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import { claimKey, fireAt, planTimers, timerIdsOf, type TimedTicket } from "../src/domain/tickets/slaTimers.ts";

const H = 3_600_000;
let t: TestApp;
let c: ConsoleSession;
let ann: string, mia: string;

beforeAll(async () => {
  t = await startTestApp();
  c = await consoleSession(t.url, "Helpdesk");
  ann = await c.addMember("Ann Agent");
  mia = await c.addMember("Mia Manager", "manager");
});
afterAll(async () => {
  await t.stop();
});

const policy = (priority: "urgent" | "high" | "normal" | "low") =>
  t.app.db.prisma.slaPolicy.findUniqueOrThrow({ where: { workspaceId_priority: { workspaceId: c.workspaceId, priority } } });

describe("/crm sla", () => {
  it("sla show lists each priority's targets, most urgent first", async () => {
    const r = await c.run("sla show", ann);
    expect(r.kind).toBe("ok");
    expect(r.plain).toContain("SLA targets");
    expect(r.plain).toMatch(
      /urgent: first response 1h · resolution 4h\nhigh: first response 4h · resolution 1d\nnormal: first response 8h · resolution 3d\nlow: first response 1d · resolution 7d/,
    );
    expect(r.plain).toContain("Warnings go to the assignee at 80 %");
  });

  it("managers set targets with durations; the change is audited and open tickets of that priority follow", async () => {
    expect((await c.run('ticket new "Old one" priority:high')).kind).toBe("ok");
    const before = await t.app.db.prisma.ticket.findFirstOrThrow({ where: { workspaceId: c.workspaceId, number: 1 } });
    expect(before.firstResponseDueAt!.getTime() - before.createdAt.getTime()).toBe(4 * H);

    const r = await c.run("sla set high first:90m resolve:2d", mia);
    expect(r.plain).toContain("high tickets: first response within 1h 30m, resolution within 2d.");
    expect(r.plain).toContain("1 open ticket rescheduled");
    expect(await policy("high")).toMatchObject({ firstResponseSec: 5400, resolutionSec: 172800 });
    const after = await t.app.db.prisma.ticket.findFirstOrThrow({ where: { id: before.id } });
    expect(after.firstResponseDueAt!.getTime() - after.createdAt.getTime()).toBe(90 * 60_000);
    expect(after.resolutionDueAt!.getTime() - after.createdAt.getTime()).toBe(48 * H);
    const jobs = (await t.app.jobs.queue("sla").getDelayed()).filter((j) => j.id?.includes(before.id));
    expect(jobs.map((j) => j.id).sort()).toEqual(
      planTimers(after)
        .map((p) => p.id)
        .sort(),
    );

    const audit = await t.app.db.prisma.auditLog.findFirstOrThrow({ where: { workspaceId: c.workspaceId, action: "sla.set" } });
    expect(audit).toMatchObject({
      actorId: mia,
      before: { priority: "high", firstResponseSec: 14400, resolutionSec: 86400 },
      after: { priority: "high", firstResponseSec: 5400, resolutionSec: 172800 },
    });

    // one target alone keeps the other
    expect((await c.run("sla set high resolve:36h", mia)).plain).toContain("first response within 1h 30m, resolution within 1d 12h");
    expect((await c.run("sla show")).plain).toContain("high: first response 1h 30m · resolution 1d 12h");
  });

  it("agents cannot change targets; bad durations and impossible targets say why and write nothing", async () => {
    const audits = () => t.app.db.prisma.auditLog.count({ where: { workspaceId: c.workspaceId } });
    const n = await audits();
    const before = await policy("urgent");
    const agent = await c.run("sla set urgent first:5m resolve:1h", ann);
    expect(agent.kind).toBe("error");
    expect(agent.plain).toContain("Only managers and admins can change SLA targets");
    const bad = await c.run("sla set urgent first:soon resolve:1h", mia);
    expect(bad.plain).toContain(`first could not read "soon" as a duration`);
    expect(bad.plain).toContain("/crm sla set <priority> first:<duration> resolve:<duration>");
    expect((await c.run("sla set asap first:5m", mia)).plain).toContain('"asap" is not one of low, normal, high, urgent');
    expect((await c.run("sla set urgent", mia)).plain).toContain("Give first:<duration>, resolve:<duration> or both");
    expect((await c.run("sla set urgent first:2h resolve:1h", mia)).plain).toContain("cannot be longer than the resolution target");
    expect(await policy("urgent")).toEqual(before);
    expect(await audits()).toBe(n);
  });
});

describe("the timer plan", () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
  const base: TimedTicket = {
    id: "tk1",
    workspaceId: "w1",
    status: "open",
    createdAt: at(0),
    pausedMs: 0n,
    firstResponseDueAt: at(10_000),
    resolutionDueAt: at(40_000),
    firstResponseAt: null,
  };

  it("warns at 80 %, breaches at the due time, reaches level 2 one target later", () => {
    const plan = planTimers(base);
    expect(plan.map((p) => [p.data.target, p.data.stage, p.fireAt - at(0).getTime()])).toEqual([
      ["first", "warn", 8_000],
      ["first", "breach", 10_000],
      ["first", "level2", 20_000],
      ["resolution", "warn", 32_000],
      ["resolution", "breach", 40_000],
      ["resolution", "level2", 80_000],
    ]);
    expect(new Set(plan.map((p) => p.id)).size).toBe(6);
    expect(plan.every((p) => !p.id.includes(":"))).toBe(true); // BullMQ custom ids
    expect(timerIdsOf(base).sort()).toEqual(plan.map((p) => p.id).sort());
    expect(fireAt("warn", 1000, 0)).toBe(1000);
  });

  it("no timers while waiting or resolved, none for a met first response", () => {
    expect(planTimers({ ...base, status: "waiting" })).toEqual([]);
    expect(planTimers({ ...base, status: "resolved" })).toEqual([]);
    expect(planTimers({ ...base, firstResponseAt: at(5_000) }).map((p) => p.data.target)).toEqual([
      "resolution",
      "resolution",
      "resolution",
    ]);
  });

  it("a pause moves the timers (new ids) but not the claim: what was notified before waiting is not notified again", () => {
    const resumed = { ...base, pausedMs: 7_000n, firstResponseDueAt: at(17_000), resolutionDueAt: at(47_000) };
    const [a, b] = [planTimers(base)[1], planTimers(resumed)[1]];
    expect(a.id).not.toBe(b.id);
    expect(b.fireAt - a.fireAt).toBe(7_000);
    expect(claimKey(b.data)).toBe(claimKey(a.data));
    // a different target (priority or policy change) is a new event
    const tighter = { ...base, firstResponseDueAt: at(5_000) };
    expect(claimKey(planTimers(tighter)[1].data)).not.toBe(claimKey(a.data));
  });
});
