// Strict, helpful parsing (#13 item 1): the replies a person now gets for the typing slips that used to save
// wrong data, quoted as they read, through the console (the engine every surface shares) and, where the way
// in differs, a signed Slack slash command and a signed Discord interaction. A refused command writes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { slackEnv, slashText, startFakeSlack } from "./helpers/slack.ts";
import { commandBody, discordEnv, interact, shown, startFakeDiscord, str } from "./helpers/discord.ts";

let t: TestApp;
let c: ConsoleSession;
let slack: FakeServer;
let discord: FakeServer;
beforeAll(async () => {
  slack = await startFakeSlack();
  discord = await startFakeDiscord();
  t = await startTestApp({ ...slackEnv(slack), ...discordEnv(discord) });
  c = await consoleSession(t.url);
  await c.run("contact add Ana Lopez email:ana@acme.com");
});
afterAll(async () => {
  await t.stop();
  await slack.close();
  await discord.close();
});

const counts = async () => {
  const p = t.app.db.prisma;
  return {
    contacts: await p.contact.count(),
    companies: await p.company.count(),
    deals: await p.deal.count(),
    tickets: await p.ticket.count(),
    interactions: await p.interaction.count(),
    audit: await p.auditLog.count(),
    events: await p.domainEvent.count(),
  };
};

/** Runs a command that must be refused: an error reply containing `expected`, and no row written. */
async function refused(text: string, expected: string): Promise<string> {
  const before = await counts();
  const r = await c.run(text);
  expect(r.kind, text).toBe("error");
  expect(r.plain, text).toContain(expected);
  expect(await counts(), text).toEqual(before);
  return r.plain;
}

describe("an unknown key: option is refused on every command, naming the known ones", () => {
  it("ticket new Broken thing prio:high → did you mean priority:", async () => {
    const plain = await refused(
      "ticket new Broken thing prio:high",
      'Unknown option "prio:" — did you mean priority:? Known: priority:, contact:, assign:. To keep "prio:high" in the subject, put it in quotes.',
    );
    expect(plain).toContain('Usage: /crm ticket new "<subject>"');
  });

  it("contact add Kim Lee foo:bar → the known options; quoted, foo:bar is part of the name", async () => {
    await refused(
      "contact add Kim Lee foo:bar",
      'Unknown option "foo:". Known: email:, phone:, company:, tags:, title:. To keep "foo:bar" in the name, put it in quotes.',
    );
    const quoted = await c.run('contact add Kim Lee "foo:bar"');
    expect(quoted.kind).toBe("ok");
    expect(quoted.plain).toContain("Kim Lee foo:bar");
  });

  it("a command without options says so (deal won D-1 foo:bar)", async () => {
    await refused(
      "deal won D-1 foo:bar",
      'Unknown option "foo:". /crm deal won takes no options. To keep "foo:bar" in the deal, put it in quotes.',
    );
  });

  it("free text keeps URLs, times, 're: x' and unrelated word:word, but a key near a known option is refused", async () => {
    const note = "Call at 10:30 re: pricing, see https://acme.example/q?a=1 status:blocked ETA:friday";
    const ok = await c.run(`log note C-1 ${note}`);
    expect(ok.kind).toBe("ok");
    const row = await t.app.db.prisma.interaction.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
    expect(row.summary).toBe(note);
    await refused(
      "log note C-1 Discussed pricing whn:yesterday",
      'Unknown option "whn:" — did you mean when:? Known: when:. To keep "whn:yesterday" in the summary, put it in quotes.',
    );
  });

  it("a scoring rule is field:value text, not options", async () => {
    const r = await c.run("score rule add title:ceo 10");
    expect(r.kind).toBe("ok");
  });
});

describe("amounts with a space or a dot between thousands are refused with the accepted forms", () => {
  it('deal new "Spaces" 12 000', async () => {
    await refused(
      'deal new "Spaces" 12 000',
      '"12 000" uses a space between thousands; write 12000 or 12,000. Amounts are one word: 12000, 12,000.50, 12.5k, $12k or 12000EUR',
    );
  });

  it("deal new Spaces 12 000 (unquoted title) is not read as title 'Spaces 12', amount 0", async () => {
    await refused(
      "deal new Spaces 12 000",
      '"12 000" uses a space between thousands; write 12000 or 12,000. Amounts are one word: 12000, 12,000.50, 12.5k, $12k or 12000EUR. If "12" is part of the title, put the title in quotes.',
    );
    await refused("deal new Big one $1 200 000", "write $1200000 or $1,200,000");
  });

  it('deal new "Euro" 12000 EUR: a currency a space away is refused with the one-word form', async () => {
    await refused('deal new "Euro" 12000 EUR', "Write the amount as one word: 12000EUR. Amounts are one word:");
  });

  it('deal new "EuroDot" 12.000 is ambiguous', async () => {
    await refused(
      'deal new "EuroDot" 12.000',
      '"12.000" is ambiguous: a dot between thousands, or 3 decimals (amounts have at most 2 decimals); write 12000 or 12,000, or 12.00.',
    );
  });

  it('deal new "Neg" -5 says it once', async () => {
    const plain = await refused('deal new "Neg" -5', "Amounts cannot be negative; try 12000, 12,000.50, 12.5k, $12k or 12000EUR");
    expect(plain).not.toMatch(/amount amounts/i);
  });

  it("the accepted forms still work", async () => {
    const r = await c.run('deal new "Commas" 12,000');
    expect(r.kind).toBe("ok");
    expect(r.plain).toContain("$12,000");
  });
});

