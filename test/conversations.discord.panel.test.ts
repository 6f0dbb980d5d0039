// The Discord "Open a ticket" panel and forum posts as tickets (#14 item 3, Discord) through the real path:
// /crm inbox panel as a gateway interaction, the panel's button and form as signed HTTP interactions (and the
// same form again over the gateway), messages and forum posts as gateway dispatches, and the fake REST API
// recording the panel, the private thread, who was added to it and what was posted there.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import {
  CHANNEL,
  GUILD,
  PLAIN_MEMBER,
  USER,
  buttonBody,
  buttonsOf,
  channelMessagesPath,
  channelOpt,
  commandBody,
  discordEnv,
  interact,
  modalSubmitBody,
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
import { UserInputError } from "../src/errors.ts";

const PANEL = "1540000000000000011";
const FORUM = "1540000000000000012";
const AGENT = "1300000000000000017";
const CUSTOMER = "1300000000000000018";
const POSTER = "1300000000000000019";

let t: TestApp;
let fake: FakeDiscord;
let gw: FakeGateway;
let db: PrismaClient;
let workspaceId: string;

/** Sends an interaction over the gateway and returns what the bot answered. */
const overGateway = (body: any): Promise<any> => interactOverGateway(gw, fake, body);
const crm = async (body: any) => shown(await overGateway(body));

function say(author: { id: string; name: string }, content: string, channel: string, id = snowflake()): string {
  messageCreate(gw, { id, guildId: GUILD, channelId: channel, author, content });
  return id;
}
const cara = { id: CUSTOMER, name: "Cara" };
const bo = { id: AGENT, name: "Bo" };
const pia = { id: POSTER, name: "Pia" };
const ana = { id: USER, name: "Ana" };
const asCara = { user: CUSTOMER, userName: "Cara", channel: PANEL, permissions: PLAIN_MEMBER };

const tickets = () => db.ticket.findMany({ where: { workspaceId }, orderBy: { number: "asc" } });
const postsIn = (channel: string) => fake.calls(channelMessagesPath(channel)).map((r) => shown(payloadOf(r)));
const threadsOpened = () => fake.calls(`/api/v10/channels/${PANEL}/threads`);
const settle = () => new Promise((r) => setTimeout(r, 600));

beforeAll(async () => {
  fake = await startFakeDiscord();
  gw = await startFakeGateway(fake);
  t = await startTestApp({ ...discordEnv(fake), DISCORD_GATEWAY: "on" });
  db = t.app.db.prisma;
  fake.on("PATCH", CHANNEL, (req) => ({ body: { id: CHANNEL.exec(req.path)![1], ...(req.body as object) } }));
  await gw.identified;
  await crm(commandBody(["help"])); // Ana (Manage Server) is the workspace's admin
  workspaceId = (await db.platformLink.findFirstOrThrow({ where: { externalId: GUILD } })).workspaceId;
  expect(await crm(commandBody(["role", "set"], [userOpt("member", AGENT), str("role", "agent")]))).toContain("is now agent");
  expect(
    await crm(commandBody(["ticket", "oncall"], [str("state", "on")], { user: AGENT, userName: "Bo", permissions: PLAIN_MEMBER })),
  ).toContain("on call");
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await gw?.close();
  await fake?.close();
});

