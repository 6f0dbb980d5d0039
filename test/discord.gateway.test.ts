// Discord over the gateway (DISCORD_GATEWAY=on, bot token only: no Interactions Endpoint URL): a real
// discord.js Client against a fake gateway (local WebSocket) and the fake REST API. Slash commands and
// the "Create ticket" message command answer through the interaction callback; 🎫 on a message opens a
// ticket; an agent's message in a ticket's private thread is logged on the ticket as its first response.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayIntentBits } from "discord.js";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import {
  DISCORD_APP_ID,
  DISCORD_TOKEN,
  GUILD,
  USER,
  channelMessagesPath,
  channelOpt,
  commandBody,
  messageCommandBody,
  payloadOf,
  shown,
  snowflake,
  startFakeDiscord,
  str,
  userOpt,
  type FakeDiscord,
} from "./helpers/discord.ts";
import { startFakeGateway, type FakeGateway, messageCreate } from "./helpers/discordGateway.ts";

const HERE = "1500000000000000001";
const SUPPORT = "1530000000000000009";
const AGENT = "1300000000000000007";
const CUSTOMER = "1300000000000000008";

let t: TestApp;
let fake: FakeDiscord;
let gw: FakeGateway;
let identify: any;
beforeAll(async () => {
  fake = await startFakeDiscord();
  gw = await startFakeGateway(fake);
  // the application id as the Developer Portal gives it, and no public key: the gateway needs none
  t = await startTestApp({
    DISCORD_APPLICATION_ID: DISCORD_APP_ID,
    DISCORD_BOT_TOKEN: DISCORD_TOKEN,
    DISCORD_API_URL: `${fake.url}/api`,
    DISCORD_GATEWAY: "on",
  });
  identify = await gw.identified;
  await viaGateway(commandBody(["help"])); // the guild's workspace, and a warm server, before the timed answers
});
afterAll(async () => {
  await t?.stop();
  await gw?.close();
  await fake?.close();
});

