// A manager schedules the digest for a channel: it arrives on time with its chart, once, however many
// workers run; schedules are listed and cancelled, and come back from the database when workers restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../src/app.ts";
import { createLogger } from "../src/log.ts";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession } from "./helpers/console.ts";
import { linkWorkspace } from "./helpers/links.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { apiArgs, slackEnv, slash, startFakeSlack } from "./helpers/slack.ts";
import { cronFor } from "../src/domain/analytics/reports.ts";
import { restoreReportSchedulers } from "../jobs/reports.ts";

let t: TestApp;
let fake: FakeServer;
const extra: App[] = [];

beforeAll(async () => {
  fake = await startFakeSlack();
  let file = 0;
  fake.on("POST", "/api/files.getUploadURLExternal", () => ({
    body: { ok: true, upload_url: `${fake.url}/upload/${++file}`, file_id: `F${file}` },
  }));
  fake.on("POST", /^\/upload\//, () => ({ body: "OK" }));
  fake.on("POST", "/api/files.completeUploadExternal", (r) => ({ body: { ok: true, files: JSON.parse((r.body as any).files) } }));
  // REPORT_SYNC_MS: the tests below run the lost-scheduler check themselves
  t = await startTestApp({ ...slackEnv(fake), REPORT_SYNC_MS: "3600000" });
});
afterAll(async () => {
  for (const a of extra) await a.close();
  await t.stop();
  await fake.close();
});

/** another process's worker: same database, Redis prefix and Slack, no HTTP */
async function startWorker(): Promise<App> {
  const w = await startApp(t.app.config, { role: "worker", logger: createLogger("silent") });
  extra.push(w);
  return w;
}

/** a console workspace linked to a Slack team of its own: it may name that team's channels (the fake Slack owns them all) */
async function slackConsole(name: string) {
  const c = await consoleSession(t.url, name);
  await linkWorkspace(t.app.db.prisma, c.workspaceId, "slack", `T0${name.replace(/\W/g, "").toUpperCase()}`);
  return c;
}

const reports = () => t.app.jobs.queue("reports");
const postsTo = (channel: string) => fake.calls("/api/chat.postMessage").filter((r) => apiArgs(r).channel === channel);
const uploadsTo = (channel: string) => fake.calls("/api/files.completeUploadExternal").filter((r) => apiArgs(r).channel_id === channel);
async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("scheduling", () => {
  it("cron and time zone per cadence", () => {
    expect(cronFor({ cadence: "daily", time: "09:05", weekday: null })).toBe("0 5 9 * * *");
    expect(cronFor({ cadence: "weekly", time: "17:30", weekday: 5 })).toBe("0 30 17 * * 5");
  });

  it("the console schedules to a named channel, lists with the next run, and cancels", async () => {
    const c = await slackConsole("Report Co");
    const noChannel = await c.run("report schedule daily 09:00");
    expect(noChannel.kind).toBe("error");
    expect(noChannel.plain).toContain("Name the channel to post to");
    expect((await c.run("report schedule daily 9:00 weekday:mon <#C0REPORT>")).plain).toContain("weekday: is only for weekly reports");
    expect((await c.run("report schedule weekly 25:00 <#C0REPORT>")).kind).toBe("error");
    expect((await c.run("report schedule weekly 08:30 tz:Mars/Olympus <#C0REPORT>")).plain).toContain("not a time zone");

    const made = await c.run("report schedule weekly 08:30 weekday:fri tz:Europe/Berlin <#C0REPORT|sales>");
    expect(made.kind).toBe("ok");
    expect(made.plain).toContain("Scheduled R-1: every Friday at 08:30 Europe/Berlin · digest of the week so far, posted to <#C0REPORT>");
    const row = await t.app.db.prisma.reportSchedule.findFirstOrThrow({ where: { workspaceId: c.workspaceId, number: 1 } });
    expect(row).toMatchObject({
      cadence: "weekly",
      weekday: 5,
      time: "08:30",
      timezone: "Europe/Berlin",
      period: "week",
      platform: "slack",
      channelId: "C0REPORT",
      active: true,
    });
    const sched = await reports().getJobScheduler(`report:${row.id}`);
    expect(sched).toMatchObject({ pattern: "0 30 8 * * 5", tz: "Europe/Berlin" });
    // the next Friday 08:30 in Berlin is 06:30 or 07:30 UTC
    expect(new Date(sched!.next!).getUTCDay()).toBe(5);
    expect([6, 7]).toContain(new Date(sched!.next!).getUTCHours());

    const list = await c.run("report list");
    expect(list.plain).toMatch(/R-1 every Friday at 08:30 Europe\/Berlin .* → <#C0REPORT> · next \d{4}-\d\d-\d\d 0[67]:30 UTC/);

    const agent = await c.addMember("Avery Agent", "agent");
    expect((await c.run("report cancel R-1", agent)).plain).toContain("Only managers and admins can cancel reports");
    expect((await c.run("report cancel R-1")).plain).toContain("Cancelled R-1");
    expect(await reports().getJobScheduler(`report:${row.id}`)).toBeUndefined();
    expect((await c.run("report list")).plain).toContain("No scheduled reports");
    expect((await c.run("report cancel R-1")).plain).toContain("No scheduled report R-1");
    expect((await c.run("report cancel D-1")).plain).toContain("is not a report key");
  });

  it("a tick is claimed once: running it twice (two workers, a retry) posts once", async () => {
    const c = await slackConsole("Claim Co");
    await c.run("report schedule daily 23:59 <#C0CLAIM>");
    const row = await t.app.db.prisma.reportSchedule.findFirstOrThrow({ where: { workspaceId: c.workspaceId } });
    const tick = new Date(Date.UTC(2026, 0, 5, 23, 59));
    const results = await Promise.all([1, 2, 3].map(() => t.app.services.reports.runTick(c.workspaceId, row.id, tick)));
    expect(results.sort()).toEqual(["duplicate", "duplicate", "posted"]);
    await until("the post", () => postsTo("C0CLAIM").length === 1);
    await until("the chart", () => uploadsTo("C0CLAIM").length === 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(postsTo("C0CLAIM")).toHaveLength(1);
    expect(JSON.stringify(apiArgs(postsTo("C0CLAIM")[0]).blocks)).toContain("Scheduled report R-1");
    // a cancelled schedule's leftover tick posts nothing
    await c.run("report cancel R-1");
    expect(await t.app.services.reports.runTick(c.workspaceId, row.id, new Date(tick.getTime() + 86_400_000))).toBe("inactive");
  });

  it("schedulers are re-created from the database when a worker starts; orphans are removed", async () => {
    const c = await slackConsole("Restart Co");
    await c.run("report schedule daily 07:15 tz:America/New_York <#C0RESTART>");
    const row = await t.app.db.prisma.reportSchedule.findFirstOrThrow({ where: { workspaceId: c.workspaceId } });
    // Redis lost it (flush, new Redis), and a stale scheduler is left from a deleted row
    await reports().removeJobScheduler(`report:${row.id}`);
    await reports().upsertJobScheduler(
      "report:ghost",
      { pattern: "0 0 3 * * *" },
      { name: "report", data: { workspaceId: "nope", scheduleId: "ghost" } },
    );
    await startWorker();
    const back = await until("the scheduler back", () => reports().getJobScheduler(`report:${row.id}`));
    expect(back).toMatchObject({ pattern: "0 15 7 * * *", tz: "America/New_York" });
    await until("the ghost gone", async () => (await reports().getJobScheduler("report:ghost")) === undefined);
  });
});

describe("Redis lost the scheduler (restart without persistence, flush)", () => {
  it("a running worker re-creates it and posts the tick missed meanwhile, once", async () => {
    const c = await slackConsole("Lost Co");
    // a schedule (made two hours ago) whose tick fell due a moment ago, while Redis had lost its scheduler
    const tick = Math.floor(Date.now() / 60_000) * 60_000;
    const hhmm = new Date(tick).toISOString().slice(11, 16);
    await c.run(`report schedule daily ${hhmm} <#C0LOST>`);
    const row = await t.app.db.prisma.reportSchedule.findFirstOrThrow({ where: { workspaceId: c.workspaceId } });
    await t.app.db.prisma.reportSchedule.update({ where: { id: row.id }, data: { createdAt: new Date(Date.now() - 7_200_000) } });
    await reports().removeJobScheduler(`report:${row.id}`);

    expect(await restoreReportSchedulers(t.app.jobs, t.app.services)).toEqual({ restored: 1, caughtUp: 1 });
    expect(await reports().getJobScheduler(`report:${row.id}`)).toMatchObject({ next: tick + 86_400_000 });
    await until("the missed report", () => postsTo("C0LOST").length === 1);
    // found again (another worker, the next check): nothing more to do; the tick is claimed once
    expect(await restoreReportSchedulers(t.app.jobs, t.app.services)).toEqual({ restored: 0, caughtUp: 0 });
    await reports().removeJobScheduler(`report:${row.id}`);
    expect(await restoreReportSchedulers(t.app.jobs, t.app.services)).toEqual({ restored: 1, caughtUp: 1 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(postsTo("C0LOST")).toHaveLength(1);
    expect(await t.app.db.prisma.notification.count({ where: { dedupeKey: `report:${row.id}:${new Date(tick).toISOString()}` } })).toBe(1);
  });

  it("a tick before the schedule existed, or over an hour ago, is not caught up", async () => {
    const c = await slackConsole("Late Co");
    const tick = Math.floor(Date.now() / 60_000) * 60_000;
    await c.run(`report schedule daily ${new Date(tick).toISOString().slice(11, 16)} <#C0LATE>`); // created after its tick
    await c.run(`report schedule daily ${new Date(tick - 2 * 3_600_000).toISOString().slice(11, 16)} <#C0LATE>`);
    const rows = await t.app.db.prisma.reportSchedule.findMany({ where: { workspaceId: c.workspaceId }, orderBy: { number: "asc" } });
    await t.app.db.prisma.reportSchedule.update({ where: { id: rows[1].id }, data: { createdAt: new Date(Date.now() - 86_400_000) } });
    for (const r of rows) await reports().removeJobScheduler(`report:${r.id}`);
    expect(await restoreReportSchedulers(t.app.jobs, t.app.services)).toEqual({ restored: 2, caughtUp: 0 });
  });
});

describe("a schedule for the next minute", () => {
  it(
    "posts the digest with its chart to the channel within that minute, once, with two worker processes",
    { timeout: 80_000 },
    async () => {
      expect(extra.length).toBeGreaterThan(0); // a second worker runs beside the app's own
      // the next whole minute (at least 3 s away), asked for in a zone half an hour off UTC
      let fire = Math.ceil((Date.now() + 1) / 60_000) * 60_000;
      if (fire - Date.now() < 3000) fire += 60_000;
      const local = new Intl.DateTimeFormat("en-GB", {
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
        timeZone: "Asia/Kolkata",
      }).format(new Date(fire));
      const res = await (await slash(t.url, `report schedule daily ${local} tz:Asia/Kolkata`, fake, { channel: "C0NEXT" })).json();
      expect(JSON.stringify(res)).toContain(`at ${local} Asia/Kolkata`);
      const row = await t.app.db.prisma.reportSchedule.findFirstOrThrow({ where: { channelId: "C0NEXT" } });
      expect((await reports().getJobScheduler(`report:${row.id}`))?.next).toBe(fire);

      const [post] = await until(
        "the report",
        () => (postsTo("C0NEXT").length ? postsTo("C0NEXT") : undefined),
        fire - Date.now() + 20_000,
      );
      expect(post.at).toBeGreaterThanOrEqual(fire);
      expect(post.at - fire).toBeLessThan(60_000);
      const blocks = JSON.stringify(apiArgs(post).blocks);
      expect(blocks).toContain("Digest: today");
      expect(blocks).toContain("Scheduled report R-1");
      const [upload] = await until("the chart", () => (uploadsTo("C0NEXT").length ? uploadsTo("C0NEXT") : undefined));
      expect(JSON.parse(apiArgs(upload).files)[0].title).toContain("Open pipeline by stage");

      // both workers saw the tick; it posted once and was claimed once
      await new Promise((r) => setTimeout(r, 3000));
      expect(postsTo("C0NEXT")).toHaveLength(1);
      expect(uploadsTo("C0NEXT")).toHaveLength(1);
      expect(await t.app.db.prisma.notification.count({ where: { dedupeKey: `report:${row.id}:${new Date(fire).toISOString()}` } })).toBe(
        1,
      );
    },
  );
});