describe("the Open a ticket panel", () => {
  let threadId: string;

  it("an agent cannot post a panel (managers only), and nothing is posted", async () => {
    const said = await crm(commandBody(["inbox", "panel"], [channelOpt("channel", PANEL)], { user: AGENT, permissions: PLAIN_MEMBER }));
    expect(said).toMatch(/manager/i);
    await settle();
    expect(fake.calls(channelMessagesPath(PANEL))).toHaveLength(0);
    expect(await db.inboxChannel.count({ where: { workspaceId } })).toBe(0);
  });

  it("on Slack a panel is refused with what to do instead, and nothing is written", async () => {
    const actor = { workspaceId, memberId: "x", name: "Sam", role: "admin" as const, platform: "slack" as const };
    const tried = t.app.services.inboxPanels.post(
      actor,
      { platform: "slack", channelId: "C123" },
      { blocks: [], ephemeral: false, kind: "ok", summary: "x" },
    );
    await expect(tried).rejects.toThrow(UserInputError);
    await expect(tried).rejects.toThrow(/Discord thing.*\/crm inbox add/);
    expect(await db.inboxChannel.count({ where: { workspaceId } })).toBe(0);
  });

  it("/crm inbox panel #channel posts Need help? with one Open a ticket button, and makes the channel an inbox", async () => {
    const said = await crm(commandBody(["inbox", "panel"], [channelOpt("channel", PANEL)]));
    expect(said).toContain("now a customer inbox");
    const [posted] = await fake.waitFor(channelMessagesPath(PANEL), 1, 8000);
    expect(shown(payloadOf(posted))).toContain("Need help? Open a ticket");
    expect(buttonsOf(payloadOf(posted)).map((b) => [b.label, b.custom_id])).toEqual([["Open a ticket", "crm_panel_open"]]);
    expect(await db.inboxChannel.findFirst({ where: { workspaceId, platform: "discord", channelId: PANEL } })).not.toBeNull();
  });

  it("a customer's click (not a member) opens the form and nothing else; the same customer's click on a command button is refused", async () => {
    const form = await interact(t.url, buttonBody("crm_panel_open", asCara));
    expect(form.type).toBe(9);
    expect(form.data.custom_id).toBe("crm_panel_form");
    expect(JSON.stringify(form.data.components)).toContain('"custom_id":"subject"');
    expect(JSON.stringify(form.data.components)).toContain('"custom_id":"description"');
    const other = await interact(t.url, buttonBody("crm:ticket list", asCara));
    expect(shown(other)).toContain("not a member of this CRM");
    expect(await db.member.count({ where: { workspaceId, discordUserId: CUSTOMER } })).toBe(0);
    expect(await tickets()).toHaveLength(0);
  });

  it("submitting the form opens a ticket as the customer, assigned to the on-call agent, in a private thread with both and the card", async () => {
    const submit = modalSubmitBody(
      "crm_panel_form",
      { subject: "Login loops forever", description: "Since this morning\non Firefox" },
      "labels",
      asCara,
    );
    const answer = await interact(t.url, submit);
    expect(shown(answer)).toContain("T-1");
    const [opened] = threadsOpened();
    expect(opened.body).toMatchObject({ type: 12, invitable: false });
    const [t1] = await tickets();
    threadId = t1.threadChannelId!;
    expect(threadId).toBeTruthy();
    expect(shown(answer)).toContain(`https://discord.com/channels/${GUILD}/${threadId}`);
    const contact = await db.contact.findFirstOrThrow({ where: { workspaceId, discordUserId: CUSTOMER } });
    const agent = await db.member.findFirstOrThrow({ where: { workspaceId, discordUserId: AGENT } });
    expect(t1).toMatchObject({ subject: "Login loops forever", requesterId: contact.id, assigneeId: agent.id, threadPlatform: "discord" });
    expect(t1.description).toContain("on Firefox");
    expect(contact.name).toBe("Cara");
    expect(await db.member.count({ where: { workspaceId, discordUserId: CUSTOMER } })).toBe(0);
    const added = fake.calls(new RegExp(`^/api/v10/channels/${threadId}/thread-members/\\d+$`)).map((r) => r.path.split("/").pop());
    expect(added.sort()).toEqual([AGENT, CUSTOMER].sort());
    await until("the card in the thread", () => postsIn(threadId).find((p) => p.includes("Login loops forever") && p.includes("T-1")));
    expect(fake.calls(`/api/v10/channels/${threadId}`).find((r) => r.method === "PATCH")?.body).toMatchObject({
      name: "T-1 · Login loops forever",
    });
  });

  it("the same submitted form arriving again (over the gateway) opens no second ticket and no second thread", async () => {
    const submit = modalSubmitBody("crm_panel_form", { subject: "Billing question" }, "labels", asCara);
    await interact(t.url, submit);
    const again = await overGateway(submit);
    expect(shown(again)).toContain("already");
    expect(await tickets()).toHaveLength(2);
    expect(threadsOpened()).toHaveLength(2);
  });

  it("the customer's message in the private thread joins the ticket; the agent's answers it and is the first response", async () => {
    const [t1] = await tickets();
    say(cara, "Also it happens on Chrome", threadId);
    await until("the customer's message", async () => (await db.ticketMessage.count({ where: { ticketId: t1.id } })) === 2);
    expect((await tickets())[0].firstResponseAt).toBeNull();
    say(bo, "Clearing your session now", threadId);
    await until("the first response", async () => (await tickets())[0].firstResponseAt);
    const lines = await db.ticketMessage.findMany({ where: { ticketId: t1.id }, orderBy: { createdAt: "asc" } });
    expect(lines.map((m) => [m.kind, m.text])).toEqual([
      ["inbound", "Login loops forever\n\nSince this morning\non Firefox"],
      ["inbound", "Also it happens on Chrome"],
      ["outbound", "Clearing your session now"],
    ]);
  });

  it("/crm reply to a panel ticket posts into its private thread", async () => {
    await crm(commandBody(["reply"], [str("ticket", "T-1"), str("text", "Fixed, please log in again")]));
    await until("the reply in the thread", () => postsIn(threadId).find((p) => p.includes("Fixed, please log in again")));
  });

  it("with nobody on call the form still opens a ticket, unassigned, with only the requester added to its thread", async () => {
    expect(
      await crm(commandBody(["ticket", "oncall"], [str("state", "off")], { user: AGENT, userName: "Bo", permissions: PLAIN_MEMBER })),
    ).toContain("off call");
    const answer = await interact(t.url, modalSubmitBody("crm_panel_form", { subject: "Invoice PDF is blank" }, "rows", asCara));
    expect(shown(answer)).toContain("is open");
    const tk = await db.ticket.findFirstOrThrow({ where: { workspaceId, subject: "Invoice PDF is blank" } });
    expect(tk.assigneeId).toBeNull();
    const added = fake
      .calls(new RegExp(`^/api/v10/channels/${tk.threadChannelId}/thread-members/\\d+$`))
      .map((r) => r.path.split("/").pop());
    expect(added).toEqual([CUSTOMER]);
  });

  it("a form that says only thanks opens nothing, not even a thread, and says what to do", async () => {
    const before = { tickets: (await tickets()).length, threads: threadsOpened().length };
    const answer = await interact(t.url, modalSubmitBody("crm_panel_form", { subject: "thanks" }, "rows", asCara));
    expect(shown(answer)).toContain("Say a little more");
    await settle();
    expect(threadsOpened()).toHaveLength(before.threads);
    expect(await tickets()).toHaveLength(before.tickets);
  });

  it("once the channel is no inbox, the panel's form is refused with a clear answer and opens nothing", async () => {
    expect(await crm(commandBody(["inbox", "remove"], [channelOpt("channel", PANEL)]))).toContain("no longer a customer inbox");
    const before = { tickets: (await tickets()).length, threads: threadsOpened().length };
    const answer = await interact(t.url, modalSubmitBody("crm_panel_form", { subject: "Still broken" }, "rows", asCara));
    expect(shown(answer)).toContain("no longer takes tickets");
    await settle();
    expect(threadsOpened()).toHaveLength(before.threads);
    expect(await tickets()).toHaveLength(before.tickets);
  });
});

