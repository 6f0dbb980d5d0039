// A support desk on Slack with SLAs in seconds: tickets warn, breach and escalate by themselves, through
// real BullMQ delayed jobs and the fake Slack Web API; resolving, waiting and re-prioritising stop the
// old timers; a timer that runs twice notifies once; manual escalations follow the same levels.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer, RecordedRequest } from "./helpers/fakeHttp.ts";
import { apiArgs, slackEnv, slashText, startFakeSlack, type Who } from "./helpers/slack.ts";
import { planTimers } from "../src/domain/tickets/slaTimers.ts";

let t: TestApp;
let fake: FakeServer;
let ws: string;
const AGENT = "W200",
  MANAGER = "W300";

/** /crm over Slack → the text of its answer (ack body or response_url) */
const crm = (text: string, who: Who = {}) => slashText(t.url, text, fake, who);

beforeAll(async () => {
  fake = await startFakeSlack();
  // a DM: conversations.open gives the IM channel D<user>, then chat.postMessage posts there
  fake.on("POST", "/api/conversations.open", (r) => ({ body: { ok: true, channel: { id: `D${apiArgs(r).users}` } } }));
  t = await startTestApp(slackEnv(fake));
  for (const cmd of [
    "notify tickets <#CTICKETS|tickets>",
    "notify escalations <#CESC|escalations>",
    `role <@${MANAGER}> manager`,
    `role <@${AGENT}> agent`,
  ])
    await crm(cmd);
  expect(await crm("sla set urgent first:2s resolve:4s")).toContain("first response within 2s, resolution within 4s");
  // a wider margin where a test must act before the first timer
  expect(await crm("sla set high first:3s resolve:5s")).toContain("first response within 3s, resolution within 5s");
  ws = (await t.app.db.prisma.platformLink.findFirstOrThrow({ where: { externalId: "T111" } })).workspaceId;
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (r: RecordedRequest) => String(apiArgs(r).text ?? "");
/** chat.postMessage calls to a channel (DMs: D<user>) whose text matches */
const sent = (channel: string, match: RegExp) =>
  fake.calls("/api/chat.postMessage").filter((r) => apiArgs(r).channel === channel && match.test(text(r)));
async function waitSent(channel: string, match: RegExp, n = 1, ms = 20_000): Promise<RecordedRequest[]> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (sent(channel, match).length >= n) return sent(channel, match);
    await sleep(25);
  }
  throw new Error(
    `expected ${n} message(s) to ${channel} matching ${match}; saw: ${fake
      .calls("/api/chat.postMessage")
      .map((r) => `${apiArgs(r).channel}: ${text(r)}`)
      .join(" | ")}`,
  );
}
const aboutTicket = (n: number) => fake.calls("/api/chat.postMessage").filter((r) => new RegExp(`\\bT-${n}\\b`).test(text(r)));
const ticket = (number: number) => t.app.db.prisma.ticket.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws, number } } });
const slaJobsFor = async (ticketId: string) =>
  (await t.app.jobs.queue("sla").getJobs(["delayed", "wait", "active"])).filter((j) => j.id?.includes(ticketId));
const newTicket = async (args: string) => {
  const res = await crm(`ticket new ${args}`);
  const m = /Opened (T-(\d+))/.exec(res);
  if (!m) throw new Error(`no ticket opened: ${res}`);
  const number = Number(m[2]);
  // timers count from the ticket's creation (the reply may come later on a busy machine)
  return { key: m[1], number, at: (await ticket(number)).createdAt.getTime() };
};

