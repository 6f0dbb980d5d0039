// Find anything through the platforms' real paths: a signed Slack /crm search and a click on a list's More
// button (its answer on the click's response_url), and the same from Discord (a signed interaction with the
// search option, then the More button's custom id).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { buttonClick, interactive, slackEnv, slashText, startFakeSlack } from "./helpers/slack.ts";
import {
  buttonBody,
  buttonsOf,
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
import type { Actor } from "../src/domain/actor.ts";

let t: TestApp;
let slack: FakeServer;
let discord: FakeDiscord;

beforeAll(async () => {
  slack = await startFakeSlack();
  discord = await startFakeDiscord();
  t = await startTestApp({ ...slackEnv(slack), ...discordEnv(discord) });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await slack?.close();
  await discord?.close();
});

/** 22 more contacts of a workspace, added through the service (the lists are under test here, not adding) */
async function fill(platform: "slack" | "discord", externalId: string) {
  const p = t.app.db.prisma;
  const { workspaceId } = await p.platformLink.findFirstOrThrow({ where: { platform, externalId } });
  const m = await p.member.findFirstOrThrow({ where: { workspaceId, role: "admin" } });
  const actor: Actor = { workspaceId, memberId: m.id, name: m.name, role: "admin", platform };
  for (let i = 1; i <= 22; i++) await t.app.services.contacts.add(actor, { name: `Filler Person${i}` });
}

describe("on Slack", () => {
  it('/crm search zoe answers "Zoë" grouped by kind, and the More of contact list pages on when clicked', async () => {
    expect(await slashText(t.url, "contact add Zoë Martin email:zoe@globex.io company:Globex", slack)).toContain("C-1");
    expect(await slashText(t.url, 'deal new "Zoë pilot" 3k contact:C-1', slack)).toContain("D-1");
    const found = JSON.parse(await slashText(t.url, "search zoe", slack));
    const text = JSON.stringify(found.blocks);
    expect(text).toContain("*Contacts*");
    expect(text).toContain("*C-1* Zoë Martin · zoe@globex.io · Globex");
    expect(text).toContain("*D-1* Zoë pilot · $3,000 · lead");

    await fill("slack", "T111");
    const list = JSON.parse(await slashText(t.url, "contact list", slack));
    const buttons = list.blocks.filter((b: any) => b.type === "actions").flatMap((b: any) => b.elements);
    const more = buttons.find((b: any) => b.text.text === "More");
    expect(more.value).toBe("contact list after:C-20");
    const click = buttonClick(slack, { action_id: more.action_id, value: more.value });
    expect((await interactive(t.url, click)).status).toBe(200);
    const [answer] = await slack.waitFor(new URL(click.response_url).pathname, 1, 15_000);
    const page = JSON.stringify((answer.body as any).blocks);
    expect(page).toContain("Contacts after C-20 (23)");
    expect(page).toContain("*C-21* Filler Person20");
    expect(page).toContain("*C-23* Filler Person22");
    expect(page).not.toContain("More");
  });
});

describe("on Discord", () => {
  /** the answer to an interaction: the response itself, or the edit of the original when it was deferred */
  async function answer(body: any): Promise<any> {
    const res = await interact(t.url, body);
    if (res.type !== 5 && res.type !== 6) return res;
    const [edit] = await discord.waitFor(originalPath(body.token), 1, 15_000);
    return payloadOf(edit);
  }

  it("/crm search with the text option finds Lopez for Lopes; More of contact list is a button that pages on", async () => {
    expect(shown(await answer(commandBody(["contact", "add"], [str("name", "Ana Lopez"), str("email", "ana@acme.com")])))).toContain("C-1");
    const found = shown(await answer(commandBody(["search"], [str("text", "Lopes")])));
    expect(found).toContain("Contacts");
    expect(found).toContain("**C-1** Ana Lopez · ana@acme.com");

    await fill("discord", "1200000000000000001");
    const list = await answer(commandBody(["contact", "list"]));
    expect(shown(list)).toContain("Contacts (23)");
    const more = buttonsOf(list).find((b: any) => b.label === "More");
    expect(more.custom_id).toBe("crm:contact list after:C-20");
    const next = shown(await answer(buttonBody(more.custom_id, {}, 0)));
    expect(next).toContain("Contacts after C-20 (23)");
    expect(next).toContain("**C-21** Filler Person20");
    expect(next).not.toContain('"More"');
  });
});
