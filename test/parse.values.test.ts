import { describe, expect, it } from "vitest";
import { UserInputError } from "../src/errors.ts";
import {
  isValidTimeZone,
  parseChannel,
  parseDate,
  parseDuration,
  parseEmail,
  parseMention,
  parseMoney,
  parseTime,
  tokenize,
} from "../src/parse/index.ts";

const refuses = (run: () => unknown, message: RegExp) => {
  expect(run).toThrow(UserInputError);
  expect(run).toThrow(message);
};

describe("parseMoney", () => {
  it.each<[string, string, string]>([
    ["0", "0.00", "USD"],
    ["12000", "12000.00", "USD"],
    ["12,000", "12000.00", "USD"],
    ["12,000.50", "12000.50", "USD"],
    ["1,234,567.5", "1234567.50", "USD"],
    ["12000.5", "12000.50", "USD"],
    ["0.07", "0.07", "USD"],
    ["12k", "12000.00", "USD"],
    ["12K", "12000.00", "USD"],
    ["12.5k", "12500.00", "USD"],
    ["1.23456k", "1234.56", "USD"],
    ["1.2m", "1200000.00", "USD"],
    ["1m", "1000000.00", "USD"],
    ["1,500k", "1500000.00", "USD"],
    ["$12,000", "12000.00", "USD"],
    ["€12,000", "12000.00", "EUR"],
    ["£5k", "5000.00", "GBP"],
    ["¥3000", "3000.00", "JPY"],
    ["12€", "12.00", "EUR"],
    ["12000EUR", "12000.00", "EUR"],
    ["EUR12000", "12000.00", "EUR"],
    ["eur12.5k", "12500.00", "EUR"],
    ["12.5kgbp", "12500.00", "GBP"],
    [" 42 ", "42.00", "USD"],
    ["999999999999.99", "999999999999.99", "USD"],
    ["999,999,999,999.99", "999999999999.99", "USD"],
  ])("%j → %s %s", (input, amount, currency) => {
    expect(parseMoney(input)).toEqual({ amount, currency });
  });

  it("uses the workspace currency when none is typed", () => {
    expect(parseMoney("12k", "eur")).toEqual({ amount: "12000.00", currency: "EUR" });
    expect(parseMoney("$12k", "EUR")).toEqual({ amount: "12000.00", currency: "USD" });
  });

  it("takes the amount from a /crm deal new command", () => {
    const [, , , amount] = tokenize('deal new "Acme renewal" €12.5k stage:proposal');
    expect(parseMoney(amount.value)).toEqual({ amount: "12500.00", currency: "EUR" });
  });

  it.each<[string, RegExp]>([
    ["", /Could not read "" as an amount; try 12000/],
    ["abc", /as an amount/],
    ["-5", /cannot be negative/],
    ["−5", /cannot be negative/],
    ["$-5", /cannot be negative/],
    ["EUR-5", /cannot be negative/],
    ["(5)", /cannot be negative/],
    ["1,2,3", /as an amount/],
    ["12,50", /as an amount/],
    ["1,000.", /as an amount/],
    [".5", /as an amount/],
    ["0,123", /as an amount/],
    ["12.345", /at most 2 decimals/],
    ["1.234567k", /at most 2 decimals/],
    ["1000000000000", /too large/],
    ["1000000m", /too large/],
    ["12000 EUR", /as an amount/],
    ["$12EUR", /one currency/],
    ["€12$", /one currency/],
    ["12XYZ", /Unknown currency "XYZ"/],
    ["12kb", /as an amount/],
    ["1e6", /as an amount/],
    ["12 k", /as an amount/],
    ["１２", /as an amount/],
    ["9".repeat(60), /as an amount/],
  ])("refuses %j", (input, message) => refuses(() => parseMoney(input), message));

  it("never returns floats: amounts are exact decimal strings", () => {
    expect(parseMoney("0.1k").amount).toBe("100.00");
    expect(parseMoney("1.01m").amount).toBe("1010000.00");
    expect(parseMoney("0.29").amount).toBe("0.29");
  });
});