describe("SLA timers", () => {
  it("a ticket warns its assignee, breaches to level 1 (assignee + tickets channel), then level 2 (managers + escalations channel)", async () => {
    const { number, at } = await newTicket(`"VPN down" priority:urgent assign:<@${AGENT}>`);
    expect(number).toBe(1);
    // the assignee hears of the assignment by DM (conversations.open with their user id)
    await waitSent(`D${AGENT}`, /T-1 is assigned to you/);
    expect(fake.calls("/api/conversations.open").some((r) => apiArgs(r).users === AGENT)).toBe(true);

    const [warn] = await waitSent(`D${AGENT}`, /SLA warning: T-1 first response due in/);
    expect(warn.at - at).toBeGreaterThanOrEqual(1600); // 80 % of 2 s, never early
    const [breachDm] = await waitSent(`D${AGENT}`, /SLA breached: T-1 first response \(level 1\)/);
    const [breachChannel] = await waitSent("CTICKETS", /SLA breached: T-1 first response \(level 1\)/);
    expect(Math.min(breachDm.at, breachChannel.at) - at).toBeGreaterThanOrEqual(2000);
    expect(JSON.stringify(apiArgs(breachChannel).blocks)).toContain("Assignee: W200");
    if (Date.now() - at < 3500) {
      // (level 2 is due at 4 s)
      expect(await ticket(1)).toMatchObject({ escalationLevel: 1, breached: false });
      expect(sent("CESC", /T-1/)).toHaveLength(0);
    }

    // another full period (2 s) after the breach: level 2 goes to the managers and the escalations channel
    const [l2] = await waitSent("CESC", /Escalated to level 2: T-1 first response still overdue/);
    expect(l2.at - at).toBeGreaterThanOrEqual(4000);
    await waitSent(`D${MANAGER}`, /Escalated to level 2: T-1/);
    expect(await ticket(1)).toMatchObject({ escalationLevel: 2, breached: true });
    await crm("ticket resolve T-1 rebooted the concentrator");

    await sleep(600);
    // each event once, and the admin (not a manager) gets no DMs
    expect(sent(`D${AGENT}`, /SLA warning: T-1 first response/)).toHaveLength(1);
    expect(sent(`D${AGENT}`, /SLA breached: T-1 first response/)).toHaveLength(1);
    expect(sent("CTICKETS", /SLA breached: T-1 first response/)).toHaveLength(1);
    expect(sent("CESC", /Escalated to level 2: T-1 first response/)).toHaveLength(1);
    expect(sent(`D${MANAGER}`, /Escalated to level 2: T-1 first response/)).toHaveLength(1);
    expect(sent("DW111", /./)).toHaveLength(0);
    const show = await crm("ticket show T-1");
    expect(show).toContain("escalated to level 1 by the SLA timer: first response SLA breached");
    expect(show).toContain("escalated to level 2 by the SLA timer: first response SLA still breached");
    const claims = await t.app.db.prisma.notification.findMany({
      where: { workspaceId: ws, dedupeKey: { startsWith: `sla:${(await ticket(1)).id}:first:` } },
    });
    expect(claims.map((c) => c.dedupeKey.split(":")[3]).sort()).toEqual(["breach", "level2", "warn"]);
  });

  it("resolving before the deadline removes both targets' timers: nothing is sent after the deadline", async () => {
    const { number, at } = await newTicket(`"Printer jam" priority:high assign:<@${AGENT}>`);
    const id = (await ticket(number)).id;
    expect((await slaJobsFor(id)).length).toBe(6);
    await crm(`ticket resolve T-${number} cleared it`);
    expect(Date.now() - at).toBeLessThan(2400); // before the first warning
    expect(await slaJobsFor(id)).toEqual([]);
    await sleep(Math.max(0, at + 5500 - Date.now()));
    expect(
      aboutTicket(number)
        .map(text)
        .filter((x) => /SLA|Escalated/.test(x)),
    ).toEqual([]);
  });

  it("a waiting ticket does not breach; a logged answer resumes it and the clock runs on from where it stopped", async () => {
    const { number, at } = await newTicket(`"Export broken" priority:high assign:<@${AGENT}>`);
    const k = `T-${number}`;
    await sleep(Math.max(0, at + 400 - Date.now()));
    await crm(`ticket wait ${k}`);
    const id = (await ticket(number)).id;
    expect((await ticket(number)).waitingSince!.getTime() - at).toBeLessThan(2400); // before the first warning
    expect(await slaJobsFor(id)).toEqual([]);
    await sleep(Math.max(0, at + 3800 - Date.now())); // past both the warning and the first-response due time
    expect(
      aboutTicket(number)
        .map(text)
        .filter((x) => /SLA|Escalated/.test(x)),
    ).toEqual([]);
    expect((await ticket(number)).escalationLevel).toBe(0);

    // an agent's answer is the first response and resumes the clocks
    expect(await crm(`log note ${k} Customer sent the logs`)).toContain("its SLA clock runs again");
    const t3 = await ticket(number);
    expect(t3.status).toBe("open");
    expect(t3.firstResponseAt).not.toBeNull();
    // the waited time is added: still 5 s of running clock from opening to the resolution due time
    expect(Number(t3.pausedMs)).toBeGreaterThanOrEqual(3000);
    expect(t3.resolutionDueAt!.getTime() - at - Number(t3.pausedMs)).toBe(5000);
    expect((await slaJobsFor(id)).map((j) => j.name).sort()).toEqual(["resolution-breach", "resolution-level2", "resolution-warn"]);
    const [breach] = await waitSent("CTICKETS", new RegExp(`SLA breached: ${k} resolution`));
    expect(breach.at).toBeGreaterThanOrEqual(t3.resolutionDueAt!.getTime());
    // the met first response never warns or breaches
    expect(
      aboutTicket(number)
        .map(text)
        .filter((x) => /first response/.test(x) && /SLA|Escalated/.test(x)),
    ).toEqual([]);
    await crm(`ticket resolve ${k}`);
  });

  it("re-prioritising replaces the timers; a stale timer that fires anyway does nothing", async () => {
    const { number, at } = await newTicket(`"Slow dashboard" priority:high assign:<@${AGENT}>`);
    const before = await ticket(number);
    const old = planTimers(before);
    expect(await crm(`ticket priority T-${number} low`)).toContain("priority high → low");
    expect(Date.now() - at).toBeLessThan(2400); // before the first warning
    const after = await ticket(number);
    expect(after.firstResponseDueAt!.getTime() - after.createdAt.getTime()).toBe(24 * 3600_000);
    const jobs = await slaJobsFor(after.id);
    expect(jobs).toHaveLength(6);
    expect(jobs.every((j) => old.every((o) => o.id !== j.id))).toBe(true);
    // the high-priority breach timer, had it escaped removal
    const breach = old.find((o) => o.data.target === "first" && o.data.stage === "breach")!;
    expect(await t.app.services.escalations.fire(breach.data)).toBe("stale");
    await sleep(Math.max(0, at + 3500 - Date.now()));
    expect(
      aboutTicket(number)
        .map(text)
        .filter((x) => /SLA|Escalated/.test(x)),
    ).toEqual([]);
    expect((await ticket(number)).escalationLevel).toBe(0);
    const audit = await t.app.db.prisma.auditLog.findFirstOrThrow({
      where: { workspaceId: ws, action: "ticket.priority", entityId: after.id },
    });
    expect(audit.before).toMatchObject({ priority: "high" });
  });

  it("a timer that runs twice, even at the same moment, notifies once", async () => {
    const { number } = await newTicket(`"Mail bounce" priority:low assign:<@${AGENT}>`);
    const tk = await ticket(number);
    const breach = planTimers(tk).find((p) => p.data.target === "first" && p.data.stage === "breach")!;
    const results = await Promise.all([t.app.services.escalations.fire(breach.data), t.app.services.escalations.fire(breach.data)]);
    expect(results.sort()).toEqual(["duplicate", "notified"]);
    expect(await t.app.services.escalations.fire(breach.data)).toBe("duplicate");
    await waitSent("CTICKETS", new RegExp(`SLA breached: T-${number} first response`));
    await sleep(500);
    expect(sent("CTICKETS", new RegExp(`SLA breached: T-${number}`))).toHaveLength(1);
    expect(sent(`D${AGENT}`, new RegExp(`SLA breached: T-${number}`))).toHaveLength(1);
    expect((await ticket(number)).escalationLevel).toBe(1);
  });

  it("/crm ticket escalate: level 1 tells the assignee and the tickets channel, level 2 the managers and the escalations channel", async () => {
    const { number } = await newTicket(`"Invoice wrong" priority:low assign:<@${AGENT}>`);
    const k = `T-${number}`;
    expect(await crm(`ticket escalate ${k} customer is furious`)).toContain("escalated to level 1: customer is furious");
    await waitSent(`D${AGENT}`, new RegExp(`${k} escalated to level 1 by primary-owner`));
    await waitSent("CTICKETS", new RegExp(`${k} escalated to level 1`));
    await crm(`ticket escalate ${k} still furious`);
    await waitSent("CESC", new RegExp(`${k} escalated to level 2 by primary-owner`));
    await waitSent(`D${MANAGER}`, new RegExp(`${k} escalated to level 2`));
    await sleep(400);
    expect(sent("CESC", new RegExp(`${k} escalated to level 1`))).toHaveLength(0);
    expect(sent("CTICKETS", new RegExp(`${k} escalated to level 2`))).toHaveLength(0);
    expect(sent(`D${AGENT}`, new RegExp(`${k} escalated`))).toHaveLength(1);
    expect((await ticket(number)).escalationLevel).toBe(2);
  });
});
