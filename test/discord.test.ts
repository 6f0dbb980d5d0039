// Discord through the real path: interactions signed with Ed25519 into the running server, real Postgres
// and Redis, and a fake Discord REST API recording the late answers.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import {
  GUILD,
  OTHER_GUILD,
  USER,
  autocompleteBody,
  buttonBody,
  buttonsOf,
  commandBody,
  discordEnv,
  discordLimitProblems,
  fixture,
  interact,
  PLAIN_MEMBER,
  modalSubmitBody,
  originalPath,
  sendInteraction,
  shown,
  startFakeDiscord,
  str,
  userOpt,
  wrongKey,
} from "./helpers/discord.ts";

let t: TestApp;
let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeDiscord();
  t = await startTestApp(discordEnv(fake));
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

const prisma = () => t.app.db.prisma;
const workspaceOf = async (guild: string) =>
  (await prisma().platformLink.findFirstOrThrow({ where: { platform: "discord", externalId: guild } })).workspaceId;
/** Every message we answer with must be one Discord accepts. */
const ok = (answer: any) => {
  expect(discordLimitProblems(answer.data ?? {})).toEqual([]);
  return answer;
};

describe("signature verification", () => {
  it.each([
    ["missing signature", { signature: null }],
    ["bad signature", { signature: "0".repeat(128) }],
    ["signed with another key", { key: wrongKey }],
    ["stale timestamp (6 min old)", { ts: Math.floor(Date.now() / 1000) - 360 }],
    ["future timestamp (6 min ahead)", { ts: Math.floor(Date.now() / 1000) + 360 }],
    ["body altered after signing", { tamper: (raw: string) => raw.replace("Mallory", "Mallorx") }],
  ])("%s → 401 and nothing written", async (_name, opts) => {
    const before = await prisma().contact.count();
    const res = await sendInteraction(t.url, commandBody(["contact", "add"], [str("name", "Mallory")]), opts as never);
    expect(res.status).toBe(401);
    expect(await prisma().contact.count()).toBe(before);
    expect(await prisma().platformLink.count()).toBe(0);
  });

  it("answers Discord's PING with a PONG", async () => {
    const res = await sendInteraction(t.url, fixture("ping.discord_interactions_js.json"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ type: 1 });
  });
});

