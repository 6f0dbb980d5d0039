// A record's name cannot add options to the commands of its buttons. A contact named
// `Bob" stage:won owner:<@U123> x` once turned the contact card's "New deal" button into
// `deal new "Bob" stage:won owner:<@U123> x" 0 …`: whoever clicked it created a won deal owned by U123.
// Now New deal and New ticket are form buttons whose command holds only the contact's key; the name is a
// field's value in the form. Through the real path (a signed /crm, a signed block_actions click, a signed
// view_submission): the deal is a lead owned by the person who saved it, titled with the whole name; the
// ticket keeps its default priority.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { apiArgs, buttonClick, fixture, interactive, slackEnv, slash, slashText, startFakeSlack } from "./helpers/slack.ts";
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

/** Clicks the form button as W111 (the workspace's first user, who may create deals) and returns the modal Slack was asked to open. */
async function openForm(button: { action_id: string; value: string }) {
  const before = slack.calls("/api/views.open").length;
  const body = buttonClick(slack, button);
  body.trigger_id = `444.${Date.now()}.form`;
  expect((await interactive(t.url, body)).status).toBe(200);
  return apiArgs((await slack.waitFor("/api/views.open", before + 1, 15_000))[before]).view;
}

/** Saves the modal with its fields as filled in (the initial values) plus `extra`. */
async function save(view: any, extra: Record<string, string> = {}) {
  const values: Record<string, string> = {};
  for (const b of view.blocks) {
    const v = b.element.initial_value ?? b.element.initial_option?.value;
    if (v) values[b.block_id] = v;
  }
  Object.assign(values, extra);
  const submit = fixture("view_submission.bolt_python.json");
  submit.team.id = "T111";
  submit.user = { ...submit.user, id: "W111", username: "W111", team_id: "T111" };
  submit.view = {
    ...submit.view,
    callback_id: view.callback_id,
    private_metadata: view.private_metadata,
    state: { values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: { type: "plain_text_input", value: v } }])) },
  };
  expect((await interactive(t.url, submit)).status).toBe(200);
}

describe("a contact's name in its card's buttons", () => {
  it("New deal's command holds only the key; its form's title is the whole name; saved, it is a lead owned by the saver", async () => {
    await slashText(t.url, `contact add ${quoteArg(NAME)}`, slack); // W111, the first user: an admin
    // U123 is an agent of the workspace, so the injected owner:<@U123> would have resolved
    await slashText(t.url, "help", slack, { user: "U123", userName: "mallory" });
    expect(await slashText(t.url, "role <@U123> agent", slack)).toContain("agent");
    const contact = await db().contact.findFirstOrThrow({ where: { name: NAME } });
    const button = await cardButton(`C-${contact.number}`, "New deal");
    expect(button.value).toBe(`deal new contact:C-${contact.number}`);
    const view = await openForm(button);
    expect(view.blocks.find((b: any) => b.block_id === "title").element.initial_value).toBe(NAME);
    expect(await db().deal.count({ where: { contactId: contact.id } })).toBe(0);
    await save(view, { amount: "0" });

    const deal = await db().deal.findFirstOrThrow({ where: { contactId: contact.id }, include: { stage: true, owner: true } });
    expect(deal.title).toBe(NAME);
    expect(deal.stage.name).toBe("lead");
    expect(deal.stage.isWon).toBe(false);
    expect(deal.owner?.slackUserId).toBe("W111");
  });

  it("New ticket keeps the whole name in its subject and adds no option", async () => {
    const contact = await db().contact.findFirstOrThrow({ where: { name: NAME } });
    await db().contact.update({ where: { id: contact.id }, data: { name: 'Eve" priority:urgent assign:<@U123> x' } });
    const button = await cardButton(`C-${contact.number}`, "New ticket");
    expect(button.value).toBe(`ticket new contact:C-${contact.number}`);
    await save(await openForm(button));
    const ticket = await db().ticket.findFirstOrThrow({ where: { requesterId: contact.id }, include: { assignee: true } });
    expect(ticket.subject).toBe('Request from Eve" priority:urgent assign:<@U123> x');
    expect(ticket.priority).toBe("normal");
    expect(ticket.assignee?.slackUserId).not.toBe("U123");
  });
});