const prisma = () => t.app.db.prisma;
const callbackOf = (body: any) => `/api/v10/interactions/${body.id}/${body.token}/callback`;
/** Sends an interaction as a gateway dispatch and returns the first response the bot posted back. */
async function viaGateway(body: any): Promise<any> {
  gw.dispatch("INTERACTION_CREATE", body);
  const [cb] = await fake.waitFor(callbackOf(body), 1, 8000);
  expect(cb.headers.authorization).toBeUndefined();
  return cb.body;
}
async function until<T>(what: string, check: () => T | Promise<T>, ms = 8000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

describe("connecting", () => {
  it("identifies with the bot token and our intents, over uncompressed JSON, and keeps the heartbeat", async () => {
    expect(identify.token).toBe(DISCORD_TOKEN);
    const want =
      GatewayIntentBits.Guilds |
      GatewayIntentBits.GuildMessages |
      GatewayIntentBits.GuildMessageReactions |
      GatewayIntentBits.MessageContent;
    expect(identify.intents).toBe(want);
    expect(identify.compress).toBeFalsy();
    expect(identify.shard).toEqual([0, 1]);
    expect(fake.calls("/api/v10/gateway/bot")[0].headers.authorization).toBe(`Bot ${DISCORD_TOKEN}`);
    const q = gw.connections[0];
    expect([q.get("v"), q.get("encoding"), q.has("compress")]).toEqual(["10", "json", false]);
    await gw.waitFor(1, 1, 3000); // a heartbeat, acknowledged by the fake
    expect((await fetch(`${t.url}/discord/interactions`, { method: "POST", body: "{}" })).status).toBe(404); // gateway only: no HTTP endpoint
  });
});

describe("interactions over the gateway", () => {
  it("a slash command runs and answers through POST /interactions/{id}/{token}/callback", async () => {
    const res = await viaGateway(commandBody(["contact", "add"], [str("name", "Ana Lopez")]));
    expect(res.type).toBe(4);
    expect(res.data.flags).toBe(64);
    expect(shown(res)).toContain("C-1");
    expect(await prisma().contact.count({ where: { name: "Ana Lopez" } })).toBe(1);
    // set up the rest of the story the same way: an agent, and the support channel
    expect(shown(await viaGateway(commandBody(["role", "set"], [userOpt("member", AGENT), str("role", "agent")])))).toContain(
      "is now agent",
    );
    expect(shown(await viaGateway(commandBody(["support", "channel"], [channelOpt("channel", SUPPORT)])))).toContain(SUPPORT);
  });

  it("the same interaction dispatched twice (a resumed session replays it) is acted on once", async () => {
    const body = commandBody(["contact", "add"], [str("name", "Replayed Once")]);
    await viaGateway(body);
    gw.dispatch("INTERACTION_CREATE", body);
    const both = await fake.waitFor(callbackOf(body), 2, 8000);
    // one job per invocation on the commands queue: the replay gets the first answer (or "already handled")
    expect(shown(both[1].body)).toMatch(/already handled|Added \*\*C-\d+\*\* Replayed Once/);
    expect(await prisma().contact.count({ where: { name: "Replayed Once" } })).toBe(1);
  });
});

describe("tickets from messages", () => {
  const MSG = "1610000000000000001";
  const reaction = (user: string, emoji: string, message = MSG) => ({
    user_id: user,
    channel_id: HERE,
    message_id: message,
    guild_id: GUILD,
    type: 0,
    burst: false,
    member: { user: { id: user, username: user === USER ? "ana" : "bo", global_name: null, discriminator: "0" }, nick: null, roles: [] },
    emoji: { id: null, name: emoji },
  });

  it("🎫 on a message opens a ticket with its text and link, replies with the key, and opens the private thread with the author", async () => {
    fake.messages.set(`${HERE}/${MSG}`, {
      id: MSG,
      channel_id: HERE,
      type: 0,
      content: "Checkout fails with card declined\nfor every customer",
      author: { id: CUSTOMER, username: "cus" },
      attachments: [],
      embeds: [],
    });
    gw.dispatch("MESSAGE_REACTION_ADD", reaction(USER, "🎫"));
    const [answer] = await fake.waitFor(channelMessagesPath(HERE), 1, 8000);
    const m = payloadOf(answer);
    expect(m.message_reference).toMatchObject({ message_id: MSG });
    expect(shown(m)).toContain("T-1");
    expect(m.allowed_mentions).toEqual({ parse: [] });
    const ticket = await prisma().ticket.findFirstOrThrow({ where: { sourceMessageKey: `discord:${HERE}:${MSG}` } });
    expect(ticket.subject).toBe("Checkout fails with card declined");
    expect(ticket.sourcePermalink).toBe(`https://discord.com/channels/${GUILD}/${HERE}/${MSG}`);
    const [thread] = await fake.waitFor(`/api/v10/channels/${SUPPORT}/threads`, 1, 8000);
    expect(thread.body).toMatchObject({ type: 12, name: "T-1 · Checkout fails with card declined" });
    const threadId = await until("T-1's thread", async () => (await prisma().ticket.findFirst({ where: { number: 1 } }))?.threadChannelId);
    await fake.waitFor(`/api/v10/channels/${threadId}/thread-members/${CUSTOMER}`, 1, 8000);
  });

  it("another 🎫 on the same message, or another emoji, creates nothing more", async () => {
    gw.dispatch("MESSAGE_REACTION_ADD", reaction(AGENT, "🎟️"));
    gw.dispatch("MESSAGE_REACTION_ADD", reaction(USER, "❤️", "1610000000000000002"));
    await new Promise((r) => setTimeout(r, 600));
    expect(await prisma().ticket.count()).toBe(1);
    expect(fake.calls(channelMessagesPath(HERE))).toHaveLength(1);
    expect(fake.calls(/\/channels\/\d+\/messages\/1610000000000000002$/)).toHaveLength(0);
  });

  it("'Create ticket' (message command) works over the gateway too", async () => {
    const res = await viaGateway(messageCommandBody({ id: "1610000000000000003", content: "Export to CSV is empty" }));
    expect(res.type).toBe(4);
    expect(res.data.flags).toBe(64);
    expect(shown(res)).toContain("Opened T-2");
  });
});

describe("the ticket's thread", () => {
  const say = (author: { id: string; bot?: boolean }, content: string, channel: string, id = snowflake()) => {
    messageCreate(gw, { id, guildId: GUILD, channelId: channel, author, content });
    return id;
  };

  it("an agent's reply in the thread is logged on the ticket as a chat and is its first response; the customer's words and the bot's are not", async () => {
    const ticket = await prisma().ticket.findFirstOrThrow({ where: { number: 1 } });
    const thread = ticket.threadChannelId!;
    expect(ticket.firstResponseAt).toBeNull();
    say({ id: CUSTOMER }, "Any news?", thread);
    say({ id: BOT_ID, bot: true }, "T-1 card", thread);
    say({ id: AGENT }, "Hi, we are on it", HERE); // not a ticket thread
    const id = say({ id: AGENT }, "Looking into it now", thread);
    say({ id: AGENT }, "Looking into it now", thread, id); // the same message again (a replay)
    const chat = await until("the chat on T-1", () => prisma().interaction.findFirst({ where: { ticketId: ticket.id } }));
    expect(chat).toMatchObject({
      kind: "chat",
      summary: "Looking into it now",
      source: "discord",
      permalink: `https://discord.com/channels/${GUILD}/${thread}/${id}`,
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await prisma().interaction.count({ where: { ticketId: ticket.id } })).toBe(1);
    expect(await prisma().interaction.count({ where: { summary: "Hi, we are on it" } })).toBe(0);
    const after = await prisma().ticket.findFirstOrThrow({ where: { id: ticket.id } });
    expect(after.firstResponseAt).not.toBeNull();
    const author = await prisma().member.findFirstOrThrow({ where: { id: chat.authorId! } });
    expect(author.discordUserId).toBe(AGENT);
  });
});

const BOT_ID = "1100000000000000009";
