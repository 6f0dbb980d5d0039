// The team's talk under a new conversation's card in the tickets channel (#14 item 4) through the real path:
// a customer opens a ticket in an inbox channel, the worker posts its card to the tickets channel
// (/crm notify tickets) and records where it landed, and a member's message in the card's thread (Slack: a
// reply under it, signed Events API message events into the running server; Discord: a thread started on it,
// MESSAGE_CREATE on a fake gateway) is an internal note on the ticket. The fake Slack and Discord APIs
// record what the bot sent: nothing reaches the customer. Customers, non-members, other threads of the
// tickets channel and a message delivered twice add nothing more.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "bullmq";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { apiArgs, eventCallback, messageEvent, slackEnv, slashText, startFakeSlack } from "./helpers/slack.ts";
import {
  DISCORD_TOKEN,
  GUILD,
  channelMessagesPath,
  channelOpt,
  commandBody,
  payloadOf,
  shown,
  snowflake,
  startFakeDiscord,
  str,
  userOpt,
  type FakeDiscord,
} from "./helpers/discord.ts";
import { interactOverGateway, startFakeGateway, type FakeGateway, messageCreate } from "./helpers/discordGateway.ts";
import { until } from "./helpers/until.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";
import { deliver } from "../jobs/workers.ts";
import { createSlackDelivery } from "../adapters/slack/delivery.ts";
import { serializeReply, type DeliveryJob } from "../src/delivery/outbox.ts";
import { reply } from "../src/reply/reply.ts";

const settle = () => new Promise((r) => setTimeout(r, 600));

