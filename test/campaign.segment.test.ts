// The pure parts of campaigns: the segment language, message templates, unsubscribe tokens, progress bar.
import { describe, expect, it } from "vitest";
import { UserInputError } from "../src/errors.ts";
import { formatSegment, parseSegment, splitTerms } from "../src/domain/campaigns/segment.ts";
import { contactValues, groupValues, renderTemplate, validateTemplate } from "../src/domain/campaigns/template.ts";
import { buildEmail, readUnsubscribeToken, testToken, unsubscribeSecret, unsubscribeToken } from "../src/domain/campaigns/email.ts";
import { progressBar } from "../src/domain/campaigns/progress.ts";

const NOW = new Date("2026-03-02T10:00:00Z");
const err = (f: () => unknown): UserInputError => {
  try {
    f();
  } catch (e) {
    if (e instanceof UserInputError) return e;
    throw e;
  }
  throw new Error("expected a UserInputError");
};

describe("segment language", () => {
  it("reads every accepted form, AND-ed, with negation", () => {
    expect(
      parseSegment(
        "tag:VIP -tag:churned company:A-3 stage:Proposal owner:me has:email -has:discord last:before:2026-01-01 last:after:2025-06-01",
        NOW,
      ),
    ).toEqual([
      { kind: "tag", tag: "vip", negated: false },
      { kind: "tag", tag: "churned", negated: true },
      { kind: "company", ref: "A-3", negated: false },
      { kind: "stage", stage: "proposal", negated: false },
      { kind: "owner", owner: "me", negated: false },
      { kind: "has", what: "email", negated: false },
      { kind: "has", what: "discord", negated: true },
      { kind: "last", when: "before", at: new Date("2026-01-01T00:00:00Z"), raw: "2026-01-01", negated: false },
      { kind: "last", when: "after", at: new Date("2025-06-01T00:00:00Z"), raw: "2025-06-01", negated: false },
    ]);
  });

  it("groups quoted values with spaces, and `all` alone means everyone", () => {
    expect(splitTerms(`company:'Acme Corp' tag:vip owner:"Ada Admin"`)).toEqual(["company:Acme Corp", "tag:vip", "owner:Ada Admin"]);
    expect(parseSegment("company:‘Acme Corp’")).toEqual([{ kind: "company", ref: "Acme Corp", negated: false }]);
    expect(parseSegment("all")).toEqual([{ kind: "all" }]);
    expect(parseSegment("last:before:friday", NOW)[0]).toMatchObject({ kind: "last", at: new Date("2026-03-06T00:00:00Z") });
  });

  it.each([
    ["", "empty"],
    ["vip", "is not a term"],
    ["tags:vip", 'unknown term "tags:"'],
    ["tag:", "has no value"],
    ["has:phone", "has:email, has:discord or has:company"],
    ["last:2026-01-01", "last:before:<date>"],
    ["last:before:someday", "Could not read"],
    ["all tag:vip", "`all` stands alone"],
    ["-all", "matches nobody"],
    ["company:'Acme", "unclosed quote"],
  ])("refuses %j (%s) and shows the accepted forms", (text, message) => {
    const e = err(() => parseSegment(text, NOW));
    expect(e.message).toContain(message);
    expect(e.usage).toContain("tag:<tag>");
    expect(e.usage).toContain("last:before:<date>");
    expect(e.usage).toContain("has:email");
  });

  it("formats back to text that parses to the same terms (relative dates frozen)", () => {
    const terms = parseSegment(`tag:vip -company:'Acme Corp' last:after:friday -has:email`, NOW);
    const text = formatSegment(terms);
    expect(text).toBe("tag:vip -company:'Acme Corp' last:after:2026-03-06 -has:email");
    expect(parseSegment(text, new Date("2027-01-01T00:00:00Z")).map((t) => ({ ...t, raw: undefined }))).toEqual(
      terms.map((t) => ({ ...t, raw: undefined })),
    );
    const timed = parseSegment('last:before:"tomorrow 3pm"', NOW);
    expect(parseSegment(formatSegment(timed), new Date("2027-01-01T00:00:00Z"))[0]).toMatchObject({
      at: timed[0].kind === "last" ? timed[0].at : null,
    });
  });
});

