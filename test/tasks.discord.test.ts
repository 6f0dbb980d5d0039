// Follow-ups on Discord through the real path: signed interactions in, the reminder DM out through the Discord
// delivery port (a DM channel, then one message) on a fake REST API, once, with Done / Snooze buttons that work.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import {
  USER,
  buttonBody,
  buttonsOf,
  channelMessagesPath,
  commandBody,
  discordEnv,
  interact,
  originalPath,
  payloadOf,
  shown,
  startFakeDiscord,
  str,
  type FakeDiscord,
} from "./helpers/discord.ts";
import { until } from "./helpers/until.ts";

let t: TestApp;
let fake: FakeDiscord;
const DM = `19${USER.slice(2)}`;
const prisma = () => t.app.db.prisma;
const dms = (match: RegExp) => fake.calls(channelMessagesPath(DM)).filter((r) => match.test(JSON.stringify(payloadOf(r))));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The answer to an interaction: the response itself, or the edit of the original when it was deferred. */
async function answer(body: any): Promise<any> {
  const res = await interact(t.url, body);
  if (res.type !== 5 && res.type !== 6) return res;
  const [edit] = await fake.waitFor(originalPath(body.token), 1, 15_000);
  return payloadOf(edit);
}

beforeAll(async () => {
  fake = await startFakeDiscord();
  t = await startTestApp(discordEnv(fake));
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await fake?.close();
});

describe("follow-ups on Discord", () => {
  it("a task due soon is one DM with Done / Snooze buttons; Done marks it done", async () => {
    expect(shown(await answer(commandBody(["settings"], [str("tz", "Asia/Tokyo")])))).toContain("Asia/Tokyo");
    const added = shown(await answer(commandBody(["task", "add"], [str("what", "Call Ana"), str("due", "in 2 seconds")])));
    expect(added).toContain("F-1");
    expect(added).toContain("Asia/Tokyo");
    const [dm] = await until("the reminder DM", () => (dms(/F-1/).length ? dms(/F-1/) : null), { ms: 20_000 });
    expect(fake.calls("/api/v10/users/@me/channels").map((r) => (r.body as any).recipient_id)).toContain(USER);
    expect(JSON.stringify(payloadOf(dm))).toMatch(/⏰ Reminder: \*\*F-1\*\* Call Ana — due \*\*.* Asia\/Tokyo\*\*/);
    const buttons = buttonsOf(payloadOf(dm));
    expect(buttons.map((b: any) => b.label)).toEqual(["Done", "Snooze to tomorrow 9:00"]);
    await sleep(1500);
    expect(dms(/F-1/)).toHaveLength(1);

    expect(JSON.stringify(await answer(buttonBody(buttons[0].custom_id, {}, 0)))).not.toContain("⚠️");
    const ws = (await prisma().platformLink.findFirstOrThrow({ where: { platform: "discord" } })).workspaceId;
    await until("F-1 done", async () => (await prisma().task.findFirstOrThrow({ where: { workspaceId: ws, number: 1 } })).doneAt);
  });
});
