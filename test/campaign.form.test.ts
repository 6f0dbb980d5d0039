// A campaign created without message: gets a "Write the message" button. On Slack it opens a modal
// (views.open with the click's trigger_id), on Discord a type 9 modal; submitting runs
// `campaign message K-n <text>` as the person who submitted, and a refused message writes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import {
  apiArgs,
  buttonClick,
  fixture as slackFixture,
  interactive,
  sendSigned,
  slackEnv,
  slackViewProblems,
  slashBody,
  slashText,
  startFakeSlack,
} from "./helpers/slack.ts";
import {
  PLAIN_MEMBER,
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
import { commands } from "../src/commands/registry.ts";
import { formOf } from "../src/commands/forms.ts";
import { parseText } from "../src/commands/engine.ts";
import { modalFor } from "../adapters/discord/modals.ts";
import { modalView } from "../adapters/slack/modals.ts";

let t: TestApp;
let slack: FakeServer;
let discord: FakeDiscord;
beforeAll(async () => {
  slack = await startFakeSlack();
  discord = await startFakeDiscord();
  // email campaigns only need to be creatable here (nothing is sent): the relay is never dialled
  t = await startTestApp({
    ...slackEnv(slack),
    ...discordEnv(discord),
    SMTP_URL: "smtp://127.0.0.1:9",
    MAIL_FROM: "sales@acme.test",
    PUBLIC_URL: "https://crm.example.com",
    ENCRYPTION_KEY: "campaign-form-test-key-0123456789abcdef",
  });
});
afterAll(async () => {
  await t?.stop();
  await slack?.close();
  await discord?.close();
});

const prisma = () => t.app.db.prisma;
const VARIABLES = ["{{first_name}}", "{{company}}", "{{owner}}"];

describe("Slack: the message in a modal", () => {
  const slackCampaign = async (number: number) => {
    const ws = (await prisma().platformLink.findFirstOrThrow({ where: { platform: "slack", externalId: "T111" } })).workspaceId;
    return prisma().campaign.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws, number } } });
  };
  const messageAudits = async (number: number) =>
    prisma().auditLog.count({ where: { action: "campaign.message", entityId: (await slackCampaign(number)).id } });
  const slackButtons = (answer: string): any[] =>
    (JSON.parse(answer).blocks ?? []).filter((b: any) => b.type === "actions").flatMap((b: any) => b.elements);

  /** Clicks a form button and returns the views.open Slack received for it (with how long it took). */
  async function clickForm(button: any, user = "W111") {
    const before = slack.calls("/api/views.open").length;
    const click = buttonClick(slack, button, { user });
    click.trigger_id = `222.${Date.now()}.form-trigger`;
    const started = Date.now();
    const res = await interactive(t.url, click);
    expect(res.status).toBe(200);
    const opened = (await slack.waitFor("/api/views.open", before + 1))[before];
    return { args: apiArgs(opened), view: apiArgs(opened).view, ms: opened.at - started, click };
  }

  /** A view_submission of that view, by user, with the message field set to text. */
  function submission(view: any, values: Record<string, string>, user = "W111") {
    const submit = slackFixture("view_submission.bolt_python.json");
    submit.team.id = "T111";
    submit.user = { ...submit.user, id: user, username: user, team_id: "T111" };
    submit.view = {
      ...submit.view,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: { values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: { type: "plain_text_input", value: v } }])) },
    };
    return submit;
  }

  let view: any;
  it("campaign new without message: offers 'Write the message'; the click opens a modal with a multi-line input and the variables", async () => {
    const created = await slashText(t.url, 'campaign new "Spring launch" segment:all channel:slack', slack);
    expect(created).toContain("Created");
    const write = slackButtons(created).find((b) => b.text.text === "Write the message");
    expect(write).toMatchObject({ action_id: expect.stringMatching(/^crm_form:/), value: "campaign message K-1" });

    const { args, view: v, ms, click } = await clickForm(write);
    view = v;
    expect(args.trigger_id).toBe(click.trigger_id);
    expect(ms).toBeLessThan(3000); // the trigger_id expires 3 s after the click
    expect(slackViewProblems(view)).toEqual([]);
    expect(view.callback_id).toBe("crm_modal");
    expect(view.title.text).toBe("Message of K-1");
    // a Slack campaign has no subject: one field, the message
    expect(view.blocks.map((b: any) => b.block_id)).toEqual(["text"]);
    const [field] = view.blocks;
    expect(field).toMatchObject({
      type: "input",
      optional: false,
      element: { type: "plain_text_input", multiline: true, max_length: 2000 },
    });
    expect(field.element.initial_value).toBeUndefined();
    for (const v of VARIABLES) expect(field.hint.text).toContain(v);
  });

  it("an invalid message comes back as inline errors and writes nothing", async () => {
    expect(await slashText(t.url, "role <@W222> agent", slack)).toContain("is now agent");
    const refused: [string, Record<string, string>, RegExp, string?][] = [
      ["unknown variable", { text: "Hi {{frist_name}}, v2 is out" }, /\{\{frist_name\}\}/],
      ["too long", { text: "x".repeat(2001) }, /too long/],
      ["empty", { text: "   " }, /missing/],
      // submitted by an agent: the command runs as the person who submits, and agents cannot edit campaigns
      ["an agent", { text: "Hi {{first_name}}" }, /managers/i, "W222"],
    ];
    for (const [what, values, says, user] of refused) {
      const res = await interactive(t.url, submission(view, values, user));
      expect(res.status, what).toBe(200);
      const body = await res.json();
      expect(body.response_action, what).toBe("errors");
      expect(Object.keys(body.errors), what).toEqual(["text"]);
      expect(body.errors.text, what).toMatch(says);
      expect(body.errors.text.length).toBeLessThanOrEqual(150);
    }
    expect((await slackCampaign(1)).message).toBeNull();
    expect(await messageAudits(1)).toBe(0);
  });

  it("a valid submission saves the message as the submitter and answers in the channel, privately", async () => {
    const before = slack.calls("/api/chat.postEphemeral").length;
    const res = await interactive(t.url, submission(view, { text: "Hi {{first_name|there}}, v2 is live at {{company}}" }));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(""); // the modal closes
    const k = await slackCampaign(1);
    expect(k.message).toBe("Hi {{first_name|there}}, v2 is live at {{company}}");
    const audit = await prisma().auditLog.findFirstOrThrow({
      where: { action: "campaign.message", entityId: k.id },
      include: { actor: true },
    });
    expect(audit.actor?.slackUserId).toBe("W111");
    const [posted] = (await slack.waitFor("/api/chat.postEphemeral", before + 1)).slice(before);
    expect(apiArgs(posted)).toMatchObject({ channel: "C111", user: "W111" });
    expect(JSON.stringify(apiArgs(posted).blocks)).toContain("saved");
  });

  it("'Edit the message' opens the modal with the current message filled in", async () => {
    const preview = await slashText(t.url, "campaign preview K-1", slack);
    const edit = slackButtons(preview).find((b) => b.text.text === "Edit the message");
    expect(edit?.value).toBe("campaign message K-1");
    const { view: v } = await clickForm(edit);
    expect(v.blocks[0].element.initial_value).toBe("Hi {{first_name|there}}, v2 is live at {{company}}");
    view = v;
  });

  it("once the campaign is no longer a draft, the submission is refused inline and the button says why", async () => {
    expect(await slashText(t.url, "campaign cancel K-1", slack)).toContain("cancelled");
    const body = await (await interactive(t.url, submission(view, { text: "Too late {{first_name}}" }))).json();
    expect(body).toMatchObject({ response_action: "errors", errors: { text: expect.stringContaining("K-1 is cancelled") } });
    expect((await slackCampaign(1)).message).toBe("Hi {{first_name|there}}, v2 is live at {{company}}");
    expect(await messageAudits(1)).toBe(1);

    const opens = slack.calls("/api/views.open").length;
    const click = buttonClick(slack, { action_id: "crm_form:0:0", value: "campaign message K-1" });
    await interactive(t.url, click);
    const [said] = await slack.waitFor(new URL(click.response_url).pathname);
    expect(JSON.stringify(said.body)).toContain("K-1 is cancelled");
    expect((said.body as any).replace_original).toBe(false);
    expect(slack.calls("/api/views.open").length).toBe(opens);
  });

  it("an email campaign's form also asks for the subject, filled in; /crm campaign message K-2 typed alone opens it", async () => {
    await slashText(t.url, 'campaign new "Newsletter" segment:all channel:email subject:"News for {{company}}"', slack);
    const before = slack.calls("/api/views.open").length;
    const body = slashBody("campaign message K-2", slack);
    const res = await sendSigned(t.url, body, "application/x-www-form-urlencoded");
    expect(res.status).toBe(200);
    const opened = (await slack.waitFor("/api/views.open", before + 1))[before];
    const v = apiArgs(opened).view;
    expect(apiArgs(opened).trigger_id).toBe(new URLSearchParams(body).get("trigger_id"));
    expect(slackViewProblems(v)).toEqual([]);
    expect(v.blocks.map((b: any) => b.block_id)).toEqual(["text", "subject"]);
    expect(v.blocks[1].element.initial_value).toBe("News for {{company}}");
    const bad = await (await interactive(t.url, submission(v, { text: "Hello", subject: "Hi {{nme}}" }))).json();
    expect(bad).toMatchObject({ response_action: "errors", errors: { subject: expect.stringContaining("{{nme}}") } });
    expect((await interactive(t.url, submission(v, { text: "Hello {{first_name}}", subject: "Hi {{first_name}}" }))).status).toBe(200);
    expect(await slackCampaign(2)).toMatchObject({ message: "Hello {{first_name}}", subject: "Hi {{first_name}}" });
  });
});