describe("a forum channel made an inbox", () => {
  const post = snowflake();

  function newPost(id: string, title: string) {
    gw.dispatch("THREAD_CREATE", { id, guild_id: GUILD, parent_id: FORUM, name: title, type: 11, newly_created: true });
  }

  it("a customer's new post is a ticket titled after the post, and the post is its thread with the key in it", async () => {
    expect(await crm(commandBody(["inbox", "add"], [channelOpt("channel", FORUM)]))).toContain("customer inbox");
    newPost(post, "CSV export fails");
    say(pia, "Every export returns an error 500", post, post);
    const tk = await until("the forum ticket", () => db.ticket.findFirst({ where: { workspaceId, threadChannelId: post } }));
    const contact = await db.contact.findFirstOrThrow({ where: { workspaceId, discordUserId: POSTER } });
    expect(tk).toMatchObject({ subject: "CSV export fails", requesterId: contact.id, threadPlatform: "discord" });
    await until("the key in the post", () => postsIn(post).find((p) => p.includes(`T-${tk.number}`)));
    expect(fake.calls(new RegExp(`/channels/${FORUM}/`)).filter((r) => r.method === "POST")).toHaveLength(0); // no thread of its own
  });

  it("later messages in the post join the ticket; a member's answers it", async () => {
    const tk = await db.ticket.findFirstOrThrow({ where: { workspaceId, threadChannelId: post } });
    say(pia, "It started after the 2.3 update", post);
    await until("the customer's follow-up", async () => (await db.ticketMessage.count({ where: { ticketId: tk.id } })) === 2);
    say(ana, "Looking at the export job", post);
    await until("the answer", async () => (await db.ticket.findFirstOrThrow({ where: { id: tk.id } })).firstResponseAt);
    const kinds = (await db.ticketMessage.findMany({ where: { ticketId: tk.id }, orderBy: { createdAt: "asc" } })).map((m) => m.kind);
    expect(kinds).toEqual(["inbound", "inbound", "outbound"]);
  });

  it("a post whose THREAD_CREATE this process never saw is found by asking Discord for the thread's forum", async () => {
    const unseen = snowflake();
    fake.on("GET", `/api/v10/channels/${unseen}`, () => ({
      body: { id: unseen, type: 11, guild_id: GUILD, parent_id: FORUM, name: "Webhooks stopped" },
    }));
    say(pia, "No webhook calls since noon", unseen, unseen);
    const tk = await until("the ticket", () => db.ticket.findFirst({ where: { workspaceId, threadChannelId: unseen } }));
    expect(tk.subject).toBe("Webhooks stopped");
  });

  it("a member's new post, and a post in a forum that is no inbox, open nothing", async () => {
    const before = (await tickets()).length;
    const mine = snowflake();
    newPost(mine, "Team notes");
    say(bo, "Notes for this week", mine, mine);
    const elsewhere = snowflake();
    gw.dispatch("THREAD_CREATE", { id: elsewhere, guild_id: GUILD, parent_id: "1540000000000000099", name: "Hello", type: 11 });
    say(pia, "A question about pricing tiers", elsewhere, elsewhere);
    await settle();
    expect(await tickets()).toHaveLength(before);
  });
});