describe("/crm", () => {
  it("a member adds a contact and a deal with subcommand groups; answers are ephemeral embeds with the deal's buttons", async () => {
    const contact = ok(
      await interact(
        t.url,
        commandBody(["contact", "add"], [str("name", "Ana Lopez"), str("email", "ana@acme.com"), str("company", "Acme")]),
      ),
    );
    expect(contact.type).toBe(4);
    expect(contact.data.flags).toBe(64);
    expect(shown(contact)).toContain("C-1");
    // the first Discord user of a guild becomes its admin
    expect((await prisma().member.findFirstOrThrow({ where: { discordUserId: USER } })).role).toBe("admin");

    const deal = ok(
      await interact(t.url, commandBody(["deal", "new"], [str("title", "Acme renewal"), str("amount", "12k"), str("contact", "C-1")])),
    );
    expect(deal.type).toBe(4);
    expect(deal.data.embeds[0].title).toBe("D-1 · Acme renewal");
    expect(deal.data.allowed_mentions).toEqual({ parse: [] });
    const move = buttonsOf(deal.data).find((b) => b.label === "Move to qualified");
    expect(move.custom_id).toBe("crm:deal move D-1 qualified");
  });

  it("top-level subcommands and USER options work: pipeline, role set <@user>", async () => {
    expect(shown(ok(await interact(t.url, commandBody(["pipeline"]))))).toContain("Pipeline");
    const role = ok(
      await interact(t.url, commandBody(["role", "set"], [userOpt("member", "1300000000000000002"), str("role", "manager")])),
    );
    expect(shown(role)).toContain("is now manager");
    expect((await prisma().member.findFirstOrThrow({ where: { discordUserId: "1300000000000000002" } })).role).toBe("manager");
  });

  it("bad input answers with what was wrong and the usage line, ephemeral, and writes nothing", async () => {
    const before = await prisma().deal.count();
    const bad = ok(await interact(t.url, commandBody(["deal", "new"], [str("title", "Foo"), str("amount", "lots")])));
    expect(bad.type).toBe(4);
    expect(bad.data.flags).toBe(64);
    expect(shown(bad)).toMatch(/amount/);
    expect(shown(bad)).toContain("/crm deal new");
    expect(await prisma().deal.count()).toBe(before);
  });

  it("a deal's button runs as the clicker: an agent who does not own it is refused privately, a manager moves it in place (type 7)", async () => {
    ok(await interact(t.url, commandBody(["role", "set"], [userOpt("member", "1300000000000000003"), str("role", "agent")])));
    const refused = ok(
      await interact(
        t.url,
        buttonBody("crm:deal move D-1 qualified", { user: "1300000000000000003", userName: "Bo", permissions: PLAIN_MEMBER }),
      ),
    );
    expect(refused.type).toBe(4);
    expect(refused.data.flags).toBe(64);
    expect(shown(refused)).toContain("yours or unassigned");
    const res = ok(
      await interact(
        t.url,
        buttonBody("crm:deal move D-1 qualified", { user: "1300000000000000002", userName: "Manager", permissions: PLAIN_MEMBER }),
      ),
    );
    expect(res.type).toBe(7);
    expect(res.data.flags).toBeUndefined();
    expect(shown(res)).toContain("moved lead → qualified");
    const deal = await prisma().deal.findFirstOrThrow({ where: { number: 1 }, include: { stage: true } });
    expect(deal.stage.name).toBe("qualified");
    const change = await prisma().dealStageChange.findFirstOrThrow({
      where: { dealId: deal.id, fromStageId: { not: null } },
      include: { actor: true },
    });
    expect(change.actor?.discordUserId).toBe("1300000000000000002");
    // clicking again fails: only the clicker sees why (type 4, ephemeral), the card stays
    const again = ok(await interact(t.url, buttonBody("crm:deal move D-1 qualified")));
    expect(again.type).toBe(4);
    expect(again.data.flags).toBe(64);
    expect(shown(again)).toContain("already in qualified");
  });

  it("a button whose command is longer than 100 characters gets a short crm#<hash> id that still works", async () => {
    const name = "Maximilian Alexander Montgomery-Fitzgerald von Hohenzollern-Sigmaringen the Third";
    ok(await interact(t.url, commandBody(["contact", "add"], [str("name", name)])));
    const card = ok(await interact(t.url, commandBody(["contact", "show"], [str("contact", "C-2")])));
    // the Remind me button's command holds the name: `task add "Follow up: <name>" C-2 due:"tomorrow 9:00"`
    const remind = buttonsOf(card.data).find((b) => b.label.startsWith("⏰ Remind me"));
    expect(remind.custom_id).toMatch(/^crm#[\w-]{22}$/);
    const res = ok(await interact(t.url, buttonBody(remind.custom_id)));
    expect(res.type).toBe(7);
    expect(shown(res)).toContain(name.slice(0, 40));
    expect(await prisma().task.count({ where: { what: `Follow up: ${name}` } })).toBe(1);
    const unknown = ok(await interact(t.url, buttonBody("crm#AAAAAAAAAAAAAAAAAAAAAA")));
    expect(unknown.type).toBe(4);
    expect(shown(unknown)).toContain("expired");
  });

  it("the same interaction delivered twice is acted on once", async () => {
    const body = commandBody(["contact", "add"], [str("name", "Twice Only")]);
    ok(await interact(t.url, body));
    // same interaction id under a fresh signature (the exact same bytes get 401: test/security.signatures)
    const second = await (await sendInteraction(t.url, body, { ts: Math.floor(Date.now() / 1000) - 2 })).json();
    // the same invocation is one job on the commands queue: the second delivery gets the first one's answer,
    // or, once that job is gone, "already handled" from the runner's claim; never a second contact
    expect(shown(second)).toMatch(/already handled|Added \*\*C-\d+\*\* Twice Only/);
    expect(await prisma().contact.count({ where: { name: "Twice Only" } })).toBe(1);
  });

  it("in a DM (no guild) it says to use /crm in a server", async () => {
    const res = ok(await interact(t.url, commandBody(["pipeline"], [], { guild: null })));
    expect(res.data.flags).toBe(64);
    expect(shown(res)).toContain("Use /crm in a server");
  });
});

describe("forms", () => {
  type Fields = Record<string, string | string[]>;
  const cases: { path: string[]; good: (s: string) => Fields; bad: Fields; count: (s: string) => Promise<number>; says: string }[] = [
    {
      path: ["log"],
      good: (s: string) => ({ kind: ["call"], ref: "D-1", summary: `Pricing call ${s}` }),
      bad: { kind: ["call"], ref: "Z-9", summary: "nope" },
      count: (s: string) => prisma().interaction.count({ where: { summary: `Pricing call ${s}` } }),
      says: "Logged call on",
    },
    {
      path: ["deal", "new"],
      good: (s: string) => ({ title: `Form deal ${s}`, amount: "5k" }),
      bad: { title: "Bad form deal", amount: "lots" },
      count: (s: string) => prisma().deal.count({ where: { title: `Form deal ${s}` } }),
      says: "Form deal",
    },
    {
      path: ["ticket", "new"],
      good: (s: string) => ({ subject: `Printer ${s}`, priority: ["urgent"] }),
      bad: { subject: "Bad ticket", contact: "nobody@nowhere.example" },
      count: (s: string) => prisma().ticket.count({ where: { subject: `Printer ${s}`, priority: "urgent" } }),
      says: "Printer",
    },
  ];

  it.each(cases)("/crm $path with no options opens a form; its submission runs the command, in both layouts", async (c) => {
    const open = await interact(t.url, commandBody(c.path));
    expect(open.type).toBe(9);
    expect(open.data.custom_id).toBe(`crm_modal:${c.path.join(" ")}`);
    expect(open.data.title.length).toBeLessThanOrEqual(45);
    expect(open.data.components.length).toBeLessThanOrEqual(5);
    for (const shape of ["rows", "labels"] as const) {
      const before = {
        deals: await prisma().deal.count(),
        tickets: await prisma().ticket.count(),
        logs: await prisma().interaction.count(),
      };
      const bad = ok(await interact(t.url, modalSubmitBody(open.data.custom_id, c.bad, shape)));
      expect(bad.type).toBe(4);
      expect(bad.data.flags).toBe(64);
      expect(bad.data.embeds[0].color).toBe(0xe74c3c);
      expect({
        deals: await prisma().deal.count(),
        tickets: await prisma().ticket.count(),
        logs: await prisma().interaction.count(),
      }).toEqual(before);
      const good = ok(await interact(t.url, modalSubmitBody(open.data.custom_id, c.good(shape), shape)));
      expect(good.type).toBe(4);
      expect(shown(good)).toContain(c.says);
      expect(await c.count(shape)).toBe(1);
    }
  });
});

describe("autocomplete", () => {
  const choices = async (body: any) => {
    const res = await interact(t.url, body);
    expect(res.type).toBe(8);
    expect(res.data.choices.length).toBeLessThanOrEqual(25);
    for (const ch of res.data.choices) {
      expect(ch.name.length).toBeGreaterThan(0);
      expect(ch.name.length).toBeLessThanOrEqual(100);
      expect(ch.value.length).toBeLessThanOrEqual(100);
    }
    return res.data.choices as { name: string; value: string }[];
  };

  it("offers the workspace's stage names for stage options", async () => {
    expect(await choices(autocompleteBody(["deal", "move"], [str("deal", "D-1"), str("stage", "qu", true)]))).toEqual([
      { name: "qualified", value: "qualified" },
    ]);
    const all = await choices(autocompleteBody(["deal", "move"], [str("stage", "", true)]));
    expect(all.map((c) => c.value)).toEqual(["lead", "qualified", "proposal", "negotiation", "won", "lost"]);
  });

  it("offers deal keys by number or title prefix", async () => {
    for (const typed of ["1", "D-1", "acme", ""]) {
      const got = await choices(autocompleteBody(["deal", "move"], [str("deal", typed, true)]));
      expect(got).toContainEqual({ name: "D-1 Acme renewal", value: "D-1" });
    }
    expect(await choices(autocompleteBody(["deal", "show"], [str("deal", "zzz", true)]))).toEqual([]);
  });

  it("offers contacts, companies, deals and tickets where a record of any kind fits (log ref)", async () => {
    const acme = await choices(autocompleteBody(["log"], [str("kind", "call"), str("ref", "acme", true)]));
    expect(acme).toEqual(
      expect.arrayContaining([
        { name: "A-1 Acme", value: "A-1" },
        { name: "D-1 Acme renewal", value: "D-1" },
      ]),
    );
    expect(await choices(autocompleteBody(["log"], [str("ref", "ana@", true)]))).toContainEqual({ name: "C-1 Ana Lopez", value: "C-1" });
    const tickets = await choices(autocompleteBody(["ticket", "show"], [str("ticket", "print", true)]));
    expect(tickets.map((c) => c.value)).toEqual(["T-1", "T-2"]);
    expect(await choices(autocompleteBody(["deal", "move"], [str("deal", "C-1", true)]))).toEqual([]);
  });
});

describe("slow commands", () => {
  /** Holds a row lock on the deal so that moving it waits; released after holdMs. */
  async function holdDeal(number: number, holdMs: number) {
    const c = new pg.Client({ connectionString: t.testDb.url });
    c.on("error", () => {}); // the database may be dropped under it if a test fails midway
    await c.connect();
    await c.query("BEGIN");
    await c.query(`SELECT id FROM "Deal" WHERE "workspaceId" = $1 AND number = $2 FOR UPDATE`, [await workspaceOf(GUILD), number]);
    return {
      released: new Promise<void>((resolve) =>
        setTimeout(async () => {
          await c.query("COMMIT");
          await c.end();
          resolve();
        }, holdMs),
      ),
    };
  }
  const newDeal = async (title: string) => {
    const res = await interact(t.url, commandBody(["deal", "new"], [str("title", title), str("amount", "1k")]));
    return Number(/D-(\d+)/.exec(res.data.embeds[0].title)![1]);
  };

  it("answers type 5 (deferred, ephemeral) inside 3 s, then edits the original through the REST API", async () => {
    const n = await newDeal("Slow deal");
    const { released } = await holdDeal(n, 2600);
    const body = commandBody(["deal", "move"], [str("deal", `D-${n}`), str("stage", "proposal")]);
    const started = Date.now();
    const res = await interact(t.url, body);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res).toEqual({ type: 5, data: { flags: 64 } });
    await released;
    const [edit] = await fake.waitFor(originalPath(body.token));
    expect(edit.method).toBe("PATCH");
    expect(edit.headers.authorization).toBeUndefined();
    expect(shown(edit.body)).toContain("moved lead → proposal");
    expect(discordLimitProblems(edit.body)).toEqual([]);
  });

  it("a 429 on the edit is retried after retry_after", async () => {
    const n = await newDeal("Rate limited deal");
    const { released } = await holdDeal(n, 2600);
    const body = commandBody(["deal", "move"], [str("deal", `D-${n}`), str("stage", "negotiation")]);
    let calls = 0;
    fake.on("PATCH", originalPath(body.token), (req) =>
      ++calls === 1
        ? {
            status: 429,
            headers: { "retry-after": "1", "x-ratelimit-scope": "user" },
            body: { message: "You are being rate limited.", retry_after: 1.0, global: false },
          }
        : { body: { id: "1700000000000000009", ...(req.body as object) } },
    );
    expect((await interact(t.url, body)).type).toBe(5);
    await released;
    const [first, second] = await fake.waitFor(originalPath(body.token), 2, 8000);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1000);
    expect(shown(second.body)).toContain("moved lead → negotiation");
  });
});