describe("Discord: the message in a modal", () => {
  const discordCampaign = async (number: number) => {
    const ws = (await prisma().platformLink.findFirstOrThrow({ where: { platform: "discord" } })).workspaceId;
    return prisma().campaign.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws, number } } });
  };
  const ok = (answer: any) => {
    expect(discordLimitProblems(answer.data ?? {})).toEqual([]);
    return answer;
  };
  let modal: any;

  it("campaign new without message: the 'Write the message' button answers with a type 9 modal holding a paragraph input", async () => {
    const created = ok(
      await interact(
        t.url,
        commandBody(["campaign", "new"], [str("name", "Community news"), str("segment", "all"), str("channel", "discord")]),
      ),
    );
    expect(created.type).toBe(4);
    const write = buttonsOf(created).find((b) => b.label === "Write the message");
    expect(write.custom_id).toBe("crm_form:campaign message K-1");

    const res = await interact(t.url, buttonBody(write.custom_id, {}, 64));
    expect(res.type).toBe(9);
    modal = res.data;
    expect(modal.custom_id).toBe("crm_modal:campaign message K-1");
    expect(modal.custom_id.length).toBeLessThanOrEqual(100);
    expect(modal.title).toBe("Message of K-1");
    expect(modal.components).toHaveLength(1);
    const [label] = modal.components;
    expect(label).toMatchObject({ type: 18, component: { type: 4, custom_id: "text", style: 2, required: true, max_length: 2000 } });
    expect(label.label.length).toBeLessThanOrEqual(45);
    expect(label.description.length).toBeLessThanOrEqual(100);
    for (const v of VARIABLES) expect(label.description).toContain(v);
    expect(label.component.value).toBeUndefined();
  });

  it("an invalid submission answers privately with what was wrong and the command's form, and changes nothing", async () => {
    let retry: any;
    for (const [fields, says] of [
      [{ text: "y".repeat(2001) }, "too long"],
      [{ text: "Hey {{frist_name}}" }, "Unknown variable in the message"],
    ] as const) {
      const bad = ok(await interact(t.url, modalSubmitBody(modal.custom_id, fields, "labels")));
      expect(bad.type).toBe(4);
      expect(bad.data.flags).toBe(64);
      expect(bad.data.embeds[0].color).toBe(0xe74c3c);
      expect(shown(bad)).toContain(says);
      expect(shown(bad)).toContain("/crm campaign message <K-ref> <text...>");
      retry = buttonsOf(bad).find((b) => b.label === "Try again");
    }
    // Discord closed the modal: "Try again" opens it with what was typed, so nothing is lost
    expect(retry.custom_id).toBe("crm_form:campaign message K-1");
    const again = await interact(t.url, buttonBody(retry.custom_id, {}, 64));
    expect(again.type).toBe(9);
    expect(again.data.components[0].component.value).toBe("Hey {{frist_name}}");
    // an agent submits: refused as that agent
    expect(
      shown(
        await interact(
          t.url,
          commandBody(["role", "set"], [{ name: "member", type: 6, value: "1300000000000000002" }, str("role", "agent")]),
        ),
      ),
    ).toContain("is now agent");
    const agent = ok(
      await interact(
        t.url,
        modalSubmitBody(modal.custom_id, { text: "Hey {{first_name}}" }, "rows", {
          user: "1300000000000000002",
          userName: "Bo",
          permissions: PLAIN_MEMBER,
        }),
      ),
    );
    expect(shown(agent)).toMatch(/managers/i);
    expect((await discordCampaign(1)).message).toBeNull();
    expect(await prisma().auditLog.count({ where: { action: "campaign.message", entityId: (await discordCampaign(1)).id } })).toBe(0);
  });

  it("the submission sets the message as the submitter, in either layout, and 'Edit the message' shows it (not the old draft)", async () => {
    for (const [shape, text] of [
      ["rows", "Hey {{first_name}}!"],
      ["labels", "Hey {{first_name|friend}}, news from {{owner}}"],
    ] as const) {
      const saved = ok(await interact(t.url, modalSubmitBody(modal.custom_id, { text }, shape)));
      expect(saved.type).toBe(4);
      expect(saved.data.flags).toBe(64);
      expect(shown(saved)).toContain("saved");
      expect((await discordCampaign(1)).message).toBe(text);
    }
    const audit = await prisma().auditLog.findFirstOrThrow({
      where: { action: "campaign.message", entityId: (await discordCampaign(1)).id },
      include: { actor: true },
      orderBy: { at: "desc" },
    });
    expect(audit.actor?.discordUserId).toBe(USER);

    const preview = ok(await interact(t.url, commandBody(["campaign", "preview"], [str("campaign", "K-1")])));
    const edit = buttonsOf(preview).find((b) => b.label === "Edit the message");
    const reopened = await interact(t.url, buttonBody(edit.custom_id, {}, 64));
    expect(reopened.type).toBe(9);
    expect(reopened.data.components[0].component.value).toBe("Hey {{first_name|friend}}, news from {{owner}}");
  });

  it("once the campaign is cancelled, the button and the form both say so and nothing changes", async () => {
    ok(await interact(t.url, commandBody(["campaign", "cancel"], [str("campaign", "K-1")])));
    const click = ok(await interact(t.url, buttonBody("crm_form:campaign message K-1", {}, 64)));
    expect(click.type).toBe(4);
    expect(click.data.flags).toBe(64);
    expect(shown(click)).toContain("K-1 is cancelled");
    const late = ok(await interact(t.url, modalSubmitBody(modal.custom_id, { text: "Too late" }, "labels")));
    expect(shown(late)).toContain("K-1 is cancelled");
    expect((await discordCampaign(1)).message).toBe("Hey {{first_name|friend}}, news from {{owner}}");
  });
});

describe("forms as data", () => {
  const form = (text: string, values: Record<string, string> = {}) => formOf(parseText(commands, text), text, { values });

  it("a command too long for Discord's custom_id keeps it in the stash under a hash", () => {
    const text = `campaign message "${"Long campaign name ".repeat(6)}"`;
    const stash: Record<string, string> = {};
    const m: any = modalFor(form(text), stash);
    expect(m.custom_id).toMatch(/^crm_modal#[\w-]{22}$/);
    expect(Object.values(stash)).toEqual([text]);
  });

  it("a prefilled value longer than a field allows is cut to fit, on both platforms", () => {
    const f = form("campaign message K-1", { text: "z".repeat(2500) });
    expect(slackViewProblems(modalView(f, {}))).toEqual([]);
    expect((modalFor(f) as any).components[0].component.value).toHaveLength(2000);
  });
});
