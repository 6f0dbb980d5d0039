// One CRM across Slack and Discord: a linked Slack workspace and Discord server see the same deal;
// an unlinked server sees nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { slackEnv, slash, startFakeSlack } from "./helpers/slack.ts";
import {
  GUILD,
  OTHER_GUILD,
  PLAIN_MEMBER,
  USER,
  commandBody,
  discordEnv,
  interact,
  shown,
  startFakeDiscord,
  str,
} from "./helpers/discord.ts";

let t: TestApp;
let fakeSlack: FakeServer;
let fakeDiscord: FakeServer;
beforeAll(async () => {
  fakeSlack = await startFakeSlack();
  fakeDiscord = await startFakeDiscord();
  t = await startTestApp({ ...slackEnv(fakeSlack), ...discordEnv(fakeDiscord) });
});
afterAll(async () => {
  await t.stop();
  await fakeSlack.close();
  await fakeDiscord.close();
});

const slackText = async (text: string, who = {}) => JSON.stringify(await (await slash(t.url, text, fakeSlack, who)).json());
const discord = async (path: string[], opts: { name: string; type: number; value?: string | number | boolean }[] = [], who = {}) =>
  shown(await interact(t.url, commandBody(path, opts, who)));

describe("/crm link", () => {
  let code = "";
  it("Slack's admin gets a one-time code", async () => {
    await slackText('deal new "Shared deal" 10k');
    const out = await slackText("link");
    code = /([A-Z2-9]{4}-[A-Z2-9]{4})/.exec(out)![1];
    expect(out).toContain("within 10 minutes");
  });

  it("before linking, the Discord server is a separate tenant and sees nothing", async () => {
    expect(await discord(["deal", "show"], [str("deal", "D-1")])).toContain("No deal D-1 in this workspace");
  });

  it("a non-admin on Discord cannot redeem; the admin can, once", async () => {
    // the server's manager is its admin; an ordinary member the admin made an agent may not link
    expect(await discord(["role", "set"], [{ name: "member", type: 6, value: "1300000000000000099" }, str("role", "agent")])).toContain(
      "is now agent",
    );
    expect(await discord(["link"], [str("code", code)], { user: "1300000000000000099", permissions: PLAIN_MEMBER })).toContain(
      "Only admins can link",
    );
    expect(await discord(["link"], [str("code", code.toLowerCase())])).toContain("Linked");
    expect(await discord(["link"], [str("code", code)])).toMatch(/unknown, expired or already used/);
  });

  it("both platforms now see and change the same deal", async () => {
    expect(await discord(["deal", "show"], [str("deal", "D-1")])).toContain("Shared deal");
    expect(await discord(["deal", "move"], [str("deal", "D-1"), str("stage", "proposal")])).toContain("moved lead → proposal");
    expect(await slackText("deal show D-1")).toContain("proposal");
    const links = await t.app.db.prisma.platformLink.findMany();
    const slackWs = links.find((l) => l.platform === "slack")!.workspaceId;
    expect(links.find((l) => l.externalId === GUILD)!.workspaceId).toBe(slackWs);
    // members stay per platform, in the one workspace
    const members = await t.app.db.prisma.member.findMany({ where: { workspaceId: slackWs } });
    expect(members.some((m) => m.slackUserId === "W111")).toBe(true);
    expect(members.some((m) => m.discordUserId === USER)).toBe(true);
    expect(await t.app.db.prisma.auditLog.count({ where: { workspaceId: slackWs, action: "link.join" } })).toBe(1);
  });

  it("another, unlinked server still sees nothing", async () => {
    expect(await discord(["deal", "show"], [str("deal", "D-1")], { guild: OTHER_GUILD })).toContain("No deal D-1 in this workspace");
  });

  it("an expired code is refused", async () => {
    const out = await slackText("link");
    expect(out).toContain("already linked"); // this workspace already has a Discord server
    await t.app.db.prisma.linkCode.create({
      data: {
        workspaceId: (await t.app.db.prisma.platformLink.findFirstOrThrow({ where: { externalId: OTHER_GUILD } })).workspaceId,
        code: "OLDC-ODE2",
        platform: "discord",
        expiresAt: new Date(Date.now() - 1000),
      },
    });
    expect(await slackText("link OLDC-ODE2", { team: "T555", user: "U555" })).toMatch(/unknown, expired or already used/);
  });

  it("unlink takes Discord out again; the records stay with Slack", async () => {
    expect(await discord(["unlink"])).toContain("Unlinked");
    expect(await discord(["deal", "show"], [str("deal", "D-1")])).toContain("No deal D-1 in this workspace");
    expect(await slackText("deal show D-1")).toContain("Shared deal");
  });
});
