// Only our own channels, on Slack (issue #11): a channel a setting names must be one the workspace's own
// bot token can see (conversations.info) and, when Slack says which teams a channel belongs to, one of the
// workspace's team; every post to a channel is checked again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { channelSettingsOf } from "./helpers/channelSettings.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { SLACK_TOKEN, apiArgs, slashText, startFakeSlack, slackEnv } from "./helpers/slack.ts";
import { consoleSession } from "./helpers/console.ts";

const TEAM = "T111"; // the team the signed test requests come from
const CHANNELS: Record<string, object> = {
  C0OURS: { ok: true, channel: { id: "C0OURS", context_team_id: TEAM, is_shared: false } },
  C0THEIRS: { ok: false, error: "channel_not_found" },
  C0OTHERTEAM: {
    ok: true,
    channel: { id: "C0OTHERTEAM", context_team_id: "T999", conversation_host_id: "T999", shared_team_ids: ["T999"] },
  },
  C0CONNECT: {
    ok: true,
    channel: { id: "C0CONNECT", context_team_id: TEAM, conversation_host_id: "T999", shared_team_ids: ["T999", TEAM], is_ext_shared: true },
  },
  C0GONE: { ok: false, error: "channel_not_found" },
};

let t: TestApp;
let fake: FakeServer;
let ws: string;
beforeAll(async () => {
  fake = await startFakeSlack();
  // a channel not listed gets the fake's plain {ok: true, channel: id}: a channel object without team fields
  fake.on("POST", "/api/conversations.info", (r) => ({
    body: CHANNELS[apiArgs(r).channel] ?? { ok: true, channel: { id: apiArgs(r).channel } },
  }));
  t = await startTestApp(slackEnv(fake));
  await crm("company add Acme"); // the team's workspace (we are its admin) and A-1
  ws = (await t.app.db.prisma.platformLink.findFirstOrThrow({ where: { platform: "slack", externalId: TEAM } })).workspaceId;
});
afterAll(async () => {
  await t?.stop();
  await fake?.close();
});

const prisma = () => t.app.db.prisma;
const crm = (text: string) => slashText(t.url, text, fake);
const asked = (channel: string) => fake.calls("/api/conversations.info").filter((r) => apiArgs(r).channel === channel);
const posts = (channel: string) => fake.calls("/api/chat.postMessage").filter((r) => apiArgs(r).channel === channel);
/** every trace a channel setting leaves in the workspace */
const settingsOf = () => channelSettingsOf(prisma(), ws);

describe("naming a channel in a setting", () => {
  it("a channel the team's bot token cannot see (channel_not_found) is refused with a clear error and saves nothing", async () => {
    const before = await settingsOf();
    const text = await crm("notify deals <#C0THEIRS|refunds>");
    expect(text).toContain("#C0THEIRS is not a channel the bot can see in this workspace's Slack team; pick one of its own channels");
    expect(asked("C0THEIRS")[0].headers.authorization).toBe(`Bearer ${SLACK_TOKEN}`);
    expect(await settingsOf()).toEqual(before);
  });

  it("a channel Slack says belongs to another team is refused", async () => {
    const text = await crm("notify deals <#C0OTHERTEAM>");
    expect(text).toContain("#C0OTHERTEAM is not a channel of this workspace's Slack team; pick one of its own channels.");
    expect(await prisma().notifyRoute.count({ where: { workspaceId: ws } })).toBe(0);
  });

  it.each([
    ["support channel", "support channel <#C0THEIRS>"],
    ["deal forum", "deal forum <#C0THEIRS>"],
    ["report schedule", "report schedule daily 09:00 <#C0THEIRS>"],
    ["company channel", "company channel A-1 <#C0THEIRS|acme>"],
  ])("%s refuses a channel that is not the team's own and saves nothing", async (_name, command) => {
    const before = await settingsOf();
    expect(await crm(command)).toContain("#C0THEIRS is not a channel the bot can see in this workspace's Slack team");
    expect(await settingsOf()).toEqual(before);
  });

  it("the team's own channel is saved, and so is a Slack Connect channel the team shares", async () => {
    expect(await crm("notify deals <#C0OURS|sales>")).toContain("changes are now posted to");
    expect(await crm("company channel A-1 <#C0CONNECT|acme-shared>")).toContain("A-1");
    expect(await prisma().notifyRoute.findMany({ where: { workspaceId: ws }, select: { topic: true, channelId: true } })).toEqual([
      { topic: "deals", channelId: "C0OURS" },
    ]);
    expect(await prisma().company.findFirstOrThrow({ where: { workspaceId: ws, number: 1 } })).toMatchObject({
      slackChannelId: "C0CONNECT",
    });
  });

  it("a console workspace without a Slack team of its own may not name a Slack channel", async () => {
    const c = await consoleSession(t.url, "No Slack Co");
    const r = await c.run("notify deals <#C0OURS>");
    expect(r.kind).toBe("error");
    expect(r.plain).toContain("#C0OURS is a Slack channel, but this workspace has no Slack connection");
    expect(await prisma().notifyRoute.count({ where: { workspaceId: c.workspaceId } })).toBe(0);
  });
});

describe("posting", () => {
  it("a deal change is not posted to a routed channel the team's token no longer sees; the delivery fails for good", async () => {
    await prisma().notifyRoute.update({
      where: { workspaceId_topic_platform: { workspaceId: ws, topic: "deals", platform: "slack" } },
      data: { channelId: "C0GONE" },
    });
    expect(await crm('deal new "Claim your refund at https://evil.example/refund" 1')).toContain("D-1");
    const end = Date.now() + 10_000;
    let job;
    while (!(job = (await t.app.jobs.queue("deliver-slack").getFailed()).find((j) => j.data.target.channelId === "C0GONE"))) {
      if (Date.now() > end) throw new Error("no failed delivery to C0GONE");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(job.failedReason).toContain("#C0GONE is not a channel the bot can see in this workspace's Slack team");
    expect(job.attemptsMade).toBe(1); // not retried
    expect(asked("C0GONE")).toHaveLength(1);
    expect(posts("C0GONE")).toHaveLength(0);
  });
});
