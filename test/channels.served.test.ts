// A server that runs neither Slack nor Discord (the console alone) refuses channel settings of those
// platforms at once, instead of saving them and then failing quietly on every deal change.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";

let t: TestApp;
let c: ConsoleSession;
beforeAll(async () => {
  t = await startTestApp();
  c = await consoleSession(t.url, "Console Only");
});
afterAll(async () => {
  await t.stop();
});

describe("channels of a platform this server does not run", () => {
  it("notify deals <#C…> on a server without Slack says so, shows the usage and saves nothing", async () => {
    const r = await c.run("notify deals <#C0123ABC>");
    expect(r.kind).toBe("error");
    expect(r.plain).toContain(
      "#C0123ABC is a Slack channel, but this server does not run Slack (SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is not set), so nothing could be posted there.",
    );
    expect(r.plain).toContain("Usage: /crm notify");
    const ws = await t.app.db.prisma.workspace.findUniqueOrThrow({ where: { id: c.workspaceId } });
    expect(JSON.stringify(ws)).not.toContain("C0123ABC");
    expect(await t.app.db.prisma.auditLog.count({ where: { workspaceId: c.workspaceId, action: { startsWith: "notify" } } })).toBe(0);
  });

  it("a Discord channel (a snowflake) on a server without Discord is refused the same way", async () => {
    const r = await c.run("notify tickets <#1234567890123456789>");
    expect(r.kind).toBe("error");
    expect(r.plain).toContain("is a Discord channel, but this server does not run Discord");
  });
});
