// A record's name cannot add options to the commands of its buttons. A contact named
// `Bob" stage:won owner:<@U123> x` once turned the contact card's "New deal" button into
// `deal new "Bob" stage:won owner:<@U123> x" 0 …`: whoever clicked it created a won deal owned by U123.
// Through the real path (a signed /crm and a signed block_actions click): the deal is a lead owned by the
// person who clicked, titled with the whole name; the ticket button likewise keeps its default priority.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { buttonClick, interactive, slackEnv, slash, slashText, startFakeSlack } from "./helpers/slack.ts";
import { quoteArg } from "../src/parse/tokenize.ts";

const NAME = 'Bob" stage:won owner:<@U123> x';

let t: TestApp;
let slack: FakeServer;
beforeAll(async () => {
  slack = await startFakeSlack();
  t = await startTestApp(slackEnv(slack));
});
afterAll(async () => {
  await t?.stop();
  await slack?.close();
});

const db = () => t.app.db.prisma;

/** The contact card's button with this label, as Slack shows it. */
async function cardButton(key: string, label: string) {
  const card = await (await slash(t.url, `contact show ${key}`, slack)).json();
  const buttons = (card.blocks ?? []).filter((b: any) => b.type === "actions").flatMap((b: any) => b.elements);
  const button = buttons.find((e: any) => e.text?.text === label);
  expect(button, `${label} on ${JSON.stringify(buttons.map((e: any) => e.text?.text))}`).toBeDefined();
  return button;
}

/** Clicks it as W111 (the workspace's first user, who may create deals) and waits for the answer. */
async function click(button: { action_id: string; value: string }) {
  const body = buttonClick(slack, button);
  expect((await interactive(t.url, body)).status).toBe(200);
  await slack.waitFor(new URL(body.response_url).pathname, 1, 15_000);
}

describe("a contact's name in its card's buttons", () => {
  it("New deal creates a lead owned by the clicker, titled with the whole name, whatever the name says", async () => {
    await slashText(t.url, `contact add ${quoteArg(NAME)}`, slack); // W111, the first user: an admin
    // U123 is an agent of the workspace, so the injected owner:<@U123> would have resolved
    await slashText(t.url, "help", slack, { user: "U123", userName: "mallory" });
    expect(await slashText(t.url, "role <@U123> agent", slack)).toContain("agent");
    const contact = await db().contact.findFirstOrThrow({ where: { name: NAME } });
    const button = await cardButton(`C-${contact.number}`, "New deal");
    await click(button);

    const deal = await db().deal.findFirstOrThrow({ where: { contactId: contact.id }, include: { stage: true, owner: true } });
    expect(deal.title).toBe(NAME);
    expect(deal.stage.name).toBe("lead");
    expect(deal.stage.isWon).toBe(false);
    expect(deal.owner?.slackUserId).toBe("W111");
  });

  it("New ticket keeps the whole name in its subject and adds no option", async () => {
    const contact = await db().contact.findFirstOrThrow({ where: { name: NAME } });
    await db().contact.update({ where: { id: contact.id }, data: { name: 'Eve" priority:urgent assign:<@U123> x' } });
    await click(await cardButton(`C-${contact.number}`, "New ticket"));
    const ticket = await db().ticket.findFirstOrThrow({ where: { requesterId: contact.id }, include: { assignee: true } });
    expect(ticket.subject).toBe('Request from Eve" priority:urgent assign:<@U123> x');
    expect(ticket.priority).toBe("normal");
    expect(ticket.assignee?.slackUserId).not.toBe("U123");
  });
});
