// Slack through the real path: signed requests into the running server, a fake Web API recording replies.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import {
  SLACK_SECRET,
  apiArgs,
  buttonClick,
  eventCallback,
  fixture,
  fixtureText,
  interactive,
  sendSigned,
  slackEnv,
  slash,
  slashBody,
  startFakeSlack,
} from "./helpers/slack.ts";
import { verifySlackSignature } from "../adapters/slack/verify.ts";

let t: TestApp;
let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeSlack();
  t = await startTestApp(slackEnv(fake));
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

const texts = (msg: any): string => JSON.stringify(msg.blocks ?? []) + (msg.text ?? "");
const buttons = (msg: any): any[] => (msg.blocks ?? []).filter((b: any) => b.type === "actions").flatMap((b: any) => b.elements);

describe("signature verification", () => {
  it("accepts Slack's documented test vector at its own clock", () => {
    const meta = fixture("slash_command.signed_docs_vector.meta.json");
    const body = fixtureText("slash_command.signed_docs_vector.body.txt");
    expect(
      verifySlackSignature({
        signingSecret: meta.signing_secret,
        timestamp: meta.headers["X-Slack-Request-Timestamp"],
        signature: meta.headers["X-Slack-Signature"],
        rawBody: body,
        nowMs: meta.now_epoch_seconds_used_by_test * 1000,
      }),
    ).toEqual({ ok: true });
  });

  it.each([
    ["missing signature", { signature: null }],
    ["bad signature", { signature: "v0=" + "0".repeat(64) }],
    ["wrong secret", { secret: "not-the-secret" }],
    ["stale timestamp (6 min old)", { ts: Math.floor(Date.now() / 1000) - 360 }],
    ["future timestamp (6 min ahead)", { ts: Math.floor(Date.now() / 1000) + 360 }],
    ["body altered after signing", { tamper: (raw: string) => raw.replace("contact", "company") }],
  ])("%s → 401 and nothing written", async (_name, opts) => {
    const before = await t.app.db.prisma.contact.count();
    const res = await slash(t.url, "contact add Mallory email:m@x.io", fake, {}, opts as never);
    expect(res.status).toBe(401);
    expect(await t.app.db.prisma.contact.count()).toBe(before);
  });

  it("answers url_verification and ssl_check", async () => {
    const v = fixture("url_verification.docs.json");
    const res = await eventCallback(t.url, v);
    expect(await res.json()).toEqual({ challenge: v.challenge });
    const ssl = await sendSigned(t.url, fixtureText("ssl_check.bolt_js.txt"), "application/x-www-form-urlencoded");
    expect(ssl.status).toBe(200);
  });
});

describe("/crm", () => {
  it("acks at once with an empty body, then answers ephemerally through response_url, with a Share button for records", async () => {
    const body = slashBody("contact add Ana Lopez email:<mailto:ana@acme.com|ana@acme.com> company:Acme", fake);
    const ack = await sendSigned(t.url, body, "application/x-www-form-urlencoded");
    expect(ack.status).toBe(200);
    expect(await ack.text()).toBe(""); // the command runs after the ack (a worker takes it from the queue)
    const [answer] = await fake.waitFor(new URL(new URLSearchParams(body).get("response_url")!).pathname, 1, 15_000);
    const msg = answer.body as any;
    expect(msg.response_type).toBe("ephemeral");
    expect(texts(msg)).toContain("C-1");
    expect(buttons(msg).map((b) => b.text.text)).toContain("Share in channel");
    // the first Slack user of a team becomes its admin
    const m = await t.app.db.prisma.member.findFirstOrThrow({ where: { slackUserId: "W111" } });
    expect(m.role).toBe("admin");
  });

  it("bad input answers with the error and the usage line, ephemeral", async () => {
    const msg = await (await slash(t.url, "deal new Foo", fake)).json();
    expect(msg.response_type).toBe("ephemeral");
    expect(texts(msg)).toContain("amount is missing");
    expect(texts(msg)).toContain("/crm deal new");
  });

  it("a deal's button moves it and updates the message in place through response_url", async () => {
    const created = await (await slash(t.url, 'deal new "Acme renewal" 12k contact:C-1', fake)).json();
    const move = buttons(created).find((b) => b.text.text === "Move to qualified");
    expect(move.value).toBe("deal move D-1 qualified");
    const click = buttonClick(fake, move);
    const res = await interactive(t.url, click);
    expect(res.status).toBe(200);
    const [update] = await fake.waitFor(new URL(click.response_url).pathname);
    const body = update.body as any;
    expect(body.replace_original).toBe(true);
    expect(texts(body)).toContain("moved lead → qualified");
    const deal = await t.app.db.prisma.deal.findFirstOrThrow({ where: { number: 1 }, include: { stage: true } });
    expect(deal.stage.name).toBe("qualified");
  });

  it("Share in channel posts the record for everyone and removes the ephemeral", async () => {
    const shown = await (await slash(t.url, "deal show D-1", fake)).json();
    const share = buttons(shown).find((b) => b.action_id === "crm_share");
    expect(share.value).toBe("deal show D-1");
    const click = buttonClick(fake, share);
    await interactive(t.url, click);
    const posts = await fake.waitFor(new URL(click.response_url).pathname, 2);
    expect((posts[0].body as any).response_type).toBe("in_channel");
    expect(texts(posts[0].body)).toContain("Acme renewal");
    expect((posts[1].body as any).delete_original).toBe(true);
  });

  it("user content is escaped: no @channel, no injected links or formatting", async () => {
    const msg = await (await slash(t.url, "contact add <!channel> *boss* &lt;https://evil.example|click&gt;", fake)).json();
    const all = texts(msg);
    expect(all).not.toContain("<!channel>");
    expect(all).not.toContain("<https://evil.example|click>");
    expect(all).toContain("&lt;https://evil.example|click&gt;");
  });

  it("/crm deal new with no arguments opens a modal; an invalid submission returns inline errors; a valid one creates the deal", async () => {
    const res = await slash(t.url, "deal new", fake);
    expect(res.status).toBe(200);
    const [open] = await fake.waitFor("/api/views.open");
    const view = apiArgs(open).view;
    expect(view.callback_id).toBe("crm_modal");
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    const submit = fixture("view_submission.bolt_python.json");
    submit.view = {
      ...submit.view,
      callback_id: "crm_modal",
      private_metadata: view.private_metadata,
      state: {
        values: {
          title: { value: { type: "plain_text_input", value: "Modal deal" } },
          amount: { value: { type: "plain_text_input", value: "lots" } },
        },
      },
    };
    const bad = await interactive(t.url, submit);
    const errors = await bad.json();
    expect(errors.response_action).toBe("errors");
    expect(errors.errors.amount).toMatch(/amount/);
    expect(await t.app.db.prisma.deal.count({ where: { title: "Modal deal" } })).toBe(0);
    submit.view.state.values.amount.value.value = "5k";
    const good = await interactive(t.url, submit);
    expect(good.status).toBe(200);
    expect(await good.text()).toBe("");
    expect(await t.app.db.prisma.deal.count({ where: { title: "Modal deal" } })).toBe(1);
    await fake.waitFor("/api/chat.postEphemeral");
  });
});

