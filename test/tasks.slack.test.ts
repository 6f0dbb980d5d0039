// Follow-ups on Slack through the real path: signed /crm requests, the worker in the same process, a fake Web
// API. A new member's zone comes from users.info; the reminder DM goes out once with the record's card and
// Done / Snooze buttons that work; App Home lists overdue and today's tasks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { apiArgs, buttonClick, eventCallback, fixture, interactive, slackEnv, slashText, startFakeSlack } from "./helpers/slack.ts";
import { until } from "./helpers/until.ts";
import { reminderReply } from "../src/commands/taskReplies.ts";

let t: TestApp;
let fake: FakeServer;
let ws: string;

const prisma = () => t.app.db.prisma;
const dms = (user: string, match: RegExp) =>
  fake
    .calls("/api/chat.postMessage")
    .filter((r) => apiArgs(r).channel === `D${user}` && match.test(`${apiArgs(r).text} ${JSON.stringify(apiArgs(r).blocks ?? [])}`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  fake = await startFakeSlack();
  fake.on("POST", "/api/conversations.open", (r) => ({ body: { ok: true, channel: { id: `D${apiArgs(r).users}` } } }));
  // W111 works from Madrid, U222 has no zone in their profile
  fake.on("POST", "/api/users.info", (req) => {
    const user = apiArgs(req).user;
    return {
      body: {
        ok: true,
        user: {
          id: user,
          team_id: "T111",
          is_restricted: false,
          is_ultra_restricted: false,
          ...(user === "W111" ? { tz: "Europe/Madrid" } : {}),
        },
      },
    };
  });
  t = await startTestApp(slackEnv(fake));
  expect(await slashText(t.url, 'deal new "Acme renewal" 12k', fake)).toContain("D-1");
  ws = (await prisma().platformLink.findFirstOrThrow({ where: { externalId: "T111" } })).workspaceId;
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await fake?.close();
});

describe("follow-ups on Slack", () => {
  it("a new member gets the zone of their Slack profile; their due times are read and shown in it", async () => {
    const m = await prisma().member.findFirstOrThrow({ where: { workspaceId: ws, slackUserId: "W111" } });
    expect(m.timeZone).toBe("Europe/Madrid");
    const text = await slashText(t.url, 'task add "Call Ana" D-1 due:"tomorrow 9:00"', fake);
    expect(text).toContain("09:00 Europe/Madrid");
    expect(text).not.toContain("set yours");
  });

  it("at the due time the assignee gets one DM with the deal's card and Done / Snooze buttons, and Done works", async () => {
    const text = await slashText(t.url, 'task add "Send the quote" D-1 due:"in 2 seconds"', fake);
    expect(text).toContain("F-2");
    const f2 = await prisma().task.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws, number: 2 } } });
    const [dm] = await until("the reminder DM", () => (dms("W111", /F-2/).length ? dms("W111", /F-2/) : null), { ms: 20_000 });
    const msg = apiArgs(dm);
    expect(msg.text).toMatch(/^⏰ F-2 Send the quote — due .* Europe\/Madrid$/);
    expect(JSON.stringify(msg.blocks)).toContain("D-1 · Acme renewal");
    const buttons = msg.blocks.filter((b: any) => b.type === "actions").flatMap((b: any) => b.elements);
    expect(buttons.map((b: any) => b.text.text)).toEqual(["Done", "Snooze to tomorrow 9:00", "Show deal"]);
    expect(await prisma().task.findUniqueOrThrow({ where: { id: f2.id } })).toMatchObject({ reminderPending: false });
    // the job again, the sweep, a second fire: all find the claim
    expect(await t.app.services.taskReminders.fire({ workspaceId: ws, taskId: f2.id, dueAt: f2.dueAt.getTime() }, reminderReply)).toBe(
      "duplicate",
    );
    expect(await t.app.services.taskReminders.sweep(reminderReply, Date.now() + 60_000)).toBe(0);
    await sleep(1500);
    expect(dms("W111", /F-2/)).toHaveLength(1);

    const done = buttons.find((b: any) => b.text.text === "Done");
    const res = await interactive(t.url, buttonClick(fake, { action_id: done.action_id, value: done.value }));
    expect(res.status).toBe(200);
    await until("F-2 done", async () => (await prisma().task.findUniqueOrThrow({ where: { id: f2.id } })).doneAt);
  });

  it("a snoozed task reminds again at its new time; a done one never", async () => {
    await slashText(t.url, 'task add "Chase the PO" due:"in 1 hour"', fake);
    const f3 = await prisma().task.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws, number: 3 } } });
    expect(await slashText(t.url, "task snooze F-3 in 2 seconds", fake)).toContain("Snoozed *F-3* Chase the PO");
    await until("the snoozed reminder", () => dms("W111", /F-3 Chase the PO/).length, { ms: 20_000 });
    // the reminder planned for the first due time is stale: nothing more
    expect(await t.app.services.taskReminders.fire({ workspaceId: ws, taskId: f3.id, dueAt: f3.dueAt.getTime() }, reminderReply)).toBe(
      "stale",
    );
    await slashText(t.url, 'task add "Never mind" due:"in 4 seconds"', fake);
    expect(await slashText(t.url, "task done F-4", fake)).toContain("*F-4* Never mind is done");
    await sleep(6000);
    expect(dms("W111", /F-4/)).toHaveLength(0);
    expect(dms("W111", /F-3 Chase the PO/)).toHaveLength(1);
  });

  it("App Home lists the member's overdue and today's tasks first", async () => {
    await prisma().task.update({
      where: { workspaceId_number: { workspaceId: ws, number: 3 } },
      data: { dueAt: new Date(Date.now() - 3600_000) },
    });
    const e = fixture("event_callback.app_home_opened.docs.json");
    e.team_id = "T111";
    e.event.user = "W111";
    e.event_id = "EvTasksHome1";
    await eventCallback(t.url, e);
    const [pub] = await fake.waitFor("/api/views.publish");
    const view = JSON.stringify(apiArgs(pub).view);
    expect(view).toContain("My tasks due today");
    expect(view).toMatch(/F-3\*? Chase the PO · due .* ⚠️ overdue/);
    expect(view.indexOf("My tasks due today")).toBeLessThan(view.indexOf("My deals"));
  });
});
