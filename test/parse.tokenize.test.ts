import { describe, expect, it } from "vitest";
import { UserInputError } from "../src/errors.ts";
import { bracketForm, quoteArg, tokenize, type Token } from "../src/parse/index.ts";

const w = (value: string, quoted = false): Token => ({ kind: "word", value, quoted });
const o = (key: string, value: string, quoted = false): Token => ({ kind: "option", key, value, quoted });

// Slack's documented signing example body (python-slack-sdk test vector, see
// test/fixtures/external/slack/slash_command.signed_docs_vector.body.txt) with `text=` swapped,
// so each case goes through the exact wire shape: form-encoded, `+` for spaces, Slack's escaping inside.
const SLACK_BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const slackText = (encodedText: string) => new URLSearchParams(SLACK_BODY.replace("&text=&", `&text=${encodedText}&`)).get("text") ?? "";

describe("a Slack user's /crm text, as it arrives on the wire", () => {
  it.each<[string, string, Token[]]>([
    ["the fixture's own empty text", "", []],
    [
      "a deal with a quoted title, an amount and a mention",
      "deal+new+%22Acme+renewal%22+12k+company%3AAcme+owner%3A%3C%40U2CERLKJA%7Croadrunner%3E+close%3A%22next+friday%22",
      [
        w("deal"),
        w("new"),
        w("Acme renewal", true),
        w("12k"),
        o("company", "Acme"),
        o("owner", "<@U2CERLKJA>"),
        o("close", "next friday", true),
      ],
    ],
    [
      "an Enterprise Grid user id (W…) in a role change",
      "role+%3C%40W111%7Cprimary-owner%3E+manager",
      [w("role"), w("<@W111>"), w("manager")],
    ],
    [
      "an email Slack turned into a mailto link",
      "contact+add+%22Ann+Lee%22+email%3A%3Cmailto%3Aann%40acme.com%7Cann%40acme.com%3E",
      [w("contact"), w("add"), w("Ann Lee", true), o("email", "ann@acme.com")],
    ],
    [
      "a domain Slack auto-linked keeps what the user typed",
      "company+add+Acme+domain%3A%3Chttp%3A%2F%2Facme.com%7Cacme.com%3E",
      [w("company"), w("add"), w("Acme"), o("domain", "acme.com")],
    ],
    [
      "a channel link for report delivery",
      "report+schedule+weekly+09%3A00+tz%3AEurope%2FParis+%3C%23C2147483705%7Ctest%3E",
      [w("report"), w("schedule"), w("weekly"), w("09:00"), o("tz", "Europe/Paris"), w("<#C2147483705>")],
    ],
    [
      "& < > escaped by Slack inside a quoted company name",
      "contact+add+Bo+company%3A%22R%26amp%3BD+%26lt%3B3%26gt%3B%22",
      [w("contact"), w("add"), w("Bo"), o("company", "R&D <3>", true)],
    ],
    [
      "a typed <!channel> stays plain text; a real @here is disarmed",
      "log+note+C-12+%26lt%3B%21channel%26gt%3B+%3C%21here%3E",
      [w("log"), w("note"), w("C-12"), w("<!channel>"), w("@here")],
    ],
  ])("%s", (_name, encoded, expected) => {
    expect(tokenize(slackText(encoded))).toEqual(expected);
  });
});

