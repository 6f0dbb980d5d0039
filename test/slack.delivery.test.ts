// Slack, the slow paths: notifications and deal rooms through the queue (429 honoured), tickets from
// 🎫 reactions and message shortcuts, logging a message with its permalink.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { apiArgs, eventCallback, fixture, interactive, slackEnv, slash, startFakeSlack } from "./helpers/slack.ts";

let t: TestApp;
let fake: FakeServer;
let limitedOnce = false;
beforeAll(async () => {
  fake = await startFakeSlack();
  fake.on("POST", "/api/conversations.history", () => ({
    body: {
      ok: true,
      messages: [
        { type: "message", ts: "1599529504.000400", user: "U777", text: "Our invoices page shows a 500 error\nsince this morning" },
      ],
    },
  }));
  fake.on("POST", "/api/chat.getPermalink", (r) => ({
    body: {
      ok: true,
      channel: (r.body as any).channel,
      permalink: `https://test.slack.com/archives/${(r.body as any).channel}/p${String((r.body as any).message_ts).replace(".", "")}`,
    },
  }));
  fake.on("POST", "/api/conversations.create", () => ({ body: { ok: true, channel: { id: "GROOM1", name: "deal-d1-acme-renewal" } } }));
  t = await startTestApp(slackEnv(fake));
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

const posts = (channel: string) => fake.calls("/api/chat.postMessage").filter((r) => apiArgs(r).channel === channel);
async function waitPosts(channel: string, n: number, ms = 8000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (posts(channel).length >= n) return posts(channel);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`expected ${n} posts to ${channel}, saw ${posts(channel).length}`);
}

describe("notifications and deal rooms", () => {
  it("routes deal changes to #sales; a 429 pauses the queue for Retry-After and the post still arrives once", async () => {
    const routed = await (await slash(t.url, "notify deals <#CSALES|sales>", fake)).json();
    expect(JSON.stringify(routed)).toContain("deals");
    fake.on("POST", "/api/chat.postMessage", (r) => {
      if (apiArgs(r).channel === "CSALES" && !limitedOnce) {
        limitedOnce = true;
        return { status: 429, headers: { "retry-after": "1" }, body: { ok: false, error: "ratelimited" } };
      }
      return { body: { ok: true, channel: apiArgs(r).channel, ts: `${Date.now() / 1000}` } };
    });
    const started = Date.now();
    await slash(t.url, 'deal new "Acme renewal" 12k', fake);
    const calls = await waitPosts("CSALES", 2);
    expect(limitedOnce).toBe(true);
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(900);
    expect(JSON.stringify(apiArgs(calls[1]).blocks)).toContain("created by primary-owner");
    expect(Date.now() - started).toBeLessThan(8000);
    await new Promise((r) => setTimeout(r, 300));
    expect(posts("CSALES")).toHaveLength(2); // one 429 + one success: delivered once
  });

  it("/crm deal room creates a private channel, invites the caller, pins the card; later changes post there", async () => {
    const res = await (await slash(t.url, "deal room D-1", fake)).json();
    expect(JSON.stringify(res)).toContain("Opening a room for");
    const [create] = await fake.waitFor("/api/conversations.create");
    expect(apiArgs(create)).toMatchObject({ name: "deal-d1-acme-renewal", is_private: "true" });
    const [invite] = await fake.waitFor("/api/conversations.invite");
    expect(apiArgs(invite).users).toContain("W111");
    await waitPosts("GROOM1", 1);
    await fake.waitFor("/api/pins.add");
    const deal = await t.app.db.prisma.deal.findFirstOrThrow({ where: { number: 1 } });
    expect(deal.roomChannelId).toBe("GROOM1");
    await slash(t.url, "deal move D-1 proposal", fake);
    const room = await waitPosts("GROOM1", 2);
    expect(JSON.stringify(apiArgs(room[1]).blocks)).toContain("moved lead → proposal");
    const again = await (await slash(t.url, "deal room D-1", fake)).json();
    expect(JSON.stringify(again)).toContain("already has a room");
  });

  it("deal rooms are refused in the console with a clear answer", async () => {
    const { consoleSession } = await import("./helpers/console.ts");
    const c = await consoleSession(t.url);
    await c.run('deal new "X" 1');
    expect((await c.run("deal room D-1")).plain).toContain("Deal rooms live in Slack or Discord");
  });
});

describe("tickets from messages", () => {
  const reaction = (eventId: string, user = "W111", name = "ticket") => {
    const e = fixture("event_callback.reaction_added.bolt_python.json");
    e.event_id = eventId;
    e.event.reaction = name;
    e.event.user = user;
    return e;
  };

  it("the 🎫 reaction opens one ticket with the message text and permalink, and replies in the thread", async () => {
    await eventCallback(t.url, reaction("EvReact1"));
    const thread = await waitPosts("C111", 1);
    const reply = apiArgs(thread[thread.length - 1]);
    expect(reply.thread_ts).toBe("1599529504.000400");
    expect(JSON.stringify(reply.blocks)).toContain("T-1");
    const ticket = await t.app.db.prisma.ticket.findFirstOrThrow({ where: { sourceMessageKey: "slack:C111:1599529504.000400" } });
    expect(ticket.subject).toBe("Our invoices page shows a 500 error");
    expect(ticket.sourcePermalink).toBe("https://test.slack.com/archives/C111/p1599529504000400");
  });

  it("a retried delivery and another person's 🎫 on the same message create nothing more", async () => {
    const before = posts("C111").length;
    await eventCallback(t.url, reaction("EvReact1"), { headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" } });
    await eventCallback(t.url, reaction("EvReact2", "W222", "admission_tickets"));
    await new Promise((r) => setTimeout(r, 500));
    expect(await t.app.db.prisma.ticket.count({ where: { sourceMessageKey: { not: null } } })).toBe(1);
    expect(posts("C111").length).toBe(before);
  });

  it("other reactions do nothing", async () => {
    await eventCallback(t.url, reaction("EvReact3", "W111", "heart_eyes"));
    await new Promise((r) => setTimeout(r, 300));
    expect(await t.app.db.prisma.ticket.count()).toBe(1);
  });

  it("'Create ticket from message' opens a ticket once and says so the second time", async () => {
    const sc = fixture("message_action.bolt_python.json");
    sc.callback_id = "crm_ticket_from_message";
    sc.team.id = "T111";
    sc.user.id = "W111";
    sc.response_url = `${fake.url}/response/shortcut1`;
    await interactive(t.url, sc);
    const [first] = await fake.waitFor("/response/shortcut1");
    expect(JSON.stringify(first.body)).toContain("T-2");
    sc.trigger_id = "111.222.second-use"; // someone uses the shortcut again: a new request from Slack
    await interactive(t.url, sc);
    const both = await fake.waitFor("/response/shortcut1", 2);
    expect((both[1].body as any).text).toContain("already T-2");
    expect(await t.app.db.prisma.ticket.count()).toBe(2);
  });

  it("'Log message to CRM' opens a form prefilled with the message and logs it with the permalink", async () => {
    await slash(t.url, "contact add Ana Lopez email:ana@acme.com", fake);
    const sc = fixture("message_action.bolt_python.json");
    sc.callback_id = "crm_log_message";
    sc.team.id = "T111";
    sc.user.id = "W111";
    await interactive(t.url, sc);
    const [open] = await fake.waitFor("/api/views.open");
    const view = apiArgs(open).view;
    expect(view.callback_id).toBe("crm_log_message_modal");
    const submit = fixture("view_submission.bolt_python.json");
    submit.team.id = "T111";
    submit.user.id = "W111";
    submit.view = {
      ...submit.view,
      callback_id: "crm_log_message_modal",
      private_metadata: view.private_metadata,
      state: {
        values: {
          ref: { value: { type: "plain_text_input", value: "C-999" } },
          kind: { value: { type: "static_select", selected_option: { value: "chat" } } },
          summary: { value: { type: "plain_text_input", value: "Asked about pricing" } },
        },
      },
    };
    const bad = await (await interactive(t.url, submit)).json();
    expect(bad.errors.ref).toContain("No contact C-999");
    submit.view.state.values.ref.value.value = "ana@acme.com";
    expect((await interactive(t.url, submit)).status).toBe(200);
    const i = await t.app.db.prisma.interaction.findFirstOrThrow({ where: { summary: "Asked about pricing" } });
    expect(i.kind).toBe("chat");
    expect(i.permalink).toBe("https://test.slack.com/archives/C111/p1583636382000300");
  });
});

describe("record links", () => {
  let u: TestApp;
  let f: FakeServer;
  beforeAll(async () => {
    f = await startFakeSlack();
    u = await startTestApp({ ...slackEnv(f), PUBLIC_URL: "https://crm.example.com" });
  });
  afterAll(async () => {
    await u.stop();
    await f.close();
  });

  it("every record card links to PUBLIC_URL/r/<workspace>/<key>, and the link unfurls only in its own workspace", async () => {
    const created = await (await slash(u.url, 'deal new "Unfurl me" 1k', f)).json();
    const ws = (await u.app.db.prisma.platformLink.findFirstOrThrow({ where: { externalId: "T111" } })).workspaceId;
    const link = `https://crm.example.com/r/${ws}/D-1`;
    expect(JSON.stringify(created.blocks)).toContain(`<${link}|Open D-1 in the CRM>`);
    const ev = (team: string, id: string, url: string) => ({
      token: "x",
      team_id: team,
      api_app_id: "A1",
      type: "event_callback",
      event_id: id,
      event_time: 1,
      event: {
        type: "link_shared",
        channel: "C111",
        user: "W111",
        message_ts: "1700000000.000100",
        links: [{ domain: "crm.example.com", url }],
      },
    });
    await eventCallback(u.url, ev("T111", "EvLink1", link));
    const [unfurl] = await f.waitFor("/api/chat.unfurl");
    const args = apiArgs(unfurl);
    const unfurls = typeof args.unfurls === "string" ? JSON.parse(args.unfurls) : args.unfurls;
    expect(JSON.stringify(unfurls[link])).toContain("Unfurl me");
    // the same link shared in another Slack team (another workspace) is not unfurled
    await eventCallback(u.url, ev("T999", "EvLink2", link));
    await new Promise((r) => setTimeout(r, 400));
    expect(f.calls("/api/chat.unfurl")).toHaveLength(1);
  });
});