describe("escaping", () => {
  it("user text cannot ping @everyone or a role, nor format the card", async () => {
    const res = ok(await interact(t.url, commandBody(["contact", "add"], [str("name", "@everyone *boss* <@&123456789012345678> @here")])));
    expect(res.data.allowed_mentions).toEqual({ parse: [] });
    const text = shown(res);
    expect(text).not.toMatch(/@everyone|@here/);
    expect(text).toContain("@\u200Beveryone");
    expect(text).not.toContain("<@&123456789012345678>");
    expect(text).toContain("\\\\*boss\\\\*");
  });
});

describe("tenancy", () => {
  it("another guild is another workspace and sees nothing of the first guild's D-1", async () => {
    const other = { guild: OTHER_GUILD, user: "1300000000000000009" };
    const res = ok(await interact(t.url, commandBody(["deal", "show"], [str("deal", "D-1")], other)));
    expect(shown(res)).toContain("No deal D-1 in this workspace");
    expect(shown(res)).not.toContain("Acme renewal");
    const ac = await interact(t.url, autocompleteBody(["deal", "move"], [str("deal", "", true)], other));
    expect(ac.data.choices).toEqual([]);
    expect(await workspaceOf(OTHER_GUILD)).not.toBe(await workspaceOf(GUILD));
  });
});
