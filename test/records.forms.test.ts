// The Edit button through each platform's real path: on Slack a signed block_actions click opens a modal
// (views.open) with the deal's current values and a signed view_submission saves the change as the
// submitter; on Discord the button answers with a type 9 modal holding the values and the submission
// saves it. The contact card's New deal button opens a filled-in form and creates nothing until saved.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import {
  apiArgs,
  buttonClick,
  fixture as slackFixture,
  interactive,
  slackEnv,
  slackViewProblems,
  slashText,
  startFakeSlack,
} from "./helpers/slack.ts";
import {
  USER,
  buttonBody,
  buttonsOf,
  commandBody,
  discordEnv,
  discordLimitProblems,
  interact,
  modalSubmitBody,
  shown,
  startFakeDiscord,
  str,
  type FakeDiscord,
} from "./helpers/discord.ts";

let t: TestApp;
let slack: FakeServer;
let discord: FakeDiscord;
beforeAll(async () => {
  slack = await startFakeSlack();
  discord = await startFakeDiscord();
  t = await startTestApp({ ...slackEnv(slack), ...discordEnv(discord) });
});
afterAll(async () => {
  await t?.stop();
  await slack?.close();
  await discord?.close();
});

const prisma = () => t.app.db.prisma;

describe("Slack: Edit on a deal card", () => {
  const slackButtons = (answer: string): any[] =>
    (JSON.parse(answer).blocks ?? []).filter((b: any) => b.type === "actions").flatMap((b: any) => b.elements);
  const slackWs = async () =>
    (await prisma().platformLink.findFirstOrThrow({ where: { platform: "slack", externalId: "T111" } })).workspaceId;

  async function clickForm(button: any) {
    const before = slack.calls("/api/views.open").length;
    const click = buttonClick(slack, button);
    click.trigger_id = `333.${Date.now()}.edit-trigger`;
    expect((await interactive(t.url, click)).status).toBe(200);
    const opened = (await slack.waitFor("/api/views.open", before + 1))[before];
    return apiArgs(opened).view;
  }
  function submission(view: any, values: Record<string, string>) {
    const submit = slackFixture("view_submission.bolt_python.json");
    submit.team.id = "T111";
    submit.user = { ...submit.user, id: "W111", username: "W111", team_id: "T111" };
    submit.view = {
      ...submit.view,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: { values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: { type: "plain_text_input", value: v } }])) },
    };
    return submit;
  }

  it("the Edit button opens a modal with the current values; saving a new amount changes only the amount, as the submitter", async () => {
    await slashText(t.url, "contact add Ana Lopez company:Acme", slack);
    const created = await slashText(t.url, 'deal new "Acme renewal" 12k contact:C-1 close:2027-03-31', slack);
    const edit = slackButtons(created).find((b) => b.text.text === "Edit");
    expect(edit).toMatchObject({ action_id: expect.stringMatching(/^crm_form:/), value: "deal edit D-1" });
    const view = await clickForm(edit);
    expect(slackViewProblems(view)).toEqual([]);
    expect(view.title.text).toBe("Edit D-1");
    const initial = Object.fromEntries(view.blocks.map((b: any) => [b.block_id, b.element.initial_value]));
    expect(initial).toEqual({
      title: "Acme renewal",
      amount: "$12000",
      close: "2027-03-31",
      owner: expect.any(String),
      contact: "C-1",
      company: "A-1",
    });

    const bad = await (await interactive(t.url, submission(view, { ...initial, amount: "12.000" }))).json();
    expect(bad).toMatchObject({ response_action: "errors", errors: { amount: expect.stringContaining("12.000") } });

    const posted = slack.calls("/api/chat.postEphemeral").length;
    const res = await interactive(t.url, submission(view, { ...initial, amount: "15k" }));
    expect(res.status).toBe(200);
    const ws = await slackWs();
    const deal = await prisma().deal.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws, number: 1 } } });
    expect(deal.amount.toFixed(2)).toBe("15000.00");
    const audit = await prisma().auditLog.findFirstOrThrow({ where: { action: "deal.edit", entityId: deal.id }, include: { actor: true } });
    expect(audit.before).toEqual({ amount: "12000.00" });
    expect(audit.after).toEqual({ amount: "15000.00" });
    expect(audit.actor?.slackUserId).toBe("W111");
    const [answer] = (await slack.waitFor("/api/chat.postEphemeral", posted + 1)).slice(posted);
    expect(JSON.stringify(apiArgs(answer).blocks)).toContain("changed amount");
  });

  it("New deal on the contact card opens a form titled with the contact's name and creates nothing until saved", async () => {
    const card = await slashText(t.url, "contact show C-1", slack);
    const newDeal = slackButtons(card).find((b) => b.text.text === "New deal");
    expect(newDeal).toMatchObject({ action_id: expect.stringMatching(/^crm_form:/), value: "deal new contact:C-1" });
    const ws = await slackWs();
    const deals = await prisma().deal.count({ where: { workspaceId: ws } });
    const view = await clickForm(newDeal);
    expect(view.title.text).toBe("New deal for C-1");
    const title = view.blocks.find((b: any) => b.block_id === "title");
    expect(title.element.initial_value).toBe("Ana Lopez");
    expect(await prisma().deal.count({ where: { workspaceId: ws } })).toBe(deals);
    expect((await interactive(t.url, submission(view, { title: "Ana Lopez expansion", amount: "8k" }))).status).toBe(200);
    const made = await prisma().deal.findFirstOrThrow({
      where: { workspaceId: ws, title: "Ana Lopez expansion" },
      include: { contact: true },
    });
    expect(made.contact?.name).toBe("Ana Lopez");
    expect(made.amount.toFixed(2)).toBe("8000.00");
  });
});