describe("message templates", () => {
  it("refuses unknown variables and stray braces at creation", () => {
    expect(err(() => validateTemplate("Hi {{frist_name}}")).message).toContain("{{frist_name}}");
    expect(err(() => validateTemplate("Hi {{first_name}")).message).toContain("unmatched");
    expect(err(() => validateTemplate("   ")).message).toContain("empty");
    expect(() => validateTemplate("Hi {{ first_name }} at {{company}}, {{owner}} / {{name}} {{first_name|there}}")).not.toThrow();
  });

  it("renders per contact, with fallbacks for empty values", () => {
    const v = contactValues({ name: "Ana María Lopez", company: "Acme", owner: "Bo" });
    expect(renderTemplate("Hi {{first_name}} ({{name}}) from {{company}}, {{owner}} here", v)).toBe(
      "Hi Ana (Ana María Lopez) from Acme, Bo here",
    );
    expect(renderTemplate("Hi {{company|there}}!", contactValues({ name: "X" }))).toBe("Hi there!");
  });

  it("a company post addresses everyone of the company", () => {
    expect(renderTemplate("Hi {{first_name}}", groupValues([{ name: "Ana Lopez" }, { name: "Bo Chen" }, { name: "Cy Diaz" }]))).toBe(
      "Hi Ana, Bo and Cy",
    );
  });
});

describe("unsubscribe tokens and headers", () => {
  const secret = unsubscribeSecret("k".repeat(40));
  it("verify only with the key, and test tokens are told apart", () => {
    const t = unsubscribeToken("3f1c2a9e-0000-4000-8000-000000000001", secret);
    expect(readUnsubscribeToken(t, secret)).toEqual({ kind: "recipient", recipientId: "3f1c2a9e-0000-4000-8000-000000000001" });
    expect(readUnsubscribeToken(t, unsubscribeSecret("x".repeat(40)))).toBeNull();
    expect(readUnsubscribeToken(t.slice(0, -2) + "aa", secret)).toBeNull();
    expect(readUnsubscribeToken("3f1c2a9e-0000-4000-8000-000000000002." + t.split(".")[1], secret)).toBeNull();
    expect(readUnsubscribeToken(testToken("camp1", secret), secret)).toEqual({ kind: "test", campaignId: "camp1" });
    expect(secret).not.toContain("k".repeat(10));
  });

  it("every message carries RFC 8058 headers and its personal link", () => {
    const m = buildEmail(
      { from: "Acme <news@acme.test>", publicUrl: "https://crm.example.com", secret },
      { id: "camp1", number: 4, name: "Spring", subject: "Hi {{first_name}}", message: "Hello {{first_name}}" },
      { id: "rcpt1", email: "ana@x.test", token: "tok.sig" },
      { first_name: "Ana" },
    );
    expect(m.subject).toBe("Hi Ana");
    expect(m.headers["List-Unsubscribe"]).toBe("<https://crm.example.com/unsubscribe/tok.sig>");
    expect(m.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(m.text).toContain("Hello Ana");
    expect(m.text).toContain("https://crm.example.com/unsubscribe/tok.sig");
    expect(m.messageId).toBe("<rcpt1.camp1@acme.test>");
  });
});

it("progress bar", () => {
  expect(progressBar(0, 10, 10)).toBe("░░░░░░░░░░ 0%");
  expect(progressBar(5, 10, 10)).toBe("▓▓▓▓▓░░░░░ 50%");
  expect(progressBar(0, 0, 4)).toBe("▓▓▓▓ 100%");
});

describe("the raw message handed to SMTP", () => {
  it("has CRLF lines, folded headers that continue with whitespace, encoded non-ASCII words, and a quoted-printable body", async () => {
    const { composeMessage, parseSender } = await import("../adapters/email/transport.ts");
    const from = parseSender("Ácme Sales, Inc. <news@acme.test>");
    expect(from).toEqual({ header: "=?UTF-8?Q?=C3=81cme_Sales=2C_Inc=2E?= <news@acme.test>", address: "news@acme.test" });
    expect(parseSender('"Acme, Inc." <n@a.test>').header).toBe('"Acme, Inc." <n@a.test>');
    expect(parseSender("Acme Sales <n@a.test>").header).toBe("Acme Sales <n@a.test>");
    const raw = composeMessage(
      {
        from: "ignored",
        to: "ana@x.test\r\nBcc: evil@x.test",
        subject: "Héllo Ana, a long subject that has to be folded somewhere because it is long",
        text: "Hi Ána\nline = two\n.\nend",
        headers: { "List-Unsubscribe": `<https://crm.example.com/unsubscribe/${"x".repeat(80)}>` },
        messageId: "<r1.c1@acme.test>",
      },
      from.header,
      new Date(0),
    );
    const [head, body] = raw.split("\r\n\r\n");
    expect(raw.replace(/\r\n/g, "")).not.toMatch(/\n|\r/);
    for (const line of head.split("\r\n").slice(1)) expect(line).toMatch(/^([A-Za-z-]+:( |$)|[ \t])/);
    expect(head).toContain("Subject: =?UTF-8?Q?H=C3=A9llo?= Ana,");
    expect(head).toContain("Date: Thu, 01 Jan 1970 00:00:00 +0000");
    expect(head).toContain("To: ana@x.test Bcc: evil@x.test"); // no header injection
    expect(head).not.toMatch(/^Bcc:/m);
    expect(body).toBe("Hi =C3=81na\r\nline =3D two\r\n.\r\nend");
  });
});