describe("parseDate", () => {
  const now = new Date("2026-03-04T15:00:00Z"); // a Wednesday
  it.each<[string, string, string]>([
    ["2026-12-31", "UTC", "2026-12-31T00:00:00.000Z"],
    ["2026-12-31", "Europe/Paris", "2026-12-30T23:00:00.000Z"],
    ["2028-02-29", "UTC", "2028-02-29T00:00:00.000Z"],
    ["tomorrow", "UTC", "2026-03-05T00:00:00.000Z"],
    ["Tomorrow", "UTC", "2026-03-05T00:00:00.000Z"],
    ["friday", "UTC", "2026-03-06T00:00:00.000Z"],
    ["next friday", "UTC", "2026-03-13T00:00:00.000Z"],
    ["next friday", "America/New_York", "2026-03-13T04:00:00.000Z"], // after the DST switch of March 8
    ["in 2 weeks", "UTC", "2026-03-18T00:00:00.000Z"],
    ["Dec 31", "UTC", "2026-12-31T00:00:00.000Z"],
    ["31 Dec 2027", "UTC", "2027-12-31T00:00:00.000Z"],
    ["march", "UTC", "2027-03-01T00:00:00.000Z"], // forward: this March has started
    ["12/31", "UTC", "2026-12-31T00:00:00.000Z"],
    ["tomorrow 3pm", "America/New_York", "2026-03-05T20:00:00.000Z"],
    ["next friday at 9:30", "Europe/Paris", "2026-03-13T08:30:00.000Z"],
    ["in 2 hours", "Asia/Tokyo", "2026-03-04T17:00:00.000Z"],
    ["next friday.", "UTC", "2026-03-13T00:00:00.000Z"],
  ])("%j in %s → %s", (input, tz, iso) => {
    expect(parseDate(input, now, tz).toISOString()).toBe(iso);
  });

  it("reads a close: option from a deal command", () => {
    const close = tokenize('deal new "Acme" 12k close:"next friday"').at(-1)!;
    expect(parseDate(close.value, now).toISOString()).toBe("2026-03-13T00:00:00.000Z");
  });

  it.each<[string, RegExp]>([
    ["", /^Could not read "" as a date; try 2026-12-31 or "next friday"$/],
    ["soon-ish", /^Could not read "soon-ish" as a date; try 2026-12-31 or "next friday"$/],
    ["call bob friday", /as a date/],
    ["next friday call bob", /as a date/],
    ["2026-02-30", /not a real date/],
    ["2026-13-01", /not a real date/],
    ["2027-02-29", /not a real date/],
    ["0001-01-01", /out of range/],
    ["03/04", /day\/month or month\/day/],
    ["x".repeat(200), /as a date/],
  ])("refuses %j", (input, message) => refuses(() => parseDate(input, now), message));

  it("refuses an unknown time zone as bad input", () => {
    refuses(() => parseDate("tomorrow", now, "Mars/Olympus"), /Unknown time zone/);
  });
});

describe("parseDuration", () => {
  it.each<[string, number]>([
    ["90s", 90],
    ["30m", 1800],
    ["4h", 14_400],
    ["2d", 172_800],
    ["1w", 604_800],
    ["1h30m", 5400],
    ["1d12h", 129_600],
    ["2w3d", 1_468_800],
    ["4H", 14_400],
    ["0h30m", 1800],
    ["365d", 31_536_000],
  ])("%j → %i s", (input, seconds) => expect(parseDuration(input)).toBe(seconds));

  it.each<[string, RegExp]>([
    ["", /try 90s, 30m, 4h, 2d/],
    ["0m", /more than zero/],
    ["-1h", /try 90s, 30m, 4h, 2d/],
    ["366d", /too long/],
    ["53w", /too long/],
    ["999999999w", /too long/],
    ["30m1h", /try 90s/],
    ["1h1h", /try 90s/],
    ["1.5h", /try 90s/],
    ["4", /try 90s/],
    ["h", /try 90s/],
    ["4 hours", /try 90s/],
  ])("refuses %j", (input, message) => refuses(() => parseDuration(input), message));
});