describe("Discord: Edit on a ticket card", () => {
  const ok = (answer: any) => {
    expect(discordLimitProblems(answer.data ?? {})).toEqual([]);
    return answer;
  };

  it("the Edit button answers with a modal holding the ticket's values; the submission changes the priority as the submitter", async () => {
    const opened = ok(await interact(t.url, commandBody(["ticket", "new"], [str("subject", "Printer broken")])));
    const edit = buttonsOf(opened).find((b) => b.label === "Edit");
    expect(edit.custom_id).toBe("crm_form:ticket edit T-1");
    const res = ok(await interact(t.url, buttonBody(edit.custom_id, {}, 64)));
    expect(res.type).toBe(9);
    const modal = res.data;
    expect(modal.title).toBe("Edit T-1");
    expect(modal.custom_id).toBe("crm_modal:ticket edit T-1");
    const subject = modal.components.find((c: any) => c.component.custom_id === "subject");
    expect(subject.component.value).toBe("Printer broken");
    const priority = modal.components.find((c: any) => c.component.custom_id === "priority");
    expect(priority.component.options.find((o: any) => o.default)?.value).toBe("normal");

    const saved = ok(
      await interact(t.url, modalSubmitBody(modal.custom_id, { subject: "Printer broken", priority: ["urgent"] }, "labels")),
    );
    expect(shown(saved)).toContain("✏️ **T-1** Printer broken: changed priority.");
    const ws = (await prisma().platformLink.findFirstOrThrow({ where: { platform: "discord" } })).workspaceId;
    const ticket = await prisma().ticket.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws, number: 1 } } });
    expect(ticket.priority).toBe("urgent");
    const audit = await prisma().auditLog.findFirstOrThrow({
      where: { action: "ticket.edit", entityId: ticket.id },
      include: { actor: true },
    });
    expect(audit.actor?.discordUserId).toBe(USER);
    expect(await prisma().domainEvent.count({ where: { type: "ticket.changed", recordId: ticket.id } })).toBe(1);
  });
});
