// Chat campaigns: a Slack campaign posts once into each company's mapped channel (a 429 honoured),
// progress is posted where it was sent from and edited in place; Discord DMs go through the delivery
// port with target.userId.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { apiArgs, sendSigned, slackEnv, slashBody, startFakeSlack, type Who } from "./helpers/slack.ts";
import { RateLimitedError, type ChatDelivery, type DeliveryTarget } from "../src/delivery/port.ts";
import type { Reply } from "../src/reply/reply.ts";
import { richToPlain } from "../src/reply/reply.ts";
import type { CampaignJobs, SendJob } from "../src/domain/campaigns/jobs.ts";
import { createServices } from "../src/domain/services.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";

let t: TestApp;
let fake: FakeServer;
let limited = 0;
beforeAll(async () => {
  fake = await startFakeSlack();
  fake.on("POST", "/api/conversations.open", () => ({ body: { ok: true, channel: { id: "DW111" } } }));
  fake.on("POST", "/api/chat.postMessage", (r) => {
    if (apiArgs(r).channel === "CACME" && limited++ === 0)
      return { status: 429, headers: { "retry-after": "1" }, body: { ok: false, error: "ratelimited" } };
    return { body: { ok: true, channel: apiArgs(r).channel, ts: `${Date.now() / 1000}` } };
  });
  t = await startTestApp({ ...slackEnv(fake), CAMPAIGN_WATCHDOG_MS: "300", CAMPAIGN_PROGRESS_MS: "300" });
});
afterAll(async () => {
  await t?.stop();
  await fake?.close();
});

const blocksText = (r: { body: unknown }) => JSON.stringify(apiArgs(r as never).blocks ?? apiArgs(r as never).text);
const posts = (channel: string) => fake.calls("/api/chat.postMessage").filter((r) => apiArgs(r).channel === channel);

/** A /crm command from Slack: the answer in the ack, or (past the 3-second budget, on a busy machine) at response_url. */
async function slash(text: string, who: Who = {}): Promise<unknown> {
  const body = slashBody(text, fake, who);
  const responsePath = new URL(new URLSearchParams(body).get("response_url")!).pathname;
  const raw = await (await sendSigned(t.url, body, "application/x-www-form-urlencoded")).text();
  if (raw) return JSON.parse(raw);
  return (await fake.waitFor(responsePath, 1, 15_000))[0].body;
}