describe("Slack: the thread under a ticket's card in the tickets channel", () => {
  const SHARED = "CSHARED01";
  const TICKETS = "CTICKETS";
  let t: TestApp;
  let fake: FakeServer;
  let db: PrismaClient;
  let workspaceId: string;
  let seq = 0;
  let ts = 1800000000;
  let posted = 1750000000;
  /** what the bot posted to the tickets channel, with the ts Slack gave each post */
  const inTickets: { ts: string; text: string }[] = [];
  let root: string; // the customer's message: their thread
  let card: string; // the card's ts in the tickets channel

  beforeAll(async () => {
    fake = await startFakeSlack();
    fake.on("POST", "/api/chat.postMessage", (req) => {
      const a = apiArgs(req);
      const at = `${posted++}.000100`;
      if (a.channel === TICKETS) inTickets.push({ ts: at, text: String(a.text ?? "") });
      return { body: { ok: true, channel: a.channel, ts: at, message: { ts: at } } };
    });
    t = await startTestApp(slackEnv(fake));
    db = t.app.db.prisma;
    await slashText(t.url, "company add Initech domain:initech.example", fake); // W111 joins first: the admin
    expect(await slashText(t.url, `inbox add <#${SHARED}|initech-shared> company:A-1`, fake)).toContain("customer inbox");
    expect(await slashText(t.url, `notify tickets <#${TICKETS}|tickets>`, fake)).toContain(TICKETS);
    workspaceId = (await db.platformLink.findFirstOrThrow({ where: { externalId: "T111" } })).workspaceId;
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  /** A message event as Slack sends it, signed and delivered; a customer's carries their own team (Slack Connect). */
  async function message(m: { user: string; text: string; channel: string; thread?: string; customer?: boolean; at?: string }) {
    const at = m.at ?? `${ts++}.000100`;
    const res = await eventCallback(t.url, messageEvent(`EvCard${++seq}`, { ...m, ts: at }));
    expect(res.status).toBe(200);
    return at;
  }
  const notes = () => db.ticketMessage.findMany({ where: { workspaceId, kind: "note" }, orderBy: { createdAt: "asc" } });
  const postsWith = (text: string) =>
    fake
      .calls("/api/chat.postMessage")
      .map(apiArgs)
      .filter((p) => JSON.stringify(p).includes(text));

  it("a customer's new conversation is carded in the tickets channel, and where the card landed is recorded", async () => {
    root = await message({ user: "UCUST1", customer: true, channel: SHARED, text: "Our dashboard shows no data since 9am" });
    const row = await until("the card's location", () => db.ticketCard.findFirst({ where: { workspaceId } }));
    const t1 = await db.ticket.findFirstOrThrow({ where: { workspaceId, number: 1 } });
    expect(inTickets).toHaveLength(1);
    card = inTickets[0].ts;
    expect(row).toMatchObject({ ticketId: t1.id, platform: "slack", channelId: TICKETS, messageId: card });
  });

  it("a member's reply in the card's thread is an internal note on the ticket (🔒 in ticket show) and reaches no customer", async () => {
    await message({ user: "W111", channel: TICKETS, thread: card, text: "Initech is on the enterprise plan, be generous" });
    const [note] = await until("the note", async () => ((await notes()).length ? notes() : null));
    const me = await db.member.findFirstOrThrow({ where: { workspaceId, slackUserId: "W111" } });
    expect(note).toMatchObject({ kind: "note", channel: "slack", memberId: me.id, text: "Initech is on the enterprise plan, be generous" });
    expect(await slashText(t.url, "ticket show T-1", fake)).toMatch(/🔒 note by .*: Initech is on the enterprise plan, be generous/);
    await settle();
    // internal: nothing in the customer's thread or anywhere else, no reply to deliver, not a first response
    expect(postsWith("enterprise plan")).toHaveLength(0);
    expect(fake.calls("/api/chat.postMessage").filter((r) => apiArgs(r).thread_ts === root)).toHaveLength(1); // the bot's "thanks, the team has it"
    expect(await db.ticketMessage.count({ where: { workspaceId, kind: "outbound" } })).toBe(0);
    expect((await db.ticket.findFirstOrThrow({ where: { workspaceId, number: 1 } })).firstResponseAt).toBeNull();
  });

  it("the same message delivered again (a new event id, the same ts) records one note", async () => {
    const at = await message({ user: "W111", channel: TICKETS, thread: card, text: "Call them after 3pm their time" });
    await until("the second note", async () => (await notes()).length === 2);
    await message({ user: "W111", channel: TICKETS, thread: card, text: "Call them after 3pm their time", at });
    await settle();
    expect((await notes()).map((n) => n.text)).toEqual([
      "Initech is on the enterprise plan, be generous",
      "Call them after 3pm their time",
    ]);
  });

  it("a customer of another organization and a teammate who is no member write in the card's thread: nothing is recorded, nobody joins", async () => {
    await message({ user: "UCUST1", customer: true, channel: TICKETS, thread: card, text: "Hello? Is anyone reading this?" });
    await message({ user: "W999", channel: TICKETS, thread: card, text: "Not on the CRM but chiming in" });
    await settle();
    expect(await notes()).toHaveLength(2);
    expect(await db.ticketMessage.count({ where: { workspaceId } })).toBe(3); // the customer's first message and the two notes
    expect(await db.member.count({ where: { workspaceId, slackUserId: { in: ["UCUST1", "W999"] } } })).toBe(0);
  });

  it("a member's message in another thread of the tickets channel (under the assignment post, under a teammate's message) records nothing", async () => {
    expect(await slashText(t.url, "ticket assign T-1 me", fake)).toContain("T-1");
    const assigned = await until("the assignment post", () => inTickets[1]);
    await message({ user: "W111", channel: TICKETS, thread: assigned.ts, text: "Taking this one" });
    const chatter = await message({ user: "W111", channel: TICKETS, text: "Busy day in support" });
    await message({ user: "W111", channel: TICKETS, thread: chatter, text: "Indeed it is" });
    await message({ user: "W111", channel: TICKETS, text: "A top-level message is no note either" });
    await settle();
    expect(await notes()).toHaveLength(2);
  });

  it("the card's delivery job run twice posts once and records its location once", async () => {
    const t1 = await db.ticket.findFirstOrThrow({ where: { workspaceId, number: 1 } });
    const slack = createSlackDelivery(t.app.config, t.app.services);
    const data: DeliveryJob = {
      platform: "slack",
      workspaceId,
      target: { channelId: "CTICKETS2" },
      reply: serializeReply(reply("🎫 T-1 opened", false).build()),
      ticketCard: t1.id,
    };
    const job = { id: "card-twice", data } as Job<DeliveryJob>;
    const first = await deliver({ slack }, job, undefined, t.app.services.ticketCards);
    const again = await deliver({ slack }, job, undefined, t.app.services.ticketCards);
    expect(again).toBe(first);
    expect(fake.calls("/api/chat.postMessage").filter((r) => apiArgs(r).channel === "CTICKETS2")).toHaveLength(1);
    const rows = await db.ticketCard.findMany({ where: { workspaceId, channelId: "CTICKETS2" } });
    expect(rows.map((r) => [r.ticketId, r.messageId])).toEqual([[t1.id, first]]);
    // a run that died between its post and its record and then posted again still leaves one card there
    expect(
      await t.app.services.ticketCards.record(workspaceId, t1.id, "slack", { channelId: "CTICKETS2", messageId: "1759999999.000100" }),
    ).toBe(false);
    expect(await db.ticketCard.count({ where: { workspaceId, channelId: "CTICKETS2" } })).toBe(1);
  });
});

describe("Discord: a thread started on a ticket's card in the tickets channel", () => {
  const INBOX = "1540000000000000001";
  const TICKETS = "1540000000000000002";
  const AGENT = "1300000000000000007";
  const CUSTOMER = "1300000000000000008";
  let t: TestApp;
  let fake: FakeDiscord;
  let gw: FakeGateway;
  let db: PrismaClient;
  let workspaceId: string;
  let root: string; // the customer's message: their thread
  let card: string; // the card's message id, and so the id of a thread started on it
  const inTickets: { id: string; shown: string }[] = [];
  // ids from half an hour ago: a thread this old is one the gateway would cache as "no ticket's thread"
  let n = 0;
  const oldSnowflake = () => String(((BigInt(Date.now() - 30 * 60_000) - 1420070400000n) << 22n) | BigInt(++n));

  const crm = async (body: any): Promise<string> => shown(await interactOverGateway(gw, fake, body));
  function say(author: { id: string; name: string; roles?: string[] }, content: string, channel: string, id = snowflake()): string {
    messageCreate(gw, { id, guildId: GUILD, channelId: channel, author, content });
    return id;
  }
  const cara = { id: CUSTOMER, name: "Cara" };
  const bo = { id: AGENT, name: "Bo" };
  const eve = { id: "1300000000000000005", name: "Eve" };
  const notes = () => db.ticketMessage.findMany({ where: { workspaceId, kind: "note" }, orderBy: { createdAt: "asc" } });

  beforeAll(async () => {
    fake = await startFakeDiscord();
    fake.on("POST", channelMessagesPath(TICKETS), (req) => {
      const id = oldSnowflake();
      inTickets.push({ id, shown: shown(payloadOf(req)) });
      return { body: { id, channel_id: TICKETS, ...payloadOf(req) } };
    });
    gw = await startFakeGateway(fake);
    t = await startTestApp({ DISCORD_BOT_TOKEN: DISCORD_TOKEN, DISCORD_API_URL: `${fake.url}/api`, DISCORD_GATEWAY: "on" });
    db = t.app.db.prisma;
    await gw.identified;
    await crm(commandBody(["help"])); // Ana (Manage Server) is the workspace's admin
    workspaceId = (await db.platformLink.findFirstOrThrow({ where: { externalId: GUILD } })).workspaceId;
    expect(await crm(commandBody(["role", "set"], [userOpt("member", AGENT), str("role", "agent")]))).toContain("is now agent");
    // anyone could join by using /crm; writing in a card's thread is not using it
    expect(await crm(commandBody(["settings"], [str("join", "agent")]))).toContain("join as agents");
    expect(await crm(commandBody(["inbox", "add"], [channelOpt("channel", INBOX)]))).toContain("customer inbox");
    expect(await crm(commandBody(["notify"], [str("topic", "tickets"), channelOpt("channel", TICKETS)]))).toContain("tickets");
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await gw?.close();
    await fake?.close();
  });

  it("a customer's new conversation is carded in the tickets channel, and where the card landed is recorded", async () => {
    root = say(cara, "Our dashboard shows no data since 9am", INBOX);
    const row = await until("the card's location", () => db.ticketCard.findFirst({ where: { workspaceId } }));
    const t1 = await db.ticket.findFirstOrThrow({ where: { workspaceId, number: 1 } });
    expect(inTickets).toHaveLength(1);
    expect(inTickets[0].shown).toContain("T-1");
    card = inTickets[0].id;
    expect(row).toMatchObject({ ticketId: t1.id, platform: "discord", channelId: TICKETS, messageId: card });
  });

  it("a customer and a non-member write in the card's thread: nothing is recorded, nobody joins", async () => {
    say(cara, "Hello? Is anyone reading this?", card);
    say(eve, "Not on the CRM but chiming in", card);
    await settle();
    expect(await notes()).toHaveLength(0);
    expect(await db.ticketMessage.count({ where: { workspaceId } })).toBe(1); // the customer's first message
    expect(await db.member.count({ where: { workspaceId, discordUserId: { in: [CUSTOMER, eve.id] } } })).toBe(0);
  });

  it("a member's message in the card's thread is an internal note (🔒 in ticket show) and reaches no customer, though others wrote there first", async () => {
    say(bo, "Initech is on the enterprise plan, be generous", card);
    const [note] = await until("the note", async () => ((await notes()).length ? notes() : null));
    const member = await db.member.findFirstOrThrow({ where: { workspaceId, discordUserId: AGENT } });
    expect(note).toMatchObject({
      kind: "note",
      channel: "discord",
      memberId: member.id,
      text: "Initech is on the enterprise plan, be generous",
    });
    expect(await crm(commandBody(["ticket", "show"], [str("ticket", "T-1")]))).toContain(
      "🔒 note by Bo: Initech is on the enterprise plan",
    );
    await settle();
    const everything = fake.calls(/\/channels\/\d+\/messages$/).map((r) => shown(payloadOf(r)));
    expect(everything.filter((p) => p.includes("enterprise plan"))).toHaveLength(0);
    expect(fake.calls(channelMessagesPath(root))).toHaveLength(1); // the bot's "thanks, the team has it" in the customer's thread
    expect(await db.ticketMessage.count({ where: { workspaceId, kind: "outbound" } })).toBe(0);
    expect((await db.ticket.findFirstOrThrow({ where: { workspaceId, number: 1 } })).firstResponseAt).toBeNull();
  });

  it("the same MESSAGE_CREATE delivered again records one note", async () => {
    const id = say(bo, "Call them after 3pm their time", card);
    await until("the second note", async () => (await notes()).length === 2);
    say(bo, "Call them after 3pm their time", card, id);
    await settle();
    expect((await notes()).map((m) => m.text)).toEqual([
      "Initech is on the enterprise plan, be generous",
      "Call them after 3pm their time",
    ]);
  });

  it("a member's message in another thread of the tickets channel (on the assignment post, on a teammate's message) records nothing", async () => {
    expect(await crm(commandBody(["ticket", "assign"], [str("ticket", "T-1"), str("to", "me")]))).toContain("T-1");
    const assigned = await until("the assignment post", () => inTickets[1]);
    say(bo, "Taking this one", assigned.id);
    const chatter = say(bo, "Busy day in support", TICKETS, oldSnowflake());
    say(bo, "Indeed it is", chatter);
    await settle();
    expect(await notes()).toHaveLength(2);
    expect(await db.ticketCard.count({ where: { workspaceId } })).toBe(1);
  });
});