describe("words after an option that may belong to it are refused with the quoted form", () => {
  it("contact add Oz Kay company:Globex Inc", async () => {
    await refused(
      "contact add Oz Kay company:Globex Inc",
      '"Inc" follows company:Globex. If it belongs to company:, write company:"Globex Inc"; if not, write it before the options.',
    );
    const quoted = await c.run('contact add Oz Kay company:"Globex Inc"');
    expect(quoted.plain).toContain("Oz Kay at Globex Inc");
  });

  it('deal new "X" 12k close:next friday', async () => {
    await refused('deal new "X" 12k close:next friday', 'If it belongs to close:, write close:"next friday"');
  });

  it("an amount after a company: value that fails to read says which option it may belong to", async () => {
    await refused("deal new Acme 12k company:Globex Inc", 'If "Inc" belongs to company:, write company:"Globex Inc".');
  });

  it("a one-word argument right after an option is still fine", async () => {
    const r = await c.run('deal new "After options" company:Acme 12k');
    expect(r.kind).toBe("ok");
    expect(r.plain).toContain("$12,000");
  });
});

describe("unknown verbs and help topics suggest the nearest", () => {
  it("dael new → Did you mean deal?", async () => {
    await refused("dael new Foo 10", 'Unknown command "dael". Did you mean deal?');
    await refused("contact shwo C-1", 'Unknown contact command "shwo". Did you mean contact show? Try: add, find,');
  });

  it("help contacts is the contact topic; help dael suggests help deal", async () => {
    const contacts = await c.run("help contacts");
    expect(contacts.plain).toContain("/crm contact add <name>");
    const typo = await c.run("help dael");
    expect(typo.plain).toContain('No help topic "dael". Did you mean /crm help deal?');
  });
});

describe("text limits and over-long lines", () => {
  it("a name over 200 characters and a summary over 2000 are refused with the limit", async () => {
    await refused(`contact add ${"N".repeat(201)}`, "name is too long (201 characters; at most 200)");
    await refused(`log note C-1 ${"s".repeat(2001)}`, "summary is too long (2001 characters; at most 2000)");
  });

  it("the console answers a 5,000-character line with a normal error reply, not HTTP 400", async () => {
    const r = await c.run(`log note C-1 ${"x".repeat(5000)}`);
    expect(r.kind).toBe("error");
    expect(r.plain).toContain("That command is too long (5013 characters); the limit is 4000");
    expect(r.html).toContain("too long");
  });
});

describe("replies that read well", () => {
  it("notify deals #sales says how to give a channel on each surface", async () => {
    await refused(
      "notify deals #sales",
      'channel "#sales" is not a channel link. On Slack, type # and pick the channel from the list so it becomes a link (<#C…>)',
    );
  });

  it("support channel without one set", async () => {
    const r = await c.run("support channel");
    expect(r.plain).toBe(
      "🧵 No support channel is set yet, so new tickets get no Discord thread. Set one with /crm support channel #channel.",
    );
  });
});

describe("the same rules from Slack and Discord", () => {
  it("a signed Slack slash command with an unknown option is refused and writes nothing", async () => {
    await slashText(t.url, "contact add Slack Person", slack); // the first user becomes a member
    const before = await counts();
    const text = await slashText(t.url, "ticket new Broken thing prio:high", slack);
    expect(text).toContain('Unknown option \\"prio:\\" — did you mean priority:?');
    expect(await counts()).toEqual(before);
  });

  it("Discord's amount option refuses 12 000, 12.000 and -5 like typed text", async () => {
    await interact(t.url, commandBody(["pipeline"])); // the server's workspace and its first member
    const before = await counts();
    for (const [amount, expected] of [
      ["12 000", "uses a space between thousands; write 12000 or 12,000."],
      ["12.000", "is ambiguous: a dot between thousands, or 3 decimals"],
      ["-5", "Amounts cannot be negative"],
    ]) {
      const r = await interact(t.url, commandBody(["deal", "new"], [str("title", "Foo"), str("amount", amount)]));
      expect(shown(r), amount).toContain(expected);
    }
    expect(await counts()).toEqual(before);
  });
});
