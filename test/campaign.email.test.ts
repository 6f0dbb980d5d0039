// Email campaigns end to end: console commands → jobs → nodemailer → a real SMTP server; the one-click
// unsubscribe link; an opt-out in the middle of a campaign; pause/resume; failures and retry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import { startSmtpSink, type SmtpSink } from "./campaign.sink.ts";
import { unsubscribeSecret, unsubscribeToken } from "../src/domain/campaigns/email.ts";

const KEY = "campaign-test-encryption-key-0123456789abcdef";
const rejects = new Map<string, { code: number; message: string; times: number }>();
let sink: SmtpSink;
let t: TestApp;
let c: ConsoleSession;

beforeAll(async () => {
  sink = await startSmtpSink({
    reject: (to) => {
      const r = rejects.get(to);
      if (!r || r.times === 0) return null;
      r.times--;
      return r;
    },
  });
  t = await startTestApp({
    SMTP_URL: sink.url,
    MAIL_FROM: "Acme Sales <sales@acme.test>",
    PUBLIC_URL: "https://crm.example.com",
    ENCRYPTION_KEY: KEY,
    CAMPAIGN_WATCHDOG_MS: "300",
    CAMPAIGN_PROGRESS_MS: "300",
    CAMPAIGN_EMAIL_PER_SECOND: "100",
  });
  c = await consoleSession(t.url);
});
afterAll(async () => {
  await t?.stop();
  await sink?.close();
});

