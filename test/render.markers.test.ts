// Bold and italic markers hug the words: Slack (and Discord) leave `*Stage history\n*` as literal asterisks,
// because a closing marker after a space or a line break closes nothing. Cards build such spans
// (b("Stage history\n"), b("Your follow-ups: ")), so both renderers move the whitespace outside.
import { describe, expect, it } from "vitest";
import { mrkdwn } from "../adapters/slack/render.ts";
import { markdown } from "../adapters/discord/render.ts";
import { b, i, s } from "../src/reply/reply.ts";

describe("bold and italic spans with whitespace at their ends", () => {
  it("Slack: the markers go inside the line break and the spaces", () => {
    expect(mrkdwn([b("Stage history\n"), s("Lead → Won")])).toBe("*Stage history*\nLead → Won");
    expect(mrkdwn([b("Your follow-ups: "), s("3")])).toBe("*Your follow-ups:* 3");
    expect(mrkdwn([s("due "), i(" tomorrow ")])).toBe("due  _tomorrow_ ");
  });
  it("Slack: a span of whitespace only stays as it is, without markers", () => {
    expect(mrkdwn([s("a"), b("  "), s("b")])).toBe("a  b");
  });
  it("Slack: text that needs escaping keeps its escapes inside the markers", () => {
    expect(mrkdwn([b("<Acme & Co>\n")])).toBe("*&lt;Acme &amp; Co&gt;*\n");
  });
  it("Discord does the same", () => {
    expect(markdown([b("Stage history\n"), s("x")])).toBe("**Stage history**\nx");
  });
});