describe("tokenize", () => {
  it.each<[string, Token[]]>([
    ["help", [w("help")]],
    ["  deal   list  mine ", [w("deal"), w("list"), w("mine")]],
    ['"Acme renewal"', [w("Acme renewal", true)]],
    ["“Acme renewal” ‘Bob’s laptop’", [w("Acme renewal", true), w("Bob’s laptop", true)]],
    ["”Acme” „Acme“", [w("Acme", true), w("Acme", true)]],
    ['""', [w("", true)]],
    ['"say \\"hi\\" \\\\ ok"', [w('say "hi" \\ ok', true)]],
    ['"C:\\path"', [w("C:\\path", true)]],
    ["don’t O'Brien 5\" it's", [w("don’t"), w("O'Brien"), w('5"'), w("it's")]],
    ['"multi\nline"', [w("multi\nline", true)]],
    ['"Acme"s', [w("Acmes", true)]],
    ["stage:proposal", [o("stage", "proposal")]],
    ["Stage:Proposal", [{ kind: "option", key: "stage", value: "Proposal", quoted: false, typedKey: "Stage" }]],
    ["first_name:Ann x-id:7", [o("first_name", "Ann"), o("x-id", "7")]],
    ['close:"next friday"', [o("close", "next friday", true)]],
    ["close:“next friday”", [o("close", "next friday", true)]],
    ['message:"Hi {{first_name}}, 50% off"', [o("message", "Hi {{first_name}}, 50% off", true)]],
    ["tags:a,b segment:stage:lead", [o("tags", "a,b"), o("segment", "stage:lead")]],
    ['"Note: call back"', [w("Note: call back", true)]],
    ["https://x.y/z 12:30 a@b.com C-12 D-7: :x", [w("https://x.y/z"), w("12:30"), w("a@b.com"), w("C-12"), w("D-7:"), w(":x")]],
    ["a\u00a0b\u2003c\nd\te\u200bf\u3000g", ["a", "b", "c", "d", "e", "f", "g"].map((x) => w(x))],
    ["a\u0000b\u0007c", [w("abc")]],
    [
      "<@U123|ann> <@U123> <@123> <@!123> <#C123|sales> <#C123> <#123>",
      ["<@U123>", "<@U123>", "<@123>", "<@123>", "<#C123>", "<#C123>", "<#123>"].map((x) => w(x)),
    ],
    ['"ping <@U1|Ann \\"A\\" Lee> now"', [w("ping <@U1> now", true)]],
    ["<@U1|Ann Lee>", [w("<@U1>")]],
    ["<https://x.y/z|my label> <https://x.y/z>", [w("https://x.y/z"), w("https://x.y/z")]],
    ["<mailto:a@b.com|a@b.com> <tel:+15550100|+1 555 0100>", [w("a@b.com"), w("+15550100")]],
    ["<!here> <!channel> <!everyone> <!here|here>", [w("@here"), w("@channel"), w("@everyone"), w("@here")]],
    ["<!subteam^S123|@devs> <!date^1392734382^{date}|Feb 18>", [w("@devs"), w("Feb 18")]],
    ["a < b <3 <b> <@&123>", [w("a"), w("<"), w("b"), w("<3"), w("<b>"), w("<@&123>")]],
    ["&amp;lt; &lt;@U1&gt;", [w("&lt;"), w("<@U1>")]],
    ["assign:<@U1|ann> website:<https://acme.com>", [o("assign", "<@U1>"), o("website", "https://acme.com")]],
    ["e\u0301", [w("é")]],
  ])("%j", (input, expected) => {
    expect(tokenize(input)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['"Acme renewal', /^Unclosed quote in `"Acme renewal`/],
    ["deal new “Acme", /^Unclosed quote/],
    ["‘Bob’s", /^Unclosed quote/],
    ['close:"next friday', /^Unclosed quote/],
    ['"ends with escape\\"', /^Unclosed quote/],
    ['stage:""', /^Missing value after "stage:"/],
    ["x".repeat(4001), /too long \(4001 characters\)/],
  ])("refuses %j", (input, message) => {
    const run = () => tokenize(input);
    expect(run).toThrow(UserInputError);
    expect(run).toThrow(message);
  });

  it("accepts exactly 4000 characters", () => {
    expect(tokenize("x".repeat(4000))).toEqual([w("x".repeat(4000))]);
  });

  it("replaces broken surrogate pairs instead of passing them on", () => {
    expect(tokenize("a\uD800b 😀")).toEqual([w("a\uFFFDb"), w("😀")]);
  });
});

describe("bracketForm", () => {
  it.each<[string, string | null]>([
    ["@U2CERLKJA|roadrunner", "<@U2CERLKJA>"],
    ["@!167348773423415296", "<@167348773423415296>"],
    ["#G8PSS9T3V", "<#G8PSS9T3V>"],
    ["https://x.y/?a=1&amp;b=2|x", "https://x.y/?a=1&b=2"],
    ["mailto:a@b.com?subject=hi|a@b.com", "a@b.com"],
    ["!everyone", "@everyone"],
    ["@u lower", null],
    ["just text", null],
    ["", null],
  ])("%j → %j", (inner, expected) => {
    expect(bracketForm(inner)).toBe(expected);
  });
});

describe("a word ending in a colon is free text", () => {
  it("keeps 'Note:' as a word instead of an empty option", async () => {
    const { tokenize } = await import("../src/parse/index.ts");
    expect(tokenize("log note C-12 Note: call back")).toEqual([
      { kind: "word", value: "log", quoted: false },
      { kind: "word", value: "note", quoted: false },
      { kind: "word", value: "C-12", quoted: false },
      { kind: "word", value: "Note:", quoted: false },
      { kind: "word", value: "call", quoted: false },
      { kind: "word", value: "back", quoted: false },
    ]);
  });
});

describe("quoteArg: a value we put in a command (a button's) reads back as exactly that value", () => {
  it("a name cannot close the quote and add options", () => {
    const name = 'Bob" stage:won owner:<@U123> x';
    expect(tokenize(`deal new ${quoteArg(name)} 0 contact:C-12`)).toEqual([
      w("deal"),
      w("new"),
      w(name, true),
      w("0"),
      o("contact", "C-12"),
    ]);
    for (const tricky of [
      "a”b stage:won",
      "a“b",
      "„x",
      "‘a’ b:c",
      "\\",
      'x\\" stage:won',
      "x\\",
      "&amp; &lt;b&gt;",
      "<@U1|ann>",
      "<!here>",
      "<https://x.y|z>",
      "a\nb:c",
    ]) {
      expect(tokenize(`ticket new ${quoteArg(tricky)} contact:C-1`), tricky).toEqual([
        w("ticket"),
        w("new"),
        w(tricky, true),
        o("contact", "C-1"),
      ]);
    }
  });

  it("round-trips 2,000 seeded random strings of quotes, backslashes, brackets, entities, colons and spaces", () => {
    let seed = 20261207;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const pieces = [
      '"',
      "“",
      "”",
      "„",
      "‘",
      "’",
      "'",
      "\\",
      "<",
      ">",
      "<@U1>",
      "<@U1|x>",
      "<#C1>",
      "<!here>",
      "&",
      "&amp;",
      "&lt;",
      ":",
      "stage:",
      "owner:",
      " ",
      "\n",
      "\u00a0",
      "a",
      "Bob",
      "é",
      "😀",
      "https://x.y",
      "C-12",
      "-",
    ];
    for (let n = 0; n < 2000; n++) {
      const value = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => pieces[Math.floor(rand() * pieces.length)]).join("");
      expect(tokenize(`deal new ${quoteArg(value)} 0`), JSON.stringify(value)).toEqual([w("deal"), w("new"), w(value, true), w("0")]);
    }
  });
});