async function until<T>(f: () => Promise<T | undefined | false> | T | undefined | false, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("a Slack channel campaign", () => {
  it("posts once per mapped company channel, honours a 429, skips companies without a channel, and edits its progress message", async () => {
    for (const cmd of [
      "company add Acme",
      "company channel A-1 <#CACME|acme>",
      "company add Beta",
      "contact add Ana Lopez company:Acme tags:vip",
      "contact add Bo Chen company:Acme tags:vip",
      "contact add Cy Diaz company:Beta tags:vip",
      "contact add Dee Long company:Acme tags:lead",
      "contact add Ed Free tags:vip",
    ]) {
      expect(JSON.stringify(await slash(cmd))).not.toContain("⚠️");
    }
    const created = await slash(
      'campaign new "Launch" segment:"tag:vip" channel:slack message:"Hi {{first_name}} at {{company}}: v2 is live"',
    );
    expect(JSON.stringify(created)).toContain("Created");
    expect(JSON.stringify(created)).toContain("4 (2 reachable by slack)");

    // the test goes to the author as a DM
    await slash("campaign test K-1");
    const [open] = await fake.waitFor("/api/conversations.open");
    expect(apiArgs(open).users).toBe("W111");
    const dm = await until(() => posts("DW111")[0], "test DM");
    expect(blocksText(dm)).toContain("Hi Ana at Acme: v2 is live");
    expect(blocksText(dm)).toContain("[TEST]");

    const started = Date.now();
    const sent = await slash("campaign send K-1", { channel: "C111" });
    expect(JSON.stringify(sent)).toContain("Progress is posted in this channel");
    const k = await until(async () => {
      const x = await t.app.db.prisma.campaign.findFirst({ where: { number: 1 } });
      return x?.status === "done" ? x : undefined;
    }, "campaign done");

    // one 429, then exactly one post into Acme's channel for Ana and Bo together
    const acme = posts("CACME");
    expect(acme).toHaveLength(2);
    expect(acme[1].at - acme[0].at).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(blocksText(acme[1])).toContain("Hi Ana and Bo at Acme: v2 is live");
    const rows = await t.app.db.prisma.campaignRecipient.findMany({
      where: { campaignId: k.id },
      include: { contact: true },
      orderBy: { contact: { number: "asc" } },
    });
    expect(rows.map((r) => [r.contact.name, r.status, r.error])).toEqual([
      ["Ana Lopez", "sent", null],
      ["Bo Chen", "sent", null],
      ["Cy Diaz", "skipped", "company has no Slack channel (/crm company channel)"],
      ["Ed Free", "skipped", "no company"],
    ]);
    expect(rows[0].sentAt).toEqual(rows[1].sentAt);

    // the progress message: posted once in C111, then edited in place to the final state
    const progress = posts("C111").filter((r) => blocksText(r).includes("K-1 · Launch"));
    expect(progress).toHaveLength(1);
    expect(k.statusChannelId).toBe("C111");
    const final = await until(
      () =>
        fake
          .calls("/api/chat.update")
          .filter((r) => apiArgs(r).ts === k.statusMessageId && blocksText(r).includes("✅ done"))
          .at(-1),
      "final progress edit",
    );
    expect(blocksText(final)).toContain("100%");
    expect(blocksText(final)).toMatch(/Sent.{0,40}2/);
    expect(blocksText(final)).toMatch(/Skipped.{0,40}2/);
  });
});

describe("a Discord DM campaign", () => {
  // its own database and no workers: the steps are driven by hand, so no watchdog races them
  let tdb: TestDb;
  beforeAll(async () => {
    tdb = await createTestDb();
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it("sends one DM per contact with a Discord account through the delivery port, honouring a rate limit", async () => {
    const db = tdb.db.prisma;
    const { workspace, admin } = await createServices(db).workspaces.create("Discord team", "Ada Admin");
    const ws = workspace.id;
    const contact = (number: number, name: string, discordUserId: string | null) =>
      db.contact.create({ data: { workspaceId: ws, number, name, tags: ["vip"], discordUserId } });
    await contact(1, "Ana Lopez", "80351110224678912");
    await contact(2, "Bo Chen", "80351110224678913");
    await contact(3, "Cy Diaz", null);
    const k = await db.campaign.create({
      data: {
        workspaceId: ws,
        number: 1,
        name: "DMs",
        segment: "tag:vip",
        channel: "discord",
        message: "Hey {{first_name}}",
        status: "sending",
        authorId: admin.id,
      },
    });
    const dms: { target: DeliveryTarget; text: string }[] = [];
    let first = true;
    const port: ChatDelivery = {
      platform: "discord",
      async post(_ws, target, reply: Reply) {
        if (first) {
          first = false;
          throw new RateLimitedError(50);
        }
        dms.push({
          target,
          text: reply.blocks.map((b) => ("text" in b && typeof b.text !== "undefined" ? richToPlain(b.text as never) : "")).join(""),
        });
        return { channelId: "dm", messageId: String(dms.length) };
      },
      async update(_ws, target) {
        return target;
      },
      async createRoom() {
        return { channelId: "x" };
      },
    };
    const queued: SendJob[] = [];
    const jobs: CampaignJobs = {
      fanout: async () => {},
      kick: async () => {},
      testEmail: async () => {},
      progress: async () => {},
      send: async (js) => {
        queued.push(...js);
      },
    };
    const bg = createServices(db).campaigns.background({ jobs, ports: { discord: port } });
    await bg.fanout({ workspaceId: ws, campaignId: k.id });
    expect(queued).toHaveLength(1);
    // the 429 surfaces as RateLimitedError (the runtime pauses the queue) and puts the recipient back
    await expect(bg.send(queued[0])).rejects.toBeInstanceOf(RateLimitedError);
    await bg.send(queued[0]);
    await bg.send(queued[0]); // a retried job claims nothing twice
    expect(dms.map((d) => d.target.userId).sort()).toEqual(["80351110224678912", "80351110224678913"]);
    expect(dms.map((d) => d.text).sort()).toEqual(["Hey Ana", "Hey Bo"]);
    const rows = await db.campaignRecipient.findMany({ where: { campaignId: k.id }, include: { contact: true } });
    expect(Object.fromEntries(rows.map((r) => [r.contact.name, [r.status, r.attempts, r.error]]))).toEqual({
      "Ana Lopez": ["sent", 1, null],
      "Bo Chen": ["sent", 1, null],
      "Cy Diaz": ["skipped", 0, "no Discord account linked"],
    });
    // finished once no other batch follows within FINISH_CHECK_DELAY_MS
    await vi.waitFor(async () => expect((await db.campaign.findUniqueOrThrow({ where: { id: k.id } })).status).toBe("done"), {
      timeout: 5000,
      interval: 50,
    });
  });
});
