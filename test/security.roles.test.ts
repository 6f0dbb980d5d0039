// Roles close two smaller gaps (#11): an agent's log on a colleague's ticket would answer it for them
// (first response, resuming a waiting clock); a viewer could post revenue to a channel with digest post.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import {
  CHANNEL_MESSAGES,
  PLAIN_MEMBER,
  commandBody,
  discordEnv,
  interact,
  shown,
  startFakeDiscord,
  str,
  userOpt,
} from "./helpers/discord.ts";

let t: TestApp;
let fake: FakeServer;
let c: ConsoleSession;
beforeAll(async () => {
  fake = await startFakeDiscord();
  t = await startTestApp(discordEnv(fake));
  c = await consoleSession(t.url, "Roles Co", "Ada Admin");
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});
const prisma = () => t.app.db.prisma;

describe("an agent and a colleague's ticket", () => {
  it("an agent cannot log on a ticket assigned to another agent, so its first response stays unset; the assignee and a manager can", async () => {
    const ann = await c.addMember("Ann Agent", "agent");
    const bob = await c.addMember("Bob Agent", "agent");
    const mia = await c.addMember("Mia Manager", "manager");
    expect((await c.run("ticket new Login broken assign:Ann")).plain).toContain("T-1");
    const before = await prisma().interaction.count();
    const refused = await c.run("log note T-1 I answered it", bob);
    expect(refused.kind).toBe("error");
    expect(refused.plain).toContain("yours or unassigned");
    expect(await prisma().interaction.count()).toBe(before);
    expect((await prisma().ticket.findFirstOrThrow({ where: { workspaceId: c.workspaceId, number: 1 } })).firstResponseAt).toBeNull();
    expect((await c.run("log note T-1 Called the customer", ann)).kind).toBe("ok");
    expect((await prisma().ticket.findFirstOrThrow({ where: { workspaceId: c.workspaceId, number: 1 } })).firstResponseAt).not.toBeNull();
    expect((await c.run("log note T-1 Checked in", mia)).kind).toBe("ok");
    // an unassigned ticket is anyone's
    await c.run("ticket new Unassigned one");
    expect((await c.run("log note T-2 On it", bob)).kind).toBe("ok");
  });
});

describe("digest post", () => {
  it("a viewer cannot post the digest (revenue) to a channel; an admin can", async () => {
    const admin = "1300000000000000001";
    const viewer = "1300000000000000077";
    await interact(t.url, commandBody(["role", "set"], [userOpt("member", viewer), str("role", "viewer")], { user: admin }));
    const channel = "1500000000000000042";
    const refused = shown(await interact(t.url, commandBody(["digest", "post"], [], { user: viewer, permissions: PLAIN_MEMBER, channel })));
    expect(refused).toContain("Viewers can read");
    const posted = shown(await interact(t.url, commandBody(["digest", "post"], [], { user: admin, channel })));
    expect(posted).toContain("Posting the daily digest");
    const calls = await fake.waitFor(CHANNEL_MESSAGES, 1, 15_000);
    expect(calls.every((r) => r.path.includes(channel))).toBe(true);
    expect(calls).toHaveLength(1);
  });
});