const db = () => t.app.db.prisma;
async function waitStatus(number: number, status: string, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const k = await db().campaign.findFirst({ where: { workspaceId: c.workspaceId, number } });
    if (k?.status === status) return k;
    if (Date.now() > end) throw new Error(`K-${number} is ${k?.status}, expected ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const to = (addr: string) => sink.messages.filter((m) => m.to.includes(addr));

/** n contacts tagged `bulk` with emails bulkN@x.test, written in one statement */
let numbers = 1000;
async function bulkContacts(n: number, tag: string) {
  const from = numbers;
  numbers += n;
  await db().$executeRaw`
    INSERT INTO "Contact" ("id", "workspaceId", "number", "name", "email", "tags", "updatedAt")
    SELECT gen_random_uuid()::text, ${c.workspaceId}, ${from}::int + g, 'Bulk ' || g, ${tag} || g || '@x.test', ARRAY[${tag}]::text[], now()
    FROM generate_series(1, ${n}) g`;
}

describe("email campaigns", () => {
  it("a manager writes a campaign to a segment; bad segments, unknown variables and agents are refused", async () => {
    await c.run("contact add Ana Lopez email:ana@acme.test company:Acme tags:vip");
    await c.run("contact add Bo Chen email:bo@globex.test tags:vip,partner");
    await c.run("contact add Cy Diaz tags:vip"); // no email: skipped with the reason
    await c.run("contact add Dee Long email:dee@acme.test company:Acme tags:lead");
    await c.run("contact add Eve Out email:eve@acme.test tags:vip");
    await db().contact.updateMany({ where: { email: "eve@acme.test" }, data: { optedOutAt: new Date() } });

    const bad = await c.run('campaign new "X" segment:"tag:vip bogus:1" channel:email message:"hi"');
    expect(bad.kind).toBe("error");
    expect(bad.plain).toContain('unknown term "bogus:"');
    expect(bad.plain).toContain("last:before:<date>");
    const typo = await c.run('campaign new "X" segment:"tag:vip" channel:email message:"Hi {{frist_name}}"');
    expect(typo.plain).toContain("Unknown variable in the message: {{frist_name}}");
    const agent = await c.addMember("Al Agent", "agent");
    expect((await c.run('campaign new "X" segment:"tag:vip" channel:email message:"hi"', agent)).plain).toContain(
      "Only managers and admins can create campaigns",
    );
    expect(await db().campaign.count()).toBe(0);

    const created = await c.run('campaign new "Spring promo" segment:"tag:vip" channel:email subject:"Hi {{first_name}}"');
    expect(created.kind).toBe("ok");
    expect(created.plain).toContain("Created K-1 Spring promo");
    expect(created.plain).toContain("3 (2 reachable by email)"); // Eve opted out: never in a segment
    expect(created.plain).toContain("/crm campaign message K-1 <text>");
    expect((await c.run("campaign send K-1")).plain).toContain("has no message yet");
    const msg = await c.run("campaign message K-1 Hello {{first_name}} from {{company|our team}}, {{owner}} here.");
    expect(msg.plain).toContain("Message of K-1 Spring promo saved");

    const preview = await c.run("campaign preview K-1");
    expect(preview.plain).toContain("3 · 2 reachable by email");
    expect(preview.plain).toMatch(/C-1 Ana Lopez · ana@acme.test · Acme/);
    expect(preview.plain).toContain("Cy Diaz — skipped: no email address");
    expect(preview.plain).not.toContain("Eve");
  });

  it("the test send goes to MAIL_FROM, marked [TEST], rendered for the first contact", async () => {
    const r = await c.run("campaign test K-1");
    expect(r.plain).toContain("Test email queued to Acme Sales <sales@acme.test>, rendered for C-1 Ana Lopez");
    const [m] = await sink.waitFor(1);
    expect(m.to).toEqual(["sales@acme.test"]);
    expect(m.headers.get("subject")).toBe("[TEST] Hi Ana");
    expect(m.body).toContain("Hello Ana from Acme, Ada Admin here.");
    sink.messages.length = 0;
  });

  it("sending delivers one personal message per reachable recipient, with one-click unsubscribe headers", async () => {
    const sent = await c.run("campaign send K-1");
    expect(sent.plain).toContain("K-1 Spring promo is sending");
    await waitStatus(1, "done");
    expect(sink.messages).toHaveLength(2);
    const [ana] = to("ana@acme.test");
    expect(to("ana@acme.test")).toHaveLength(1);
    expect(to("bo@globex.test")).toHaveLength(1);
    expect(ana.headers.get("from")).toBe("Acme Sales <sales@acme.test>");
    expect(ana.from).toBe("sales@acme.test");
    expect(ana.headers.get("subject")).toBe("Hi Ana");
    expect(ana.body).toContain("Hello Ana from Acme, Ada Admin here.");
    expect(to("bo@globex.test")[0].body).toContain("Hello Bo from our team, Ada Admin here.");
    const link = /^<(https:\/\/crm\.example\.com\/unsubscribe\/[^>]+)>$/.exec(ana.headers.get("list-unsubscribe") ?? "");
    expect(link).not.toBeNull();
    expect(ana.headers.get("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
    expect(ana.body).toContain(link![1]);
    expect(link![1]).not.toEqual(/<([^>]+)>/.exec(to("bo@globex.test")[0].headers.get("list-unsubscribe")!)![1]);

    const rows = await db().campaignRecipient.findMany({ include: { contact: true } });
    expect(Object.fromEntries(rows.map((r) => [r.contact.name, [r.status, r.error]]))).toEqual({
      "Ana Lopez": ["sent", null],
      "Bo Chen": ["sent", null],
      "Cy Diaz": ["skipped", "no email address"],
    });
    const status = await c.run("campaign status K-1");
    expect(status.plain).toContain("✅ done");
    expect(status.plain).toMatch(/Sent: 2[\s\S]*Failed: 0[\s\S]*Skipped: 1/);
    expect((await c.run("campaign send K-1")).plain).toContain("K-1 is done; only a draft can be sent");
  });

  it("GET shows a confirmation page; POST (one-click) opts out at once, audited and idempotent; bad tokens get a 400", async () => {
    const ana = to("ana@acme.test")[0];
    const url = new URL(/<([^>]+)>/.exec(ana.headers.get("list-unsubscribe")!)![1]);
    const local = `${t.url}${url.pathname}`;
    const page = await fetch(local);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form method="post"');
    expect(html).toContain("Ana Lopez");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect((await db().contact.findFirstOrThrow({ where: { email: "ana@acme.test" } })).optedOutAt).toBeNull();

    const post = () =>
      fetch(local, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
      });
    const first = await post();
    expect(first.status).toBe(200);
    expect(await first.text()).toContain("You are unsubscribed");
    const contact = await db().contact.findFirstOrThrow({ where: { email: "ana@acme.test" } });
    expect(contact.optedOutAt).not.toBeNull();
    const again = await post();
    expect(again.status).toBe(200);
    expect(await db().auditLog.count({ where: { action: "contact.optout", entityId: contact.id } })).toBe(1);
    expect((await db().contact.findFirstOrThrow({ where: { id: contact.id } })).optedOutAt).toEqual(contact.optedOutAt);
    expect(await (await fetch(local)).text()).toContain("Already unsubscribed");

    const forged = url.pathname.replace(/\.[^.]+$/, ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    expect((await fetch(`${t.url}${forged}`, { method: "POST" })).status).toBe(400);
    expect((await fetch(`${t.url}/unsubscribe/nonsense`)).status).toBe(400);
    // she is out of every later segment
    expect((await c.run('campaign new "Later" segment:"tag:vip" channel:email message:"x"')).plain).toContain("2 (1 reachable by email)");
  });

  it("an opt-out POSTed in the middle of a campaign stops that contact's send", async () => {
    await bulkContacts(500, "wave");
    const created = await c.run('campaign new "Wave" segment:"tag:wave" channel:email message:"Hi {{first_name}}"');
    expect(created.plain).toContain("Created K-3");
    sink.messages.length = 0;
    await c.run("campaign send K-3");
    await sink.waitFor(1);
    // the recipient sent last (batches go in id order) opts out while the first batches go out
    const k3 = await waitStatus(3, "sending");
    const last = await db().campaignRecipient.findFirstOrThrow({
      where: { campaignId: k3.id },
      orderBy: { id: "desc" },
      include: { contact: true },
    });
    expect(last.status).toBe("pending");
    const secret = unsubscribeSecret(KEY);
    const res = await fetch(`${t.url}/unsubscribe/${unsubscribeToken(last.id, secret)}`, {
      method: "POST",
      body: "List-Unsubscribe=One-Click",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(200);
    await waitStatus(3, "done");
    expect(sink.countTo(last.contact.email!)).toBe(0);
    expect(await db().campaignRecipient.findUniqueOrThrow({ where: { id: last.id } })).toMatchObject({
      status: "skipped",
      error: "opted out",
    });
    expect(sink.messages).toHaveLength(499);
    expect(new Set(sink.messages.map((m) => m.to[0])).size).toBe(499);
  });

  it("pause stops new sends until resume; a 550 fails with its reason, a 451 is retried; retry-failed sends again", async () => {
    await bulkContacts(400, "pz");
    rejects.set("pz7@x.test", { code: 550, message: "5.1.1 mailbox unavailable", times: 1 });
    rejects.set("pz8@x.test", { code: 451, message: "4.7.1 try again later", times: 1 });
    await c.run('campaign new "Pausable" segment:"tag:pz" channel:email message:"Hi {{first_name}}"');
    sink.messages.length = 0;
    await c.run("campaign send K-4");
    await sink.waitFor(1);
    expect((await c.run("campaign pause K-4")).plain).toContain("K-4 Pausable is paused");
    await new Promise((r) => setTimeout(r, 1500));
    const during = sink.messages.length;
    expect(during).toBeLessThan(400);
    await new Promise((r) => setTimeout(r, 1000));
    expect(sink.messages.length).toBe(during);
    expect((await c.run("campaign status K-4")).plain).toContain("⏸️ paused");
    await c.run("campaign resume K-4");
    await waitStatus(4, "done");
    expect(sink.countTo("pz7@x.test")).toBe(0);
    expect(sink.countTo("pz8@x.test")).toBe(1);
    expect(new Set(sink.messages.map((m) => m.to[0])).size).toBe(sink.messages.length);
    expect(sink.messages).toHaveLength(399);
    const status = await c.run("campaign status K-4");
    expect(status.plain).toContain("Failures: 1× smtp 550");
    const retry = await c.run("campaign retry-failed K-4");
    expect(retry.plain).toContain("1 failed recipient queued again");
    await waitStatus(4, "done");
    expect(sink.countTo("pz7@x.test")).toBe(1);
    expect(sink.messages).toHaveLength(400);
  });

  it("cancel: nothing pending goes out", async () => {
    await bulkContacts(300, "cx");
    await c.run('campaign new "Cancel me" segment:"tag:cx" channel:email message:"Hi"');
    sink.messages.length = 0;
    await c.run("campaign send K-5");
    await sink.waitFor(1);
    const r = await c.run("campaign cancel K-5");
    expect(r.plain).toMatch(/K-5 Cancel me is cancelled; \d+ recipients will not receive it/);
    await new Promise((res) => setTimeout(res, 1500));
    const k5 = await db().campaign.findFirstOrThrow({ where: { number: 5 } });
    const n = await db().campaignRecipient.groupBy({ by: ["status"], where: { campaignId: k5.id }, _count: true });
    const sent = n.find((x) => x.status === "sent")?._count ?? 0;
    expect(sent).toBe(sink.messages.length);
    expect(sent).toBeLessThan(300);
    expect(n.find((x) => x.status === "pending")).toBeUndefined();
  });
});
