// Customers writing in a Discord channel made an inbox (#14 item 3, Discord) through the real path: a
// discord.js Client on the fake gateway receiving MESSAGE_CREATE dispatches, commands as INTERACTION_CREATE,
// and the fake REST API recording what the bot sent. Someone who is not a member of the CRM opens a ticket
// with a top-level message and the bot starts a thread on it with the key; their messages in the thread join
// it; a member's message there is the first response; /crm reply and the resolution notice post into the
// thread; the customer's "4" rates it. Members' top-level talk and pleasantries open nothing.
// The thread is a worker's job (discord-threads, asked by ticket.opened): Discord failing a whole attempt is
// retried without a second thread or a second key line, and a missing permission fails it at once with a log
// line that says which. (A process dying before the job: conversations.discord.crash.test.ts.)
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import {
  DISCORD_TOKEN,
  GUILD,
  USER,
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
import { toStored } from "../src/domain/events/dispatcher.ts";
import type { StoredEvent } from "../src/domain/events/types.ts";
import { ticketThreads } from "../jobs/events/ticketThreads.ts";
import { ticketThreadQueue, type TicketThreadJob } from "../jobs/ticketThreads.ts";
import { createLogger } from "../src/log.ts";

const INBOX = "1540000000000000001";
const SUPPORT = "1530000000000000009";
const AGENT = "1300000000000000007";
const CUSTOMER = "1300000000000000008";
const SUPPORT_ROLE = "1560000000000000001";

let t: TestApp;
let fake: FakeDiscord;
let gw: FakeGateway;
let db: PrismaClient;
let workspaceId: string;
/** what the app logged at warn and above */
const logged: { level: number; msg: string; err?: string }[] = [];

/** Runs /crm … as a gateway interaction and returns what the bot showed. */
const crm = async (body: any): Promise<string> => shown(await interactOverGateway(gw, fake, body));

/** A MESSAGE_CREATE as Discord sends it: in a channel, or in a thread (a channel of its own). */
function say(author: { id: string; name: string; roles?: string[] }, content: string, channel: string, id = snowflake()): string {
  messageCreate(gw, { id, guildId: GUILD, channelId: channel, author, content });
  return id;
}
const cara = { id: CUSTOMER, name: "Cara" };
const ana = { id: USER, name: "Ana" };
const bo = { id: AGENT, name: "Bo" };
/** not a member yet, but holds the server role mapped to agent */
const dee = { id: "1300000000000000006", name: "Dee", roles: [SUPPORT_ROLE] };

const tickets = () => db.ticket.findMany({ where: { workspaceId }, orderBy: { number: "asc" } });
const postsIn = (channel: string) => fake.calls(channelMessagesPath(channel)).map((r) => shown(payloadOf(r)));
const settle = (ms = 600) => new Promise((r) => setTimeout(r, ms));
const threadStarts = (message: string) => fake.calls(`/api/v10/channels/${INBOX}/messages/${message}/threads`);
const keyLines = (thread: string) => postsIn(thread).filter((p) => p.includes("thanks, the team has it"));
/** The discord-threads job of a ticket, by its key. */
const threadJob = async (key: string) =>
  (await t.app.jobs.queue("discord-threads").getJobs(["completed", "failed", "delayed", "waiting", "active"])).find(
    (j) => j.data.ticket === key,
  );
/** Discord answering a route with 500 for its first `times` requests, then with `ok`; counts what it took. */
function failing(method: string, path: string, times: number, ok: (req: { body: unknown }) => object) {
  const seen = { refused: 0, accepted: 0 };
  fake.on(method, path, (req) => {
    if (seen.refused < times) {
      seen.refused++;
      return { status: 500, body: { message: "500: Internal Server Error", code: 0 } };
    }
    seen.accepted++;
    return { status: 200, body: ok(req) };
  });
  return seen;
}

beforeAll(async () => {
  fake = await startFakeDiscord();
  gw = await startFakeGateway(fake);
  const sink = new Writable({
    write(chunk, _enc, done) {
      logged.push(JSON.parse(String(chunk)));
      done();
    },
  });
  t = await startTestApp(
    { DISCORD_BOT_TOKEN: DISCORD_TOKEN, DISCORD_API_URL: `${fake.url}/api`, DISCORD_GATEWAY: "on" },
    { logger: createLogger("warn", sink) },
  );
  db = t.app.db.prisma;
  await gw.identified;
  await crm(commandBody(["help"])); // Ana (Manage Server) is the workspace's admin
  workspaceId = (await db.platformLink.findFirstOrThrow({ where: { externalId: GUILD } })).workspaceId;
  expect(await crm(commandBody(["role", "set"], [userOpt("member", AGENT), str("role", "agent")]))).toContain("is now agent");
  // with a support channel, a ticket opened on Discord by a member gets a private thread there; a customer's does not
  expect(await crm(commandBody(["support", "channel"], [channelOpt("channel", SUPPORT)]))).toContain(SUPPORT);
  expect(await crm(commandBody(["role", "map"], [{ name: "server_role", type: 8, value: SUPPORT_ROLE }, str("role", "agent")]))).toMatch(
    /agent/,
  );
  // anyone could join by using /crm; writing in the inbox is not using it
  expect(await crm(commandBody(["settings"], [str("join", "agent")]))).toContain("join as agents");
  expect(await crm(commandBody(["inbox", "add"], [channelOpt("channel", INBOX)]))).toContain("customer inbox");
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await gw?.close();
  await fake?.close();
});

describe("a Discord inbox channel", () => {
  let root: string;

  it("a non-member's message opens a ticket with them as requester (no member, whatever the join rule), and the bot starts a thread on it named after the ticket with the key", async () => {
    root = say(cara, "Our dashboard shows no data since 9am\nsince the upgrade", INBOX);
    const [started] = await fake.waitFor(`/api/v10/channels/${INBOX}/messages/${root}/threads`, 1, 8000);
    expect(started.body).toMatchObject({ name: "T-1 · Our dashboard shows no data since 9am" });
    const [t1] = await tickets();
    expect(t1).toMatchObject({ subject: "Our dashboard shows no data since 9am", source: "discord" });
    expect(t1.threadChannelId).toBe(root); // a thread started on a message has the message's id
    const contact = await db.contact.findFirstOrThrow({ where: { workspaceId, discordUserId: CUSTOMER } });
    expect(contact.name).toBe("Cara");
    expect(t1.requesterId).toBe(contact.id);
    expect(await db.member.count({ where: { workspaceId, discordUserId: CUSTOMER } })).toBe(0);
    await until("the key in the thread", () => postsIn(root).find((p) => p.includes("T-1")));
    await settle();
    expect(fake.calls(`/api/v10/channels/${SUPPORT}/threads`)).toHaveLength(0); // its thread is the customer's own
  });

  it("the ticket.opened of a customer's ticket asks for the thread on their message, not a private support thread (a member's does)", async () => {
    const [t1] = await tickets();
    const row = await db.domainEvent.findFirstOrThrow({ where: { workspaceId, type: "ticket.opened", recordId: t1.id } });
    const asked: TicketThreadJob[] = [];
    const handler = ticketThreads(t.app.services, { request: async (j) => void asked.push(j) });
    const opened = toStored(row) as StoredEvent<"ticket.opened">;
    await handler.run(opened, db as never);
    expect(asked).toEqual([{ workspaceId, ticket: "T-1", extraUserIds: [], customer: { channelId: INBOX, messageId: root, post: false } }]);
    // a customer's ticket without an inbox thread (the panel's: it made its private thread itself) asks for nothing
    const { inboxThread: _, ...plain } = opened.data;
    await handler.run({ ...opened, data: plain }, db as never);
    expect(asked).toHaveLength(1);
    const member = await db.member.findFirstOrThrow({ where: { workspaceId, discordUserId: USER } });
    await handler.run({ ...opened, data: plain, actor: { ...opened.actor, memberId: member.id } }, db as never);
    expect(asked[1]).toEqual({ workspaceId, ticket: "T-1", extraUserIds: [CUSTOMER] });
  });

  it("a member's top-level message (or a mapped server role's) and a customer's pleasantry open nothing", async () => {
    say(ana, "Heads up team, Initech is grumpy today", INBOX);
    say(bo, "Noted, watching the dashboards", INBOX);
    say(dee, "I can take the next one", INBOX);
    say(cara, "thanks! 🙏", INBOX);
    await settle();
    expect(await tickets()).toHaveLength(1);
    expect(fake.calls(/\/messages\/\d+\/threads$/)).toHaveLength(1);
    expect(await db.contact.count({ where: { workspaceId, discordUserId: { in: [USER, AGENT, dee.id] } } })).toBe(0);
    // the role map made Dee a member, as /crm would have
    expect(await db.member.findFirst({ where: { workspaceId, discordUserId: dee.id } })).toMatchObject({ role: "agent" });
  });

  it("the customer's message in the thread joins the ticket; a member's there answers them and is the first response", async () => {
    const [t1] = await tickets();
    say(cara, "Also the export button is greyed out", root);
    await until("the customer's second message", async () => (await db.ticketMessage.count({ where: { ticketId: t1.id } })) === 2);
    expect((await tickets())[0].firstResponseAt).toBeNull();
    say(bo, "Looking into it now, Cara", root);
    await until("the first response", async () => (await tickets())[0].firstResponseAt);
    const lines = await db.ticketMessage.findMany({ where: { ticketId: t1.id }, orderBy: { createdAt: "asc" } });
    expect(lines.map((m) => [m.kind, m.text])).toEqual([
      ["inbound", "Our dashboard shows no data since 9am\nsince the upgrade"],
      ["inbound", "Also the export button is greyed out"],
      ["outbound", "Looking into it now, Cara"],
    ]);
    await settle();
    // logged once: as the team's answer, not a second time as a chat in a ticket's thread
    expect(await db.interaction.count({ where: { ticketId: t1.id, summary: "Looking into it now, Cara" } })).toBe(1);
    expect(await crm(commandBody(["ticket", "show"], [str("ticket", "T-1")]))).toContain("Also the export button is greyed out");
  });

  it("/crm reply posts into the customer's thread, signed with the agent's name, once", async () => {
    const said = await crm(commandBody(["reply"], [str("ticket", "T-1"), str("text", "The ingest job is fixed; data is back")]));
    expect(said).toContain("Discord thread");
    await until("the reply in the thread", () => postsIn(root).find((p) => p.includes("The ingest job is fixed")));
    const out = await until("the reply marked sent", () =>
      db.ticketMessage.findFirst({ where: { workspaceId, kind: "outbound", delivery: "sent", text: { startsWith: "The ingest job" } } }),
    );
    expect(await t.app.services.conversations.deliver(workspaceId, out.id, {})).toBe("already");
    await settle();
    expect(postsIn(root).filter((p) => p.includes("The ingest job is fixed"))).toHaveLength(1);
    expect(postsIn(root).find((p) => p.includes("The ingest job is fixed"))).toContain("Ana");
    expect(postsIn(INBOX)).toHaveLength(0); // nothing in the channel itself
  });

  it("resolving posts the notice in the thread; the customer's 4 rates it, and a later message reopens it", async () => {
    await crm(commandBody(["ticket", "resolve"], [str("ticket", "T-1"), str("note", "fixed")]));
    await until("the resolution in the thread", () => postsIn(root).find((p) => /T-1 .* is resolved: fixed/.test(p)));
    say(cara, "4", root);
    const rated = await until("the rating", () => db.csatResponse.findFirst({ where: { workspaceId, rating: 4 } }));
    expect(rated.ticketId).toBe((await tickets())[0].id);
    expect((await tickets())[0].status).toBe("resolved");
    say(cara, "It broke again", root);
    await until("T-1 reopened", async () => (await tickets())[0].status === "open");
    expect(await tickets()).toHaveLength(1);
  });
});

describe("the customer's thread is a worker's job", () => {
  it("Discord failing a whole attempt to start the thread (four 500s: its client retries three times itself) → the job tries again after its backoff; the thread appears and the key is said once", async () => {
    const id = snowflake();
    failing("POST", `/api/v10/channels/${INBOX}/messages/${id}/threads`, 4, (req) => ({
      id,
      parent_id: INBOX,
      guild_id: GUILD,
      name: (req.body as { name: string }).name,
      type: 11,
    }));
    say(cara, "The invoice page times out", INBOX, id);
    const tk = await until("the ticket", () => db.ticket.findFirst({ where: { workspaceId, subject: "The invoice page times out" } }));
    expect(tk.threadChannelId).toBe(id); // recorded as it opened: the customer's first words in the thread find it
    const starts = await fake.waitFor(`/api/v10/channels/${INBOX}/messages/${id}/threads`, 5, 15_000);
    expect(starts[4].at - starts[3].at).toBeGreaterThanOrEqual(900); // the job's backoff, not the client's own retry
    expect(starts[4].body).toMatchObject({ name: `T-${tk.number} · The invoice page times out`, auto_archive_duration: 10_080 });
    await until("the key in the thread", () => keyLines(id).find((p) => p.includes(`T-${tk.number}`)));
    await settle();
    expect(keyLines(id)).toHaveLength(1);
    expect(threadStarts(id)).toHaveLength(5);
    expect((await threadJob(`T-${tk.number}`))?.data).toMatchObject({ threadId: id, keyPosted: true });
  });

  it("the key line failing an attempt is said once on the retry, with one thread request; asking for the job again, or running it again, adds nothing", async () => {
    const id = snowflake();
    const posts = failing("POST", channelMessagesPath(id), 4, (req) => ({ id: snowflake(), channel_id: id, ...(req.body as object) }));
    say(cara, "Emails to customers bounce", INBOX, id);
    const tk = await until("the ticket", () => db.ticket.findFirst({ where: { workspaceId, subject: "Emails to customers bounce" } }));
    await until("the key in the thread", () => posts.accepted === 1, { ms: 15_000 });
    expect(keyLines(id)).toHaveLength(5); // four refused, one taken
    expect(threadStarts(id)).toHaveLength(1);
    const key = `T-${tk.number}`;
    const job = await until("the job done", async () => ((await threadJob(key))?.finishedOn ? threadJob(key) : null));

    // the event dispatched again (as after a lost claim): the same job id, so no second job
    const row = await db.domainEvent.findFirstOrThrow({ where: { workspaceId, type: "ticket.opened", recordId: tk.id } });
    await ticketThreads(t.app.services, ticketThreadQueue(t.app.jobs)).run(toStored(row), db as never);
    // the job itself run a second time (a retry from the queue board): its saved progress says all is done
    await job!.retry("completed");
    await until("the job run again", async () => (await threadJob(key))?.finishedOn! > job!.finishedOn!);
    await settle();
    expect(threadStarts(id)).toHaveLength(1);
    expect(posts).toEqual({ refused: 4, accepted: 1 });
  });

  it("a thread Discord started although it answered 500 is taken as started on the retry (160004, thread already exists): the key is said once", async () => {
    const id = snowflake();
    let calls = 0;
    fake.on("POST", `/api/v10/channels/${INBOX}/messages/${id}/threads`, () =>
      ++calls <= 4
        ? { status: 500, body: { message: "500: Internal Server Error", code: 0 } } // the first one made the thread
        : { status: 400, body: { code: 160004, message: "A thread has already been created for this message" } },
    );
    say(cara, "Reports are empty this week", INBOX, id);
    await until("the key in the thread", () => keyLines(id).length === 1, { ms: 15_000 });
    await settle();
    expect(calls).toBe(5);
    expect(keyLines(id)).toHaveLength(1);
  });

  it("a 403 Missing Permissions fails the job at once, without retries, and the log names the missing Create Public Threads permission", async () => {
    const id = snowflake();
    fake.on("POST", `/api/v10/channels/${INBOX}/messages/${id}/threads`, () => ({
      status: 403,
      body: { message: "Missing Permissions", code: 50013 },
    }));
    say(cara, "Cannot add a second admin", INBOX, id);
    const tk = await until("the ticket", () => db.ticket.findFirst({ where: { workspaceId, subject: "Cannot add a second admin" } }));
    const line = await until("the log line", () => logged.find((l) => l.msg.includes(`T-${tk.number}'s thread`)));
    expect(line.level).toBe(50);
    expect(line.msg).toContain("Create Public Threads");
    expect(line.msg).toContain("Not retried");
    const job = await until("the job failed", async () =>
      (await threadJob(`T-${tk.number}`))?.failedReason ? threadJob(`T-${tk.number}`) : null,
    );
    expect(job!.attemptsMade).toBe(1);
    await settle(2500); // past the first retry's backoff (1 s) and then some
    expect(threadStarts(id)).toHaveLength(1);
    expect(keyLines(id)).toHaveLength(0);
    expect(await (await threadJob(`T-${tk.number}`))!.getState()).toBe("failed");
  });
});
