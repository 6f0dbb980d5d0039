// Discord, the slow paths through the queue and the fake REST API: notifications to a channel (a 429
// honoured), deal rooms as threads (or forum posts), a private support thread per ticket, "Share in
// channel", the "Create ticket" message command, DMs, charts as attachments, and errors mapped for BullMQ.
import { commandDispatcher } from "../src/commands/dispatch.ts";
import { commandRunner } from "../src/commands/runner.ts";
import { discordSurface } from "../adapters/discord/surface.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import {
  GUILD,
  PLAIN_MEMBER,
  USER,
  buttonBody,
  buttonsOf,
  channelMessagesPath,
  channelOpt,
  commandBody,
  discordEnv,
  discordLimitProblems,
  interact,
  messageCommandBody,
  multipart,
  originalPath,
  payloadOf,
  rateLimitFixture,
  shown,
  startFakeDiscord,
  str,
  userOpt,
  DISCORD_TOKEN,
  type FakeDiscord,
} from "./helpers/discord.ts";
import { createDiscordDelivery } from "../adapters/discord/delivery.ts";
import { PermanentDeliveryError, RateLimitedError } from "../src/delivery/port.ts";
import { reply } from "../src/reply/reply.ts";
import { commands } from "../src/commands/registry.ts";
import { defineCommand, type Command } from "../src/commands/define.ts";
import { interactionCore } from "../adapters/discord/interactions.ts";
import { createRest } from "../adapters/discord/respond.ts";
import { ButtonStore } from "../adapters/discord/buttons.ts";

const SALES = "1510000000000000001";
const HERE = "1500000000000000001"; // where the test interactions are run
const FORUM = "1520000000000000001";
const SUPPORT = "1530000000000000001";
const AGENT = "1300000000000000005";
const CUSTOMER = "1300000000000000006";