describe("mentions and channels", () => {
  it.each<[string, ReturnType<typeof parseMention>]>([
    ["<@U2CERLKJA>", { platform: "slack", userId: "U2CERLKJA" }],
    ["<@W111>", { platform: "slack", userId: "W111" }],
    ["<@U123|ann>", { platform: "slack", userId: "U123" }],
    ["<@167348773423415296>", { platform: "discord", userId: "167348773423415296" }],
    ["<@!167348773423415296>", { platform: "discord", userId: "167348773423415296" }],
    ["<@C123>", null],
    ["<@u123>", null],
    ["@ann", null],
    ["U123", null],
    ["<@&123>", null],
    ["<@123456789012345678901>", null],
    ["<@U1> <@U2>", null],
  ])("parseMention(%j)", (input, expected) => expect(parseMention(input)).toEqual(expected));

  it("reads the mention the tokenizer kept from Slack's escaped form", () => {
    const [, owner] = tokenize("ticket assign T-42 <@U2CERLKJA|roadrunner>").slice(2);
    expect(parseMention(owner.value)).toEqual({ platform: "slack", userId: "U2CERLKJA" });
  });

  it.each<[string, ReturnType<typeof parseChannel>]>([
    ["<#C2147483705>", { platform: "slack", channelId: "C2147483705" }],
    ["<#G8PSS9T3V|foobar>", { platform: "slack", channelId: "G8PSS9T3V" }],
    ["<#772908445358620702>", { platform: "discord", channelId: "772908445358620702" }],
    ["C0123ABC", null],
    ["#sales", null],
    ["<#U123>", null],
    ["<#c123>", null],
  ])("parseChannel(%j)", (input, expected) => expect(parseChannel(input)).toEqual(expected));
});

describe("times, zones, emails", () => {
  it.each<[string, number, number]>([
    ["09:00", 9, 0],
    ["9:00", 9, 0],
    ["00:00", 0, 0],
    ["23:59", 23, 59],
    ["17:30", 17, 30],
  ])("parseTime(%j)", (input, hour, minute) => expect(parseTime(input)).toEqual({ hour, minute }));

  it.each(["24:00", "9", "9:5", "09:60", "9am", "", "09:00:00", "-1:00"])("parseTime refuses %j", (input) =>
    refuses(() => parseTime(input), /use 24-hour HH:MM like 09:00/),
  );

  it.each<[string, boolean]>([
    ["UTC", true],
    ["Europe/Paris", true],
    ["America/Argentina/Buenos_Aires", true],
    ["Asia/Kolkata", true],
    ["Mars/Olympus", false],
    ["", false],
    ["Paris", false],
    ["x".repeat(100), false],
  ])("isValidTimeZone(%j) → %s", (tz, ok) => expect(isValidTimeZone(tz)).toBe(ok));

  it.each<[string, string | null]>([
    ["ann@acme.com", "ann@acme.com"],
    ["Ann.Lee+crm@Acme.CO.uk", "ann.lee+crm@acme.co.uk"],
    [" bob@x.io ", "bob@x.io"],
    ["mailto:bob@x.io", "bob@x.io"],
    ["o'brien@acme.ie", "o'brien@acme.ie"],
    ["zoë@exämple.de", "zoë@exämple.de"],
    ["ann@acme", null],
    ["ann@@acme.com", null],
    ["ann @acme.com", null],
    [".ann@acme.com", null],
    ["a..b@acme.com", null],
    ["ann@-acme.com", null],
    ["ann@acme.c", null],
    ["<ann@acme.com>", null],
    ["", null],
    ["C-12", null],
    [`${"a".repeat(65)}@acme.com`, null],
    [`a@${"b".repeat(250)}.com`, null],
  ])("parseEmail(%j) → %j", (input, expected) => expect(parseEmail(input)).toBe(expected));
});