describe("events", () => {
  it("app_mention answers with help in the thread", async () => {
    const e = fixture("event_callback.app_mention.bolt_python.json");
    e.event_id = "EvMention1";
    await eventCallback(t.url, e);
    const [post] = await fake.waitFor("/api/chat.postMessage");
    const args = apiArgs(post);
    expect(args.thread_ts).toBe(e.event.ts);
    expect(texts(args)).toContain("/crm deal new");
  });

  it("a retried event (X-Slack-Retry-Num) is acted on once", async () => {
    const e = fixture("event_callback.app_mention.bolt_python.json");
    e.event_id = "EvRetry1";
    const before = fake.calls("/api/chat.postMessage").length;
    await eventCallback(t.url, e);
    await fake.waitFor("/api/chat.postMessage", before + 1);
    await eventCallback(t.url, e, { headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" } });
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.calls("/api/chat.postMessage").length).toBe(before + 1);
  });

  it("App Home shows the member's deals, tickets and the pipeline", async () => {
    const e = fixture("event_callback.app_home_opened.docs.json");
    e.team_id = "T111";
    e.event.user = "W111";
    e.event_id = "EvHome1";
    await eventCallback(t.url, e);
    const [pub] = await fake.waitFor("/api/views.publish");
    const args = apiArgs(pub);
    expect(args.user_id).toBe("W111");
    expect(texts(args.view)).toContain("My deals");
    expect(texts(args.view)).toContain("Pipeline");
  });
});

describe("tenancy", () => {
  it("another Slack team is another workspace and sees nothing", async () => {
    const msg = await (await slash(t.url, "deal show D-1", fake, { team: "T999", user: "U999" })).json();
    expect(texts(msg)).toContain("No deal D-1 in this workspace");
  });
  it("slashBody keeps the documented field set", () => {
    const form = new URLSearchParams(slashBody("help", fake));
    for (const k of [
      "token",
      "team_id",
      "team_domain",
      "channel_id",
      "user_id",
      "user_name",
      "command",
      "text",
      "response_url",
      "trigger_id",
    ])
      expect(form.has(k)).toBe(true);
    expect(SLACK_SECRET).toHaveLength(32);
  });
});

describe("the 3-second window", () => {
  it("slow work is acked empty inside 3 s and answered through response_url when done", async () => {
    const pg = (await import("pg")).default;
    const lock = new pg.Client({ connectionString: t.testDb.url });
    await lock.connect();
    await lock.query("BEGIN");
    await lock.query(`SELECT id FROM "Deal" WHERE number = 1 FOR UPDATE`); // the move below waits on this row
    const body = slashBody("deal move D-1 proposal", fake);
    const responsePath = new URL(new URLSearchParams(body).get("response_url")!).pathname;
    const started = Date.now();
    const res = await sendSigned(t.url, body, "application/x-www-form-urlencoded");
    const acked = Date.now() - started;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    expect(acked).toBeLessThan(3000);
    await new Promise((r) => setTimeout(r, 300));
    await lock.query("COMMIT");
    await lock.end();
    const [late] = await fake.waitFor(responsePath, 1, 8000);
    expect(JSON.stringify(late.body)).toContain("moved qualified → proposal");
  });
});
