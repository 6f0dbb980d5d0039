// Customers writing in a Slack Connect channel (#14 item 3) through the real path: signed Events API
// message events (the shape of event_callback.message.bolt_python.json, with Slack Connect's user_team) into
// the running server, a fake Slack Web API that records what the bot sent. A customer's message opens a
// ticket and the bot answers in its thread; replies in the thread join it; the team's reply there is the first
// response; /crm reply posts into the customer's thread; pleasantries, the team's own top-level talk and
// other channels open nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { apiArgs, eventCallback, messageEvent, slackEnv, slashText, startFakeSlack } from "./helpers/slack.ts";
import { until } from "./helpers/until.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";

const SHARED = "CSHARED01";
let t: TestApp;
let fake: FakeServer;
let db: PrismaClient;
let workspaceId: string;
let seq = 0;
let ts = 1800000000;

beforeAll(async () => {
  fake = await startFakeSlack();
  t = await startTestApp(slackEnv(fake));
  db = t.app.db.prisma;
  await slashText(t.url, "company add Initech domain:initech.example", fake); // W111 joins first: the admin
  expect(await slashText(t.url, `inbox add <#${SHARED}|initech-shared> company:A-1`, fake)).toContain("customer inbox for A-1 Initech");
  workspaceId = (await db.platformLink.findFirstOrThrow({ where: { externalId: "T111" } })).workspaceId;
});
afterAll(async () => {
  await t?.stop();
  await fake?.close();
});

/** A message event as Slack sends it, signed and delivered; a customer's carries their own team (Slack Connect). */
async function message(m: { user: string; text: string; thread?: string; customer?: boolean; channel?: string }): Promise<string> {
  const at = `${ts++}.000100`;
  const res = await eventCallback(t.url, messageEvent(`EvMsg${++seq}`, { ...m, channel: m.channel ?? SHARED, ts: at }));
  expect(res.status).toBe(200);
  return at;
}
const tickets = () => db.ticket.findMany({ where: { workspaceId }, orderBy: { number: "asc" } });
const posts = () => fake.calls("/api/chat.postMessage").map(apiArgs);

describe("a Slack Connect inbox channel", () => {
  let root: string;

  it("a customer's message opens a ticket with them as requester (a contact of the channel's company), and the bot answers in its thread", async () => {
    root = await message({ user: "UCUST1", customer: true, text: "Our dashboard shows no data since 9am" });
    const t1 = await until("the ticket", async () => (await tickets())[0]);
    expect(t1.subject).toBe("Our dashboard shows no data since 9am");
    const cara = await db.contact.findFirstOrThrow({ where: { workspaceId, slackUserId: "UCUST1" } });
    expect(cara).toMatchObject({ name: "Cara Customer" });
    expect(t1.requesterId).toBe(cara.id);
    expect((await db.company.findUniqueOrThrow({ where: { id: cara.companyId! } })).name).toBe("Initech");
    const answer = await until("the bot's answer", () => posts().find((p) => p.thread_ts === root && /T-1/.test(p.text)));
    expect(answer.channel).toBe(SHARED);
    expect(await db.member.count({ where: { workspaceId, slackUserId: "UCUST1" } })).toBe(0); // a customer is no member
  });

  it("thanks and emoji alone open nothing; the team's own top-level talk and other channels open nothing", async () => {
    await message({ user: "UCUST1", customer: true, text: "thanks! 🙏" });
    await message({ user: "W111", text: "Heads up team, Initech is grumpy today" });
    await message({ user: "UCUST1", customer: true, text: "Another problem here", channel: "COTHER01" });
    await new Promise((r) => setTimeout(r, 500));
    expect(await tickets()).toHaveLength(1);
  });

  it("the customer's reply in the thread joins the ticket; the team's reply there answers them and is the first response", async () => {
    await message({ user: "UCUST1", customer: true, thread: root, text: "Also the export button is greyed out" });
    const t1 = (await tickets())[0];
    await until("the customer's second message", async () => (await db.ticketMessage.count({ where: { ticketId: t1.id } })) === 2);
    expect(t1.firstResponseAt).toBeNull();
    await message({ user: "W111", thread: root, text: "Looking into it now, Cara" });
    const answered = await until("the first response", async () => (await tickets())[0].firstResponseAt);
    expect(answered).not.toBeNull();
    const kinds = (await db.ticketMessage.findMany({ where: { ticketId: t1.id }, orderBy: { createdAt: "asc" } })).map((m) => m.kind);
    expect(kinds).toEqual(["inbound", "inbound", "outbound"]);
    const show = await slashText(t.url, "ticket show T-1", fake);
    expect(show).toContain("← Cara Customer (slack): Also the export button is greyed out");
  });

  it("/crm reply posts into the customer's thread, signed with the agent's name, once", async () => {
    const said = await slashText(t.url, "reply T-1 The ingest job is fixed; data is back from 9am", fake);
    expect(said).toContain("the customer's Slack thread");
    const post = await until("the reply in the thread", () =>
      posts().find((p) => p.thread_ts === root && /ingest job is fixed/.test(p.text)),
    );
    expect(post.channel).toBe(SHARED);
    const out = await until("the reply marked sent", async () =>
      db.ticketMessage.findFirst({ where: { workspaceId, kind: "outbound", delivery: "sent", text: { startsWith: "The ingest job" } } }),
    );
    expect(await t.app.services.conversations.deliver(workspaceId, out.id, {})).toBe("already");
    await new Promise((r) => setTimeout(r, 300));
    expect(posts().filter((p) => /ingest job is fixed/.test(p.text))).toHaveLength(1);
  });

  it("inbox list shows the channel and its company; a customer writing after the ticket is resolved reopens it; inbox remove stops new tickets", async () => {
    expect(await slashText(t.url, "inbox list", fake)).toContain("A-1 Initech");
    await slashText(t.url, "ticket resolve T-1 fixed", fake);
    // the customer hears it in their thread (no DM: the thread is where they are) and rates it by answering
    await until("the resolution in the thread", () =>
      posts().find((p) => p.thread_ts === root && /T-1 .* is resolved: fixed/.test(p.text)),
    );
    await message({ user: "UCUST1", customer: true, thread: root, text: "4" });
    const rated = await until("the rating", async () => db.csatResponse.findFirst({ where: { workspaceId, rating: 4 } }));
    expect(rated.ticketId).toBe((await tickets())[0].id);
    expect((await tickets())[0].status).toBe("resolved");
    expect(fake.calls("/api/conversations.open")).toHaveLength(0);
    await message({ user: "UCUST1", customer: true, thread: root, text: "It broke again" });
    await until("T-1 reopened", async () => (await tickets())[0].status === "open");
    expect(await slashText(t.url, `inbox remove <#${SHARED}|initech-shared>`, fake)).toContain("no longer a customer inbox");
    await message({ user: "UCUST1", customer: true, text: "A brand new problem" });
    await new Promise((r) => setTimeout(r, 500));
    expect(await tickets()).toHaveLength(1);
  });
});
