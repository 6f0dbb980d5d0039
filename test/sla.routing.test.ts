// On-call routing on Slack: 30 tickets opened at once with assign:auto spread 10/10/10 over the three
// agents on call, and each agent is told by DM about every ticket routed to them (any assignment does).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer, RecordedRequest } from "./helpers/fakeHttp.ts";
import { apiArgs, slackEnv, slashText, startFakeSlack, type Who } from "./helpers/slack.ts";

let t: TestApp;
let fake: FakeServer;

/** /crm over Slack → the text of its answer (ack body or response_url) */
const crm = (text: string, who: Who = {}) => slashText(t.url, text, fake, who);
const AGENTS = ["W501", "W502", "W503"];
const OFF = "W504";

beforeAll(async () => {
  fake = await startFakeSlack();
  fake.on("POST", "/api/conversations.open", (r) => ({ body: { ok: true, channel: { id: `D${apiArgs(r).users}` } } }));
  t = await startTestApp(slackEnv(fake));
  await crm("help"); // W111 joins first: the admin
  expect(await crm("settings join:agent")).toContain("agents"); // teammates join as agents (Slack's default is viewer)
  for (const user of AGENTS) expect(await crm("oncall on", { user, userName: user.toLowerCase() })).toContain("You are on call");
  await crm("oncall off", { user: OFF });
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

const text = (r: RecordedRequest) => String(apiArgs(r).text ?? "");
const dms = (user: string, match: RegExp) =>
  fake.calls("/api/chat.postMessage").filter((r) => apiArgs(r).channel === `D${user}` && match.test(text(r)));
async function until(what: string, ok: () => boolean, ms = 30_000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("on-call routing", () => {
  it("30 concurrent auto-assigned tickets go 10/10/10 to the agents on call, each with a DM to its assignee", async () => {
    for (let batch = 0; batch < 3; batch++) {
      const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => crm(`ticket new Load ${batch * 10 + i + 1} assign:auto`)));
      for (const r of replies) expect(r).toContain("(auto, on call)");
    }
    const ws = (await t.app.db.prisma.platformLink.findFirstOrThrow({ where: { externalId: "T111" } })).workspaceId;
    const members = await t.app.db.prisma.member.findMany({ where: { workspaceId: ws } });
    const bySlack = new Map(members.map((m) => [m.id, m.slackUserId]));
    const counts = await t.app.db.prisma.ticket.groupBy({ by: ["assigneeId"], where: { workspaceId: ws }, _count: true });
    expect(Object.fromEntries(counts.map((c) => [bySlack.get(c.assigneeId!), c._count]))).toEqual({ W501: 10, W502: 10, W503: 10 });

    const assignedDm = /^T-\d+ is assigned to you$/;
    await until("30 assignment DMs", () => AGENTS.every((a) => dms(a, assignedDm).length >= 10));
    await new Promise((r) => setTimeout(r, 300));
    for (const a of AGENTS) {
      const mine = dms(a, assignedDm);
      expect(mine).toHaveLength(10);
      expect(JSON.stringify(apiArgs(mine[0]).blocks)).toContain("(auto, you are on call) by primary-owner");
      // the DM names exactly the tickets routed to this agent
      const keys = mine.map((r) => Number(/T-(\d+)/.exec(text(r))![1])).sort((x, y) => x - y);
      const theirs = (
        await t.app.db.prisma.ticket.findMany({ where: { workspaceId: ws, assignee: { slackUserId: a } }, select: { number: true } })
      )
        .map((x) => x.number)
        .sort((x, y) => x - y);
      expect(keys).toEqual(theirs);
    }
    expect(dms(OFF, /./)).toHaveLength(0);
    expect(dms("W111", /./)).toHaveLength(0);
  });

  it("a hand-over DMs the new assignee; taking a ticket yourself sends no DM", async () => {
    const ws = (await t.app.db.prisma.platformLink.findFirstOrThrow({ where: { externalId: "T111" } })).workspaceId;
    const t1 = await t.app.db.prisma.ticket.findFirstOrThrow({ where: { workspaceId: ws, number: 1 }, include: { assignee: true } });
    const to = AGENTS.find((a) => a !== t1.assignee!.slackUserId)!;
    const res = await crm(`ticket assign T-1 <@${to}>`);
    expect(res).toContain(`is now assigned to ${to.toLowerCase()} (was ${t1.assignee!.slackUserId!.toLowerCase()})`); // T-1 is whichever Load ticket numbered first
    await until("the hand-over DM", () => dms(to, /^T-1 is assigned to you$/).length === 1);
    expect(JSON.stringify(apiArgs(dms(to, /^T-1 is assigned to you$/)[0]).blocks)).toContain("is assigned to you by primary-owner");

    const before = fake.calls("/api/chat.postMessage").length;
    // the admin takes it: no DM to themselves
    expect(await crm("ticket assign T-1 me")).toContain("now assigned to primary-owner");
    await new Promise((r) => setTimeout(r, 500));
    expect(
      fake
        .calls("/api/chat.postMessage")
        .slice(before)
        .filter((r) => String(apiArgs(r).channel).startsWith("D")),
    ).toEqual([]);
  });
});
