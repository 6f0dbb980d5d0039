// Only our own channels, on Discord (issue #11): the bot's one token reaches every server it was added to,
// so a manager of one server must not make it post into another's. A channel a setting names is checked
// (GET /channels/{id} → guild_id) before it is saved, and every post and thread is checked again.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "./helpers/until.ts";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { channelSettingsOf } from "./helpers/channelSettings.ts";
import {
  CHANNEL,
  DISCORD_TOKEN,
  GUILD,
  OTHER_GUILD,
  USER,
  channelMessagesPath,
  channelOpt,
  commandBody,
  discordEnv,
  interact,
  shown,
  startFakeDiscord,
  str,
  type FakeDiscord,
  type Opt,
} from "./helpers/discord.ts";
import { consoleSession } from "./helpers/console.ts";
import { createDiscordDelivery } from "../adapters/discord/delivery.ts";
import { PermanentDeliveryError } from "../src/delivery/port.ts";
import { reply } from "../src/reply/reply.ts";
import { createLogger } from "../src/log.ts";

const OURS = "1510000000000000011"; // a channel of GUILD (the fake's default)
const THEIRS = "1999999999999999999"; // a channel of another server the bot is in
const GONE = "1999999999999999998"; // Unknown Channel (deleted, or of a server the bot is not in)
const SAVED_BEFORE = "1999999999999999997"; // another server's channel saved before the check existed
const FOREIGN_SUPPORT = "1999999999999999996";
const NOT_OURS = /#1999999999999999999 is not a channel of this workspace's Discord server; pick one of its own channels\./;

let t: TestApp;
let fake: FakeDiscord;
let ws: string;
beforeAll(async () => {
  fake = await startFakeDiscord();
  for (const id of [THEIRS, SAVED_BEFORE, FOREIGN_SUPPORT]) fake.channelGuilds.set(id, OTHER_GUILD);
  fake.channelGuilds.set(GONE, null);
  t = await startTestApp(discordEnv(fake));
  await interact(t.url, commandBody(["company", "add"], [str("name", "Acme")])); // the server's workspace (we are its admin) and A-1
  // a first command may be answered after a deferral on a busy machine: wait for what it wrote, not for its answer
  ws = (
    await until("the server's workspace", () =>
      t.app.db.prisma.platformLink.findFirst({ where: { platform: "discord", externalId: GUILD } }),
    )
  ).workspaceId;
  await until("A-1", () => t.app.db.prisma.company.findFirst({ where: { workspaceId: ws, name: "Acme" } }));
});
afterAll(async () => {
  await t?.stop();
  await fake?.close();
});

const prisma = () => t.app.db.prisma;
const lookups = (channel: string) => fake.calls(CHANNEL).filter((r) => r.method === "GET" && r.path.endsWith(`/${channel}`));
const posts = (channel: string) => fake.calls(channelMessagesPath(channel)).filter((r) => r.method === "POST");
/** every trace a channel setting leaves in the workspace */
const settingsOf = () => channelSettingsOf(prisma(), ws);
async function failedJob(queue: string, match: (data: any) => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    const job = (await t.app.jobs.queue(queue as never).getFailed()).find((j) => match(j.data));
    if (job) return job;
    if (Date.now() > end) throw new Error(`no failed ${queue} job`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("naming a channel in a setting", () => {
  it("notify deals <#another server's channel> (the exploit) is refused with a clear error and saves nothing", async () => {
    const before = await settingsOf();
    const res = await interact(t.url, commandBody(["notify"], [str("topic", "deals"), channelOpt("channel", THEIRS)]));
    expect(shown(res)).toMatch(NOT_OURS);
    expect(res.data.flags).toBe(64); // only the manager sees it
    expect(lookups(THEIRS)[0].headers.authorization).toBe(`Bot ${DISCORD_TOKEN}`);
    expect(await settingsOf()).toEqual(before);
  });

  it("a channel Discord does not know (Unknown Channel) is refused as well", async () => {
    const res = await interact(t.url, commandBody(["notify"], [str("topic", "deals"), channelOpt("channel", GONE)]));
    expect(shown(res)).toContain(`#${GONE} is not a channel the bot can see in this workspace's Discord server`);
    expect(await prisma().notifyRoute.count({ where: { workspaceId: ws } })).toBe(0);
  });

  it.each<[string, string[], Opt[]]>([
    ["support channel", ["support", "channel"], []],
    ["deal forum", ["deal", "forum"], []],
    ["report schedule", ["report", "schedule"], [str("cadence", "daily"), str("time", "09:00")]],
    ["company channel", ["company", "channel"], [str("company", "A-1")]],
  ])("%s refuses another server's channel and saves nothing", async (_name, path, opts) => {
    const before = await settingsOf();
    const res = await interact(t.url, commandBody(path, [...opts, channelOpt("channel", THEIRS)]));
    expect(shown(res)).toMatch(NOT_OURS);
    expect(await settingsOf()).toEqual(before);
  });

  it("company channel takes only a Slack channel (campaigns post there): the server's own Discord channel is refused too", async () => {
    const res = await interact(t.url, commandBody(["company", "channel"], [str("company", "A-1"), channelOpt("channel", OURS)]));
    expect(shown(res)).toContain("is a Slack channel");
    expect(await prisma().company.count({ where: { workspaceId: ws, slackChannelId: { not: null } } })).toBe(0);
  });

  it("a channel of the workspace's own server is saved; asking Discord once serves the next settings too", async () => {
    const res = await interact(t.url, commandBody(["notify"], [str("topic", "deals"), channelOpt("channel", OURS)]));
    expect(shown(res)).toContain("deals");
    expect(res.data.flags).toBe(64);
    expect(shown(res)).not.toContain("⚠️");
    expect(await prisma().notifyRoute.findMany({ where: { workspaceId: ws }, select: { topic: true, channelId: true } })).toEqual([
      { topic: "deals", channelId: OURS },
    ]);
    expect(shown(await interact(t.url, commandBody(["notify"], [str("topic", "tickets"), channelOpt("channel", OURS)])))).toContain(
      "tickets",
    );
    expect(lookups(OURS)).toHaveLength(1);
  });

  it("when Discord cannot be asked (500), the setting is not saved and the answer says to try again", async () => {
    const flaky = "1510000000000000099";
    fake.on("GET", `/api/v10/channels/${flaky}`, () => ({ status: 500, body: { message: "Internal Server Error", code: 0 } }));
    const res = await interact(t.url, commandBody(["notify"], [str("topic", "escalations"), channelOpt("channel", flaky)]));
    expect(shown(res)).toContain(`Could not ask Discord whether #${flaky} is one of this workspace's channels; try again in a moment.`);
    expect(await prisma().notifyRoute.count({ where: { workspaceId: ws, topic: "escalations" } })).toBe(0);
  });

  it("the server's workspace, in the console, may not name a Slack channel: this server does not run Slack (it used to save and fail quietly)", async () => {
    const admin = await prisma().member.findFirstOrThrow({ where: { workspaceId: ws, discordUserId: USER } });
    const res = await fetch(`${t.url}/console/api/command`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ workspaceId: ws, memberId: admin.id, text: "notify deals <#C0123ABC>" }),
    });
    expect(res.status).toBe(200);
    expect(JSON.stringify((await res.json()).reply)).toContain("#C0123ABC is a Slack channel, but this server does not run Slack");
    expect(await prisma().notifyRoute.count({ where: { workspaceId: ws, platform: "slack" } })).toBe(0);
  });

  it("a console-only workspace names no channel at all: it has neither a Slack nor a Discord connection", async () => {
    const c = await consoleSession(t.url, "Console Only Co");
    const slack = await c.run("notify deals <#C0123ABC>");
    expect(slack.kind).toBe("error");
    expect(slack.plain).toContain("#C0123ABC is a Slack channel, but this server does not run Slack");
    const discord = await c.run(`notify deals <#${OURS}>`);
    expect(discord.plain).toContain(`#${OURS} is a Discord channel, but this workspace has no Discord connection`);
    expect(await prisma().notifyRoute.count({ where: { workspaceId: c.workspaceId } })).toBe(0);
    expect(lookups(OURS)).toHaveLength(1); // nothing asked of Discord for a workspace without a server
  });
});

