// CSAT through Slack's real path: resolving a ticket DMs its requester five rating buttons; their click
// (`csat T-1 4`) is recorded once; only they can rate; the per-agent report averages the answers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { apiArgs, slackEnv, slashText, startFakeSlack } from "./helpers/slack.ts";

let t: TestApp;
let fake: FakeServer;
const cara = { user: "W333", userName: "cara" };
beforeAll(async () => {
  fake = await startFakeSlack();
  fake.on("POST", "/api/conversations.open", (r) => ({ body: { ok: true, channel: { id: `D${apiArgs(r).users}` } } }));
  t = await startTestApp(slackEnv(fake));
  expect(await slashText(t.url, "contact add Cara Customer email:cara@example.com", fake)).toContain("C-1");
  await t.app.db.prisma.contact.updateMany({ where: { email: "cara@example.com" }, data: { slackUserId: "W333" } });
  expect(await slashText(t.url, 'ticket new "Login broken" contact:C-1 assign:me', fake)).toContain("T-1");
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

describe("CSAT", () => {
  it("a rating asked for before the ticket is resolved says it is not resolved yet, to anyone, and records nothing", async () => {
    expect(await slashText(t.url, "csat T-1 5", fake)).toContain("T-1 is not resolved yet; rate it once it is.");
    expect(await slashText(t.url, "csat T-1 5", fake, cara)).toContain("T-1 is not resolved yet; rate it once it is.");
    expect(await t.app.db.prisma.csatResponse.count()).toBe(0);
  });

  it("resolving DMs the requester one-click ratings, once", async () => {
    expect(await slashText(t.url, "ticket resolve T-1 fixed the SSO config", fake)).toContain("asked for a rating on Slack");
    const posts = await waitForDm();
    const msg = apiArgs(posts[0]);
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain("How did we do?");
    for (let i = 1; i <= 5; i++) expect(text).toContain(`csat T-1 ${i}`);
    const row = await t.app.db.prisma.csatResponse.findFirstOrThrow({});
    expect(row.rating).toBeNull();
  });

  it("only the requester rates, and only once", async () => {
    expect(await slashText(t.url, "csat T-1 5", fake)).toMatch(/Only the person who asked for T-1 can rate it/);
    expect(await slashText(t.url, "csat T-1 4", fake, cara)).toContain("You rated");
    expect(await slashText(t.url, "csat T-1 1", fake, cara)).toContain("already rated T-1 4/5");
    const row = await t.app.db.prisma.csatResponse.findFirstOrThrow({});
    expect(row.rating).toBe(4);
    expect(row.answeredAt).not.toBeNull();
    expect(await t.app.db.prisma.csatResponse.count()).toBe(1);
  });

  it("reports the average per agent", async () => {
    expect(await slashText(t.url, "csat report", fake)).toMatch(/4\.00\/5 from 1 answer/);
  });
});

async function waitForDm() {
  const end = Date.now() + 10_000;
  for (;;) {
    const posts = fake.calls("/api/chat.postMessage").filter((r) => apiArgs(r).channel === "DW333");
    if (posts.length) return posts;
    if (Date.now() > end)
      throw new Error(
        `no DM; posts: ${JSON.stringify(
          fake
            .calls("/api/chat.postMessage")
            .map(apiArgs)
            .map((a) => a.channel),
        )}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
