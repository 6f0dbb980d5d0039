// A response_url is followed only to Slack: https://hooks.slack.com on the default port, or the host of
// SLACK_API_URL (here the fake Slack). Requests signed correctly but pointing their response_url at
// another server (it records every request) get nothing posted there — not from a slash command, a
// button click or a queued job read back from Redis — while the same requests pointing at the Slack
// host are answered as usual.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { startFakeServer, type FakeServer } from "./helpers/fakeHttp.ts";
import { buttonClick, interactive, sendSigned, slackEnv, slash, slashBody, slashText, startFakeSlack } from "./helpers/slack.ts";
import { isAllowedResponseUrl } from "../adapters/slack/responseUrl.ts";
import { slackInvocation, slackSurface } from "../adapters/slack/surface.ts";
import { commandRunner } from "../src/commands/runner.ts";
import { commands } from "../src/commands/registry.ts";

let t: TestApp;
let slack: FakeServer;
let elsewhere: FakeServer;
beforeAll(async () => {
  slack = await startFakeSlack();
  elsewhere = await startFakeServer(() => ({ body: { ok: true } }));
  t = await startTestApp(slackEnv(slack));
});
afterAll(async () => {
  await t?.stop();
  await slack?.close();
  await elsewhere?.close();
});

const FORM = "application/x-www-form-urlencoded";
const contacts = (name: string) => t.app.db.prisma.contact.count({ where: { name } });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const elsewhereUrl = () => `${elsewhere.url}/response/${Math.random().toString(36).slice(2)}`;
function withResponseUrl(body: string, url: string): string {
  const form = new URLSearchParams(body);
  form.set("response_url", url);
  return form.toString();
}

describe("isAllowedResponseUrl", () => {
  const none = { SLACK_API_URL: undefined };
  it("takes https://hooks.slack.com on the default port and nothing that only looks like it", () => {
    expect(isAllowedResponseUrl("https://hooks.slack.com/commands/T1/2/abc", none)).toBe(true);
    expect(isAllowedResponseUrl("https://hooks.slack.com:443/actions/T1/2/abc", none)).toBe(true); // 443 is the default
    for (const bad of [
      "http://hooks.slack.com/commands/T1/2/abc",
      "https://hooks.slack.com:8443/commands/x",
      "https://hooks.slack.com.evil.test/x",
      "https://evil.test/hooks.slack.com/x",
      "https://user:pw@hooks.slack.com/x",
      "https://HOOKS.slack.com.evil.test/",
      "hooks.slack.com/x",
      "ftp://hooks.slack.com/x",
      "",
      "not a url",
      undefined,
      42,
    ])
      expect(isAllowedResponseUrl(bad, none), String(bad)).toBe(false);
  });

  it("takes SLACK_API_URL's host (hostname and port, same scheme) when it is set, and no other port or host", () => {
    const config = { SLACK_API_URL: "http://127.0.0.1:4100/api/" };
    expect(isAllowedResponseUrl("http://127.0.0.1:4100/response/x", config)).toBe(true);
    expect(isAllowedResponseUrl("https://hooks.slack.com/x", config)).toBe(true);
    for (const bad of [
      "http://127.0.0.1:4101/response/x",
      "https://127.0.0.1:4100/response/x",
      "http://localhost:4100/response/x",
      "http://127.0.0.1/x",
    ]) {
      expect(isAllowedResponseUrl(bad, config), bad).toBe(false);
    }
  });
});

describe("answers go only to Slack's response_url", () => {
  it("a signed /crm whose response_url is another server: nothing is posted there, the command does not run and the ack says why", async () => {
    const res = await sendSigned(t.url, withResponseUrl(slashBody("contact add Elsewhere Slash", slack), elsewhereUrl()), FORM);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("not Slack's");
    await pause(1500);
    expect(elsewhere.requests).toHaveLength(0);
    expect(await contacts("Elsewhere Slash")).toBe(0);
    // the same command with its response_url on the Slack host runs and is answered
    expect(await slashText(t.url, "contact add Elsewhere Slash", slack)).toContain("Elsewhere Slash");
    expect(await contacts("Elsewhere Slash")).toBe(1);
  });

  it("a button click whose response_url is another server: its answer is not posted there; on the Slack host it is", async () => {
    const created = await (await slash(t.url, 'deal new "Elsewhere Deal" 1k', slack)).json();
    const buttons = (created.blocks ?? []).filter((b: any) => b.type === "actions").flatMap((b: any) => b.elements);
    const show = buttons.find((e: any) => String(e.value ?? "").startsWith("deal show"));
    expect(show).toBeDefined();
    const foreign = { ...buttonClick(slack, show), response_url: elsewhereUrl() };
    expect((await interactive(t.url, foreign)).status).toBe(200);
    const home = buttonClick(slack, show);
    expect((await interactive(t.url, home)).status).toBe(200);
    await slack.waitFor(new URL(home.response_url).pathname, 1, 10_000);
    await pause(500);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("a queued command read back with another server as its response_url (Redis written by someone else) posts nothing there", async () => {
    const { config, services, logger } = t.app;
    const run = commandRunner({ services, commands, logger, surfaces: { slack: slackSurface({ config, services, logger }) } });
    const invocation = (body: string) =>
      slackInvocation(Object.fromEntries(new URLSearchParams(body)), "contact find Elsewhere", "command");
    await run(invocation(withResponseUrl(slashBody("contact find Elsewhere", slack), elsewhereUrl())));
    const home = invocation(slashBody("contact find Elsewhere", slack));
    await run(home);
    const [answer] = await slack.waitFor(new URL(String(home.answerTo!.responseUrl)).pathname, 1, 5_000);
    expect(JSON.stringify(answer.body)).toContain("Elsewhere Slash");
    expect(elsewhere.requests).toHaveLength(0);
  });
});
