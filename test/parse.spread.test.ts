// How typed words are spread over a command's arguments (src/commands/spread.ts), without a database: which
// word:word stays text, which is an unknown option, and which words after an option are refused.
import { describe, expect, it } from "vitest";
import { commands } from "../src/commands/registry.ts";
import { parseText } from "../src/commands/engine.ts";
import { decodeArgs } from "../src/commands/define.ts";
import { UserInputError } from "../src/errors.ts";
import { nearest } from "../src/parse/suggest.ts";

const raw = (text: string) => parseText(commands, text).raw;
const refusal = (text: string): string => {
  try {
    parseText(commands, text);
  } catch (e) {
    expect(e).toBeInstanceOf(UserInputError);
    return (e as Error).message;
  }
  throw new Error(`${text} was not refused`);
};

describe("free text keeps what only looks like an option", () => {
  it.each<[string, Record<string, string>]>([
    ["log call D-7 Walked through pricing; see https://acme.example/q", { summary: "Walked through pricing; see https://acme.example/q" }],
    ["log call D-7 Call back at 10:30 re: renewal", { summary: "Call back at 10:30 re: renewal" }],
    ["log note C-1 status:blocked ETA:friday", { summary: "status:blocked ETA:friday" }],
    ["deal lost D-1 Went with Globex re:price", { reason: "Went with Globex re:price" }],
    ["ticket resolve T-1 Fixed: replaced the toner", { note: "Fixed: replaced the toner" }],
    ["log meeting ana@acme.com Kick-off on site when:yesterday", { summary: "Kick-off on site", when: "yesterday" }],
  ])("%s", (text, expected) => {
    expect(raw(text)).toMatchObject(expected);
  });

  it("a scoring rule is all text", () => {
    expect(raw("score rule add title:ceo 10")).toEqual({ rule: "title:ceo 10" });
  });

  it("a key near a known option is refused in free text too", () => {
    expect(refusal("log call D-7 Pricing talk whn:yesterday")).toContain('Unknown option "whn:" — did you mean when:?');
    expect(refusal("campaign message K-1 Hi {{first_name}} subjet:Hello")).toContain('Unknown option "subjet:" — did you mean subject:?');
  });
});

describe("names, subjects and references refuse an unknown option", () => {
  it.each<[string, string]>([
    ["ticket new Broken thing prio:high", 'Unknown option "prio:" — did you mean priority:? Known: priority:, contact:, assign:.'],
    ["contact add Kim Lee foo:bar", 'Unknown option "foo:". Known: email:, phone:, company:, tags:, title:.'],
    ["company add Acme dmain:acme.com", 'Unknown option "dmain:" — did you mean domain:? Known: domain:.'],
    ["contact find foo:bar", 'Unknown option "foo:". /crm contact find takes no options.'],
  ])("%s", (text, message) => {
    expect(refusal(text)).toContain(message);
  });

  it("in quotes it is part of the name", () => {
    expect(raw('contact add Kim Lee "foo:bar"')).toEqual({ name: "Kim Lee foo:bar" });
  });
});

describe("words after an option", () => {
  it.each<[string, string]>([
    ["contact add Oz Kay company:Globex Inc", 'write company:"Globex Inc"'],
    ["contact add company:Globex Inc Oz Kay", 'write company:"Globex Inc Oz Kay"'],
    ["ticket new Printer on fire assign:@Raj Patel", 'write assign:"@Raj Patel"'],
    ['deal new "X" 12k close:next friday', 'write close:"next friday"'],
    ["log meeting C-1 when:tomorrow morning Kick-off", 'write when:"tomorrow morning Kick-off"'],
  ])("%s is refused with the quoted form", (text, message) => {
    expect(refusal(text)).toContain(message);
  });

  it("a word after a one-word option (a choice) or a one-word argument after an option is fine", () => {
    expect(raw("ticket new priority:high Printer on fire")).toEqual({ priority: "high", subject: "Printer on fire" });
    expect(raw("ticket new Printer priority:high on fire")).toEqual({ priority: "high", subject: "Printer on fire" });
    expect(raw('deal new "X" company:Acme 12k')).toEqual({ title: "X", company: "Acme", amount: "12k" });
  });

  it("a one-word argument that fails to decode after an option says which option it may belong to", () => {
    const parsed = parseText(commands, "deal new Acme 12k company:Globex Inc");
    expect(() => decodeArgs(parsed.cmd, parsed.raw, parsed.hints)).toThrow('If "Inc" belongs to company:, write company:"Globex Inc".');
  });
});

describe("amounts split by spaces", () => {
  it.each<[string, string]>([
    ['deal new "Spaces" 12 000', '"12 000" uses a space between thousands; write 12000 or 12,000.'],
    ["deal new Spaces 12 000", 'If "12" is part of the title, put the title in quotes.'],
    ['deal new "Big" 1 200 000', "write 1200000 or 1,200,000"],
    ['deal new "Q" 12000 EUR', "Write the amount as one word: 12000EUR."],
    ['deal new "Q" € 12k', "Write the amount as one word: €12k."],
  ])("%s", (text, message) => {
    expect(refusal(text)).toContain(message);
  });

  it("an unquoted title with numbers in it still works", () => {
    expect(raw("deal new Acme renewal 2027 12k")).toEqual({ title: "Acme renewal 2027", amount: "12k" });
  });
});

describe("nearest", () => {
  it.each<[string, string[], string | undefined]>([
    ["dael", ["deal", "ticket", "contact"], "deal"],
    ["prio", ["priority", "contact", "assign"], "priority"],
    ["contacts", ["contact", "company"], "contact"],
    ["xyz", ["deal", "ticket"], undefined],
    ["deal", ["deal", "ticket"], undefined],
  ])("%s among %j → %s", (typed, known, expected) => {
    expect(nearest(typed, known)).toBe(expected);
  });
});