describe("posting", () => {
  it("a deal change is not posted to another server's channel saved before the check; the delivery fails for good", async () => {
    await prisma().notifyRoute.update({
      where: { workspaceId_topic_platform: { workspaceId: ws, topic: "deals", platform: "discord" } },
      data: { channelId: SAVED_BEFORE },
    });
    const made = await interact(
      t.url,
      commandBody(["deal", "new"], [str("title", "Claim your refund at https://evil.example/refund"), str("amount", "1")]),
    );
    expect(shown(made)).toContain("D-1");
    const job = await failedJob("deliver-discord", (d) => d.target.channelId === SAVED_BEFORE);
    expect(job.failedReason).toContain(`#${SAVED_BEFORE} is not a channel of this workspace's Discord server`);
    expect(job.attemptsMade).toBe(1); // not retried
    expect(lookups(SAVED_BEFORE)).toHaveLength(1);
    expect(posts(SAVED_BEFORE)).toHaveLength(0);
  });

  it("a ticket's private thread is not opened in another server's support channel saved before the check", async () => {
    await prisma().workspace.update({ where: { id: ws }, data: { supportChannelId: FOREIGN_SUPPORT } });
    const made = await interact(t.url, commandBody(["ticket", "new"], [str("subject", "Printer on fire")]));
    expect(shown(made)).toContain("T-1");
    const job = await failedJob("discord-threads", (d) => d.ticket === "T-1");
    expect(job.failedReason).toContain(`#${FOREIGN_SUPPORT} is not a channel of this workspace's Discord server`);
    expect(fake.calls(`/api/v10/channels/${FOREIGN_SUPPORT}/threads`)).toHaveLength(0);
    expect(await prisma().ticket.findFirstOrThrow({ where: { workspaceId: ws, number: 1 } })).toMatchObject({ threadChannelId: null });
  });

  it("the delivery port refuses another server's channel with PermanentDeliveryError and logs the workspace and channel, never the token", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const d = createDiscordDelivery(t.app.config, t.app.services, { logger: createLogger("warn", sink) });
    const err = await d
      .post(ws, { channelId: THEIRS }, reply("Claim your refund", false).text("https://evil.example/refund").build())
      .catch((e) => e);
    await d.close();
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(posts(THEIRS)).toHaveLength(0);
    const [warning] = lines.map((l) => JSON.parse(l));
    expect(warning).toMatchObject({ level: 40, workspaceId: ws, platform: "discord", channelId: THEIRS });
    expect(lines.join("")).not.toContain(DISCORD_TOKEN);
  });

  it("a thread of the workspace's own server is posted to (threads carry their server's id too)", async () => {
    const thread = "1560000000000000001";
    fake.channelGuilds.set(thread, GUILD);
    const d = createDiscordDelivery(t.app.config, t.app.services);
    await d.post(ws, { channelId: OURS, threadId: thread }, reply("In the thread", false).text("hello").build());
    await d.close();
    expect(lookups(thread)).toHaveLength(1);
    expect(posts(thread)).toHaveLength(1);
  });
});