let t: TestApp;
let fake: FakeDiscord;
beforeAll(async () => {
  fake = await startFakeDiscord();
  t = await startTestApp(discordEnv(fake));
  await interact(t.url, commandBody(["help"])); // the guild's workspace, and a warm server, before the timed answers
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

const prisma = () => t.app.db.prisma;
const posts = (channel: string) => fake.calls(channelMessagesPath(channel)).filter((r) => r.method === "POST");
async function until<T>(what: string, check: () => T | Promise<T>, ms = 8000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}
const threadsIn = (channel: string) => fake.calls(`/api/v10/channels/${channel}/threads`);

describe("notifications", () => {
  it("/crm notify deals #sales from Discord routes deal changes there; a 429 (Discord's headers) is waited out and the post arrives once", async () => {
    const routed = await interact(t.url, commandBody(["notify"], [str("topic", "deals"), channelOpt("channel", SALES)]));
    expect(shown(routed)).toContain("deals");
    let limited = 0;
    fake.on("POST", channelMessagesPath(SALES), (req) => {
      if (limited++ === 0) return rateLimitFixture("user", 1);
      return { body: { id: "1710000000000000001", channel_id: SALES, ...payloadOf(req) } };
    });
    await interact(t.url, commandBody(["deal", "new"], [str("title", "Acme renewal"), str("amount", "12k")]));
    const [first, second] = await fake.waitFor(channelMessagesPath(SALES), 2, 8000);
    expect(first.headers.authorization).toBe(`Bot ${DISCORD_TOKEN}`);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1000);
    const m = payloadOf(second);
    expect(discordLimitProblems(m)).toEqual([]);
    expect(m.flags).toBeUndefined(); // a channel message is for everyone
    expect(m.allowed_mentions).toEqual({ parse: [] });
    expect(shown(m)).toContain("Acme renewal");
    await new Promise((r) => setTimeout(r, 300));
    expect(posts(SALES)).toHaveLength(2); // one 429, one success: delivered once
  });
});

describe("deal rooms", () => {
  it("/crm deal room D-1 opens a public thread where it ran, adds the caller, posts and pins the card; later changes go there", async () => {
    const res = await interact(t.url, commandBody(["deal", "room"], [str("deal", "D-1")]));
    expect(shown(res)).toContain("Opening a room for");
    const [create] = await fake.waitFor(`/api/v10/channels/${HERE}/threads`);
    expect(create.body).toMatchObject({ name: "D-1 Acme renewal", type: 11, auto_archive_duration: 10080 });
    const deal = await until("the room on the deal", () => prisma().deal.findFirst({ where: { number: 1, roomChannelId: { not: null } } }));
    const room = deal.roomChannelId!;
    expect(deal.roomPlatform).toBe("discord");
    await fake.waitFor(`/api/v10/channels/${room}/thread-members/${USER}`);
    const [card] = await fake.waitFor(channelMessagesPath(room));
    expect(payloadOf(card).embeds[0].title).toContain("D-1");
    await fake.waitFor(new RegExp(`^/api/v10/channels/${room}/messages/pins/\\d+$`));
    await interact(t.url, commandBody(["deal", "move"], [str("deal", "D-1"), str("stage", "proposal")]));
    const both = await fake.waitFor(channelMessagesPath(room), 2);
    expect(shown(payloadOf(both[1]))).toContain("moved lead → proposal");
  });

  it("with a deal forum set (/crm deal forum), rooms open as forum posts", async () => {
    const set = await interact(t.url, commandBody(["deal", "forum"], [channelOpt("channel", FORUM)]));
    expect(shown(set)).toContain(FORUM);
    await interact(t.url, commandBody(["deal", "new"], [str("title", "Globex pilot"), str("amount", "3k")]));
    await interact(t.url, commandBody(["deal", "room"], [str("deal", "D-2")]));
    const [post] = await fake.waitFor(`/api/v10/channels/${FORUM}/threads`);
    expect(post.body).toMatchObject({ name: "D-2 Globex pilot", message: { content: "D-2 Globex pilot" } });
    expect((post.body as any).type).toBeUndefined();
    expect(threadsIn(HERE)).toHaveLength(1);
    await prisma().workspace.updateMany({ data: { dealForumId: null } });
  });
});

describe("ticket threads", () => {
  it("only managers set the support channel, and it is audited", async () => {
    await interact(t.url, commandBody(["role", "set"], [userOpt("member", AGENT), str("role", "agent")]));
    const refused = await interact(
      t.url,
      commandBody(["support", "channel"], [channelOpt("channel", SUPPORT)], { user: AGENT, userName: "Agent", permissions: PLAIN_MEMBER }),
    );
    expect(shown(refused)).toContain("Only managers and admins");
    const ok = await interact(t.url, commandBody(["support", "channel"], [channelOpt("channel", SUPPORT)]));
    expect(shown(ok)).toContain(SUPPORT);
    expect((await prisma().workspace.findFirstOrThrow({ where: { links: { some: { externalId: GUILD } } } })).supportChannelId).toBe(
      SUPPORT,
    );
    expect(await prisma().auditLog.count({ where: { action: "workspace.supportChannel" } })).toBe(1);
    expect(shown(await interact(t.url, commandBody(["support", "channel"])))).toContain(SUPPORT);
  });

  it("/crm ticket new from Discord gets a private thread in the support channel with the assignee, and its card", async () => {
    const res = await interact(t.url, commandBody(["ticket", "new"], [str("subject", "Printer on fire"), str("assign", `<@${AGENT}>`)]));
    expect(shown(res)).toContain("T-1");
    const [create] = await fake.waitFor(`/api/v10/channels/${SUPPORT}/threads`);
    expect(create.body).toMatchObject({ name: "T-1 · Printer on fire", type: 12, invitable: false });
    const ticket = await until("the thread on the ticket", () =>
      prisma().ticket.findFirst({ where: { number: 1, threadChannelId: { not: null } } }),
    );
    expect(ticket.threadPlatform).toBe("discord");
    await fake.waitFor(`/api/v10/channels/${ticket.threadChannelId}/thread-members/${AGENT}`);
    const [card] = await fake.waitFor(channelMessagesPath(ticket.threadChannelId!));
    const m = payloadOf(card);
    expect(m.embeds[0].title).toBe("T-1 · Printer on fire");
    expect(buttonsOf(m).map((b: any) => b.label)).toEqual(expect.arrayContaining(["Assign to me", "Resolve"]));
  });

  it("'Create ticket' on a message (HTTP) opens one ticket with the message; its author joins the thread; asking again says so", async () => {
    const body = messageCommandBody({
      id: "1600000000000000077",
      content: "Our invoices page shows a 500 error\nsince this morning",
      authorId: CUSTOMER,
    });
    const first = await interact(t.url, body);
    expect(first.type).toBe(4);
    expect(first.data.flags).toBe(64);
    expect(shown(first)).toContain("Opened T-2");
    const ticket = await prisma().ticket.findFirstOrThrow({ where: { sourceMessageKey: `discord:${HERE}:1600000000000000077` } });
    expect(ticket.subject).toBe("Our invoices page shows a 500 error");
    expect(ticket.sourcePermalink).toBe(`https://discord.com/channels/${GUILD}/${HERE}/1600000000000000077`);
    const threads = await fake.waitFor(`/api/v10/channels/${SUPPORT}/threads`, 2);
    expect(threads[1].body).toMatchObject({ name: "T-2 · Our invoices page shows a 500 error", type: 12 });
    const thread = await until("T-2's thread", async () => (await prisma().ticket.findFirst({ where: { number: 2 } }))?.threadChannelId);
    await fake.waitFor(`/api/v10/channels/${thread}/thread-members/${CUSTOMER}`);
    const again = await interact(t.url, messageCommandBody({ id: "1600000000000000077", content: "Our invoices page shows a 500 error" }));
    expect(shown(again)).toContain("already T-2");
    expect(await prisma().ticket.count({ where: { sourceMessageKey: { not: null } } })).toBe(1);
  });
});

describe("share in channel", () => {
  it("an ephemeral record card offers 'Share in channel', which posts the read-only card for everyone", async () => {
    const card = await interact(t.url, commandBody(["deal", "show"], [str("deal", "D-1")]));
    expect(card.data.flags).toBe(64);
    const share = buttonsOf(card.data).find((b: any) => b.label === "Share in channel");
    expect(share.custom_id).toBe("crm_share:deal show D-1");
    const shared = await interact(t.url, buttonBody(share.custom_id, {}, 64));
    expect(shared.type).toBe(4);
    expect(shared.data.flags).toBeUndefined();
    expect(shared.data.embeds[0].title).toContain("D-1");
    expect(buttonsOf(shared.data).some((b: any) => b.label === "Share in channel")).toBe(false);
    const refused = await interact(t.url, buttonBody("crm_share:deal won D-1", {}, 64));
    expect(refused.data.flags).toBe(64);
    expect(shown(refused)).toContain("Only records and read-only answers can be shared");
    expect((await prisma().deal.findFirstOrThrow({ where: { number: 1 }, include: { stage: true } })).stage.name).toBe("proposal");
  });
});

describe("charts in answers", () => {
  it("an answer with a chart is deferred, then the original is edited with the PNG as files[0]", async () => {
    const chart = defineCommand({
      path: ["chart"],
      summary: "A chart",
      usage: "/crm chart",
      readOnly: true,
      args: {},
      run: async () =>
        reply("Pipeline chart")
          .header("Pipeline")
          .image("Pipeline by stage", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 9]))
          .build(),
    }) as unknown as Command;
    const deps = {
      config: t.app.config,
      services: t.app.services,
      commands: [...commands, chart],
      logger: t.app.logger,
      redis: t.app.redis,
      dispatch: commandDispatcher({
        run: commandRunner({
          services: t.app.services,
          commands: [...commands, chart],
          logger: t.app.logger,
          surfaces: { discord: discordSurface(t.app.services) },
        }),
        concurrency: 4,
        logger: t.app.logger,
      }),
    };
    const rest = createRest({ apiUrl: t.app.config.DISCORD_API_URL, botToken: t.app.config.DISCORD_BOT_TOKEN });
    const core = interactionCore(deps, { rest, buttons: new ButtonStore(t.app.redis, t.prefix) });
    const body = commandBody(["chart"]);
    const sent: any[] = [];
    expect(
      await core(body, async (r) => {
        sent.push(r);
      }),
    ).toBe(true);
    expect(sent).toEqual([{ type: 5, data: { flags: 64 } }]);
    const [edit] = await fake.waitFor(originalPath(body.token));
    const parts = multipart(edit)!;
    expect(parts.files).toEqual([expect.objectContaining({ field: "files[0]", filename: "chart.png", contentType: "image/png" })]);
    expect(parts.payload.embeds[0]).toMatchObject({ title: "Pipeline", image: { url: "attachment://chart.png" } });
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  });
});

describe("the delivery port", () => {
  const delivery = () => createDiscordDelivery(t.app.config, t.app.services);
  const ws = () =>
    prisma()
      .workspace.findFirstOrThrow({ where: { links: { some: { externalId: GUILD } } } })
      .then((w) => w.id);

  it("a DM opens the user's DM channel first, then posts there", async () => {
    const d = delivery();
    const at = await d.post(await ws(), { userId: "1300000000000000042" }, reply("Hello", true).text("Your ticket is breached").build());
    const opened = fake.calls("/api/v10/users/@me/channels").filter((r) => (r.body as any).recipient_id === "1300000000000000042");
    expect(opened).toHaveLength(1);
    expect(at.channelId).toBe("1900000000000000042");
    const [m] = fake.calls(channelMessagesPath("1900000000000000042"));
    expect(payloadOf(m).flags).toBeUndefined();
    await d.close();
  });

  it("a chart travels as files[0] chart.png, shown in the embed as attachment://chart.png", async () => {
    const d = delivery();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
    await d.post(await ws(), { channelId: SALES }, reply("Pipeline", false).header("Pipeline").image("Pipeline by stage", png).build());
    const req = posts(SALES).at(-1)!;
    const parts = multipart(req)!;
    expect(parts.files).toEqual([expect.objectContaining({ field: "files[0]", filename: "chart.png", contentType: "image/png" })]);
    expect(parts.payload.embeds[0].image).toEqual({ url: "attachment://chart.png" });
    expect(parts.payload.attachments).toEqual([{ id: 0, filename: "chart.png", description: "Pipeline by stage" }]);
    await d.close();
  });

  it("unknown channel, missing access or permissions, cannot DM → PermanentDeliveryError (no retry)", async () => {
    const d = delivery();
    const cases = [
      ["1540000000000000001", 404, 10003, "Unknown Channel"],
      ["1540000000000000002", 403, 50001, "Missing Access"],
      ["1540000000000000003", 403, 50013, "Missing Permissions"],
    ] as const;
    for (const [channel, status, code, message] of cases) {
      fake.on("POST", channelMessagesPath(channel), () => ({ status, body: { code, message } }));
      await expect(d.post(await ws(), { channelId: channel }, reply("x").build())).rejects.toBeInstanceOf(PermanentDeliveryError);
    }
    fake.on("POST", channelMessagesPath("1900000000000000043"), () => ({
      status: 403,
      body: { code: 50007, message: "Cannot send messages to this user" },
    }));
    await expect(d.post(await ws(), { userId: "1300000000000000043" }, reply("x").build())).rejects.toThrow(/50007/);
    await d.close();
  });

  it("a long rate limit (Discord's global 429, Retry-After 65) is not waited out in the worker: RateLimitedError pauses the queue", async () => {
    const d = delivery();
    const channel = "1550000000000000001";
    fake.on("POST", channelMessagesPath(channel), () => rateLimitFixture("global"));
    const started = Date.now();
    const err = await d.post(await ws(), { channelId: channel }, reply("x").build()).catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err.retryAfterMs).toBeGreaterThanOrEqual(64_000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(fake.calls(channelMessagesPath(channel))).toHaveLength(1);
    await d.close();
  });
});
