// The pure parts of the Discord adapter: the command tree, option mapping, rendering inside Discord's
// limits, the 3-second decision, signatures, button ids and form parsing.
import { generateKeyPairSync, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { ActionRowBuilder, ButtonBuilder, EmbedAssertions, SlashCommandAssertions } from "discord.js";
import { describe, expect, it } from "vitest";
import { commands } from "../src/commands/registry.ts";
import { arg } from "../src/commands/args.ts";
import { defineCommand, type Command } from "../src/commands/define.ts";
import { errorReply, reply, s, b, code, link } from "../src/reply/reply.ts";
import { buildCommandTree, buildMessageCommands, commandIndex, discordPath } from "../adapters/discord/commandTree.ts";
import { DiscordAPIError, RateLimitError } from "@discordjs/rest";
import { mapDiscordError } from "../adapters/discord/delivery.ts";
import { shareCommandFor } from "../src/commands/share.ts";
import { TICKET_EMOJI, messageText } from "../adapters/discord/tickets.ts";
import { PermanentDeliveryError, RateLimitedError } from "../src/delivery/port.ts";
import { resolveInvocation } from "../adapters/discord/options.ts";
import { escapeDiscord, renderDiscord } from "../adapters/discord/render.ts";
import { ACK_BUDGET_MS, initialResponse, lateDelivery } from "../adapters/discord/respond.ts";
import { LATE, within } from "../src/commands/deadline.ts";
import { discordPublicKey, verifyDiscordRequest } from "../adapters/discord/verify.ts";
import { buttonId, parseButtonId } from "../adapters/discord/buttons.ts";
import { modalFor, modalValues } from "../adapters/discord/modals.ts";
import { MODAL_COMMANDS } from "../src/commands/forms.ts";
import { discordLimitProblems, fixture } from "./helpers/discord.ts";

const tree: any = buildCommandTree(commands);
const leaf = (p: string[]) => {
  const top = tree.options.find((o: any) => o.name === p[0]);
  return p.length === 1 ? top : top.options.find((o: any) => o.name === p[1]);
};

describe("the /crm command tree", () => {
  it("has every command of the registry, once, as a subcommand or a group's subcommand", () => {
    for (const cmd of commands) {
      const p = discordPath(cmd, commands);
      const sub = leaf(p);
      expect(sub, cmd.path.join(" ")).toBeTruthy();
      expect(sub.type).toBe(1);
      expect(sub.options?.map((o: any) => o.name).sort() ?? []).toEqual(cmd.args.map((a) => a.name).sort());
    }
    const count = tree.options.reduce((n: number, o: any) => n + (o.type === 2 ? o.options.length : 1), 0);
    expect(count).toBe(commands.length);
    expect(tree.options.filter((o: any) => o.type === 2).map((o: any) => o.name)).toEqual(
      expect.arrayContaining(["contact", "company", "ticket", "deal"]),
    );
    expect(
      leaf(["log"])
        .options.find((o: any) => o.name === "kind")
        .choices.map((c: any) => c.value),
    ).toEqual(["call", "email", "meeting", "note", "chat"]);
  });

  it("puts a one-word command that is also a group's name into that group as 'show' (Discord allows one or the other)", () => {
    const mk = (path: string[]) =>
      defineCommand({
        path,
        summary: path.join(" "),
        usage: path.join(" "),
        args: {},
        run: async () => reply("x").build(),
      }) as unknown as Command;
    const cmds = [mk(["digest"]), mk(["digest", "post"]), mk(["pipeline"])];
    expect(cmds.map((c) => discordPath(c, cmds))).toEqual([["digest", "show"], ["digest", "post"], ["pipeline"]]);
    const t: any = buildCommandTree(cmds);
    expect(t.options.map((o: any) => [o.name, o.type, o.options?.map((x: any) => x.name)])).toEqual([
      ["digest", 2, ["show", "post"]],
      ["pipeline", 1, []],
    ]);
    expect(commandIndex(cmds).get("digest show")).toBe(cmds[0]);
  });

  it("passes discord.js validation and Discord's size rules", () => {
    let chars = 0;
    const walk = (o: any, depth: number) => {
      SlashCommandAssertions.validateName(o.name);
      SlashCommandAssertions.validateDescription(o.description);
      SlashCommandAssertions.validateMaxOptionsLength(o.options ?? []);
      SlashCommandAssertions.validateChoicesLength(0, o.choices ?? []);
      chars +=
        o.name.length +
        o.description.length +
        (o.choices ?? []).reduce((n: number, c: any) => n + c.name.length + String(c.value).length, 0);
      if (o.choices && o.autocomplete) throw new Error(`${o.name}: choices and autocomplete together`);
      const opts = o.options ?? [];
      // required options first (Discord refuses a required option after an optional one)
      const firstOptional = opts.findIndex((x: any) => x.type > 2 && !x.required);
      if (firstOptional >= 0)
        expect(
          opts.slice(firstOptional).some((x: any) => x.required),
          o.name,
        ).toBe(false);
      for (const x of opts) walk(x, depth + 1);
      expect(depth).toBeLessThanOrEqual(3);
    };
    walk(tree, 0);
    expect(chars).toBeLessThanOrEqual(8000);
    expect(tree.contexts).toEqual([0]);
  });

  it("maps argument types to option types", () => {
    const opt = (p: string[], name: string) => leaf(p).options.find((o: any) => o.name === name);
    expect(opt(["role", "set"], "member").type).toBe(6);
    expect(opt(["role", "map"], "server_role").type).toBe(8);
    expect(opt(["company", "channel"], "channel").type).toBe(7);
    expect(opt(["ticket", "new"], "priority")).toMatchObject({ type: 3, choices: expect.any(Array) });
    expect(opt(["deal", "move"], "stage")).toMatchObject({ type: 3, autocomplete: true, required: true });
    expect(opt(["deal", "move"], "deal")).toMatchObject({ type: 3, autocomplete: true });
    expect(opt(["deal", "new"], "title")).toMatchObject({ type: 3 });
    expect(opt(["deal", "new"], "title").autocomplete).toBeUndefined();
    // required before optional, for Discord only: the registry order is unchanged
    expect(
      leaf(["deal", "new"])
        .options.slice(0, 2)
        .map((o: any) => o.name),
    ).toEqual(["title", "amount"]);
  });

  it("handles deeper paths, integers and long text, and maps options back to the command's raw arguments", () => {
    const deep = defineCommand({
      path: ["score", "rule", "add"],
      summary: "x".repeat(150),
      usage: "/crm score rule add",
      args: {
        note: arg.text("a note").optional().option(),
        points: arg.int("points", -100, 100),
        who: arg.member("who"),
        where: arg.channel("where"),
      },
      async run() {
        return reply("ok").build();
      },
    }) as unknown as Command;
    const t: any = buildCommandTree([deep]);
    const sub = t.options[0].options[0];
    expect([t.options[0].name, sub.name]).toEqual(["score", "rule-add"]);
    expect(sub.description.length).toBeLessThanOrEqual(100);
    expect(sub.options.map((o: any) => [o.name, o.type])).toEqual([
      ["points", 4],
      ["who", 6],
      ["where", 7],
      ["note", 3],
    ]);
    const inv = resolveInvocation([deep], {
      options: [
        {
          type: 2,
          name: "score",
          options: [
            {
              type: 1,
              name: "rule-add",
              options: [
                { name: "points", type: 4, value: -5 },
                { name: "who", type: 6, value: "1300000000000000001" },
                { name: "where", type: 7, value: "1500000000000000001" },
              ],
            },
          ],
        },
      ],
    });
    expect(inv.cmd).toBe(deep);
    expect(inv.raw).toEqual({ points: "-5", who: "<@1300000000000000001>", where: "<#1500000000000000001>" });
    expect(() => buildCommandTree(Array.from({ length: 26 }, (_, i) => ({ ...deep, path: ["area", `verb${i}`] })))).toThrow();
  });

  it("reads Discord's subcommand-group payload shape", () => {
    const body = fixture("application_command.subcommand_group.slash_create.json");
    body.data.options = [
      {
        name: "deal",
        type: 2,
        options: [
          {
            name: "move",
            type: 1,
            options: [
              { name: "deal", type: 3, value: "D-7" },
              { name: "stage", type: 3, value: "won" },
            ],
          },
        ],
      },
    ];
    expect(resolveInvocation(commands, body.data).raw).toEqual({ deal: "D-7", stage: "won" });
    expect(() => resolveInvocation(commands, fixture("application_command.subcommand_group.slash_create.json").data)).toThrow(
      /Unknown command/,
    );
  });
});

describe("rendering", () => {
  const validate = (m: any) => {
    expect(discordLimitProblems(m)).toEqual([]);
    for (const e of m.embeds) {
      EmbedAssertions.titlePredicate.parse(e.title ?? null);
      EmbedAssertions.descriptionPredicate.parse(e.description ?? null);
      EmbedAssertions.embedFieldsArrayPredicate.parse(e.fields ?? []);
    }
    for (const row of m.components)
      new ActionRowBuilder({ ...row, components: row.components.map((x: any) => new ButtonBuilder(x).toJSON()) }).toJSON();
  };

  it("stays inside Discord's limits however big the reply is", () => {
    const r = reply("big")
      .header("H".repeat(400))
      .text("x".repeat(5000))
      .fields(Array.from({ length: 30 }, (_, i) => ({ label: `F${i}`.repeat(100), value: "v".repeat(2000) })));
    for (let k = 0; k < 7; k++)
      r.actions(Array.from({ length: 6 }, (_, i) => ({ label: "L".repeat(100), command: `deal show D-${k}${i}` })));
    const m = renderDiscord(r.context("c".repeat(3000)).build()).message;
    validate(m);
    expect(m.components).toHaveLength(5);
    expect(m.embeds[0].fields!.length).toBeLessThanOrEqual(25);
  });

  it("escapes markdown and mentions in user text but keeps our own formatting", () => {
    expect(escapeDiscord("*a* _b_ ~c~ `d` |e| > f [g](h)")).toBe("\\*a\\* \\_b\\_ \\~c\\~ \\`d\\` \\|e\\| \\> f \\[g\\](h)");
    expect(escapeDiscord("# Title\n- item\n1. first")).toBe("\\# Title\n\\- item\n1\\. first");
    expect(escapeDiscord("@everyone @here <@&123456> <@42>")).toBe("@\u200Beveryone @\u200Bhere <@&\u200B123456\\> <@\u200B42\\>");
    const m = renderDiscord(
      reply("x")
        .text([b("D-7\n"), s("Acme *renewal*"), s(" "), code("a`b"), s(" "), link("docs", "https://x.example/a b")])
        .build(),
    ).message;
    expect(m.embeds[0].description).toBe("**D-7**\nAcme \\*renewal\\* `aˋb` [docs](https://x.example/a%20b)");
    expect(m.allowed_mentions).toEqual({ parse: [] });
    const linked = renderDiscord({
      ...reply("D-7").header("D-7 · Acme").record("D-7").build(),
      recordUrl: "https://crm.example.com/r/ws1/D-7",
    }).message;
    expect(linked.embeds[0].url).toBe("https://crm.example.com/r/ws1/D-7");
    expect(linked.embeds[0].description).toBe("🔗 [Open D-7 in the CRM](https://crm.example.com/r/ws1/D-7)");
  });

  it("marks errors and keeps ephemeral replies ephemeral", () => {
    const e = renderDiscord(errorReply("amount is missing", "/crm deal new")).message;
    expect(e.embeds[0].color).toBe(0xe74c3c);
    expect(e.embeds[0].footer?.text).toBe("Usage: /crm deal new");
    expect(e.flags).toBe(64);
    expect(e.components).toEqual([]);
  });

  it("sends charts as files: the first in the card as attachment://chart.png, more in embeds of their own", () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1]);
    const one = renderDiscord(reply("chart", false).header("Pipeline").image("Pipeline chart", png).build());
    expect(one.message.flags).toBeUndefined();
    expect(one.files).toEqual([{ name: "chart.png", data: Buffer.from(png), contentType: "image/png" }]);
    expect(one.message.embeds[0].image).toEqual({ url: "attachment://chart.png" });
    expect(one.message.attachments).toEqual([{ id: 0, filename: "chart.png", description: "Pipeline chart" }]);
    const two = renderDiscord(reply("charts").image("A", png).image("B", png).build());
    expect(two.files.map((f) => f.name)).toEqual(["chart.png", "chart-2.png"]);
    expect(two.message.embeds.map((e) => e.image?.url)).toEqual(["attachment://chart.png", "attachment://chart-2.png"]);
    expect(discordLimitProblems(two.message)).toEqual([]);
    const none = renderDiscord({ ...reply("x").build(), blocks: [{ type: "image", alt: "Not rendered" }] });
    expect(none.files).toEqual([]);
    expect(none.message.embeds[0].description).toContain("Not rendered");
  });

  it("offers 'Share in channel' on an ok answer when given the command, never on an error", () => {
    const card = renderDiscord(
      reply("D-7")
        .header("D-7 · Acme")
        .actions([{ label: "Show", command: "deal show D-7" }])
        .record("D-7")
        .build(),
      { share: "deal show D-7" },
    ).message;
    const rows = card.components;
    expect(rows.at(-1)!.components).toEqual([{ type: 2, style: 2, label: "Share in channel", custom_id: "crm_share:deal show D-7" }]);
    expect(renderDiscord(errorReply("nope"), { share: "deal show D-7" }).message.components).toEqual([]);
  });

  it("gives long button commands a hashed id and collects them to store", () => {
    const long = `deal new "${"N".repeat(120)}" 0 contact:C-1`;
    const { message, stash } = renderDiscord(
      reply("x")
        .actions([
          { label: "New deal", command: long },
          { label: "Show", command: "deal show D-1" },
        ])
        .build(),
    );
    const [hashed, plain] = message.components[0].components as any[];
    expect(hashed.custom_id).toMatch(/^crm#/);
    expect(stash[hashed.custom_id.slice(4)]).toBe(long);
    expect(plain.custom_id).toBe("crm:deal show D-1");
    expect(buttonId("deal show D-1")).toEqual({ id: "crm:deal show D-1" });
    expect(buttonId(long).id.length).toBeLessThanOrEqual(100);
    expect(parseButtonId(buttonId(long).id)).toEqual({ hash: buttonId(long).hash });
    expect(parseButtonId("click_one")).toBeNull();
  });
});

describe("answering within 3 seconds", () => {
  const ok = {
    reply: reply("done")
      .text("done")
      .actions([{ label: "Show", command: "deal show D-1" }])
      .build(),
  };
  const bad = { reply: errorReply("nope") };

  it("waits at most the budget, then says LATE", async () => {
    expect(ACK_BUDGET_MS).toBeLessThan(3000);
    expect(await within(new Promise((r) => setTimeout(() => r("x"), 200)), 20)).toBe(LATE);
    expect(await within(Promise.resolve("x"), 20)).toBe("x");
  });

  it("answers at once when ready, defers when late", () => {
    expect(initialResponse("command", LATE).body).toEqual({ type: 5, data: { flags: 64 } });
    expect(initialResponse("modal", LATE).body).toEqual({ type: 5, data: { flags: 64 } });
    expect(initialResponse("component", LATE).body).toEqual({ type: 6 });
    expect(initialResponse("command", ok).body).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(initialResponse("component", ok).body.type).toBe(7);
    expect((initialResponse("component", ok).body.data as any).flags).toBeUndefined();
    expect(initialResponse("component", bad).body).toMatchObject({ type: 4, data: { flags: 64 } });
    // "Share in channel": a new message for everyone (type 4 without the ephemeral flag), or a public deferral
    expect(initialResponse("share", ok).body.type).toBe(4);
    expect((initialResponse("share", ok).body.data as any).flags).toBeUndefined();
    expect(initialResponse("share", bad).body).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(initialResponse("share", LATE).body).toEqual({ type: 5 });
    expect(initialResponse("command", { modal: modalFor(commands.find((c) => c.path[0] === "log")!) }).body.type).toBe(9);
  });

  it("after a deferral edits the original, except a failed click which gets an ephemeral follow-up", () => {
    expect(lateDelivery("command", ok)).toMatchObject({ target: "original" });
    expect(lateDelivery("command", ok).body.flags).toBeUndefined();
    expect(lateDelivery("component", ok).target).toBe("original");
    expect(lateDelivery("component", bad)).toMatchObject({ target: "followup", body: { flags: 64 } });
    expect(lateDelivery("modal", bad).target).toBe("original");
  });
});

describe("signatures", () => {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const key = discordPublicKey(publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex"));
  const raw = Buffer.from(JSON.stringify(fixture("ping.discord_interactions_js.json")));
  const now = 1_800_000_000_000;
  const ts = String(now / 1000);
  const sig = sign(null, Buffer.concat([Buffer.from(ts), raw]), privateKey).toString("hex");
  const check = (o: Partial<Parameters<typeof verifyDiscordRequest>[0]>) =>
    verifyDiscordRequest({ publicKey: key, signature: sig, timestamp: ts, rawBody: raw, nowMs: now, ...o });

  it("accepts Discord's signature and refuses everything else", () => {
    expect(check({})).toEqual({ ok: true });
    expect(check({ nowMs: now + 299_000 })).toEqual({ ok: true });
    expect(check({ signature: undefined })).toMatchObject({ ok: false, reason: "missing signature headers" });
    expect(check({ signature: "zz" })).toMatchObject({ ok: false, reason: "malformed signature" });
    expect(check({ timestamp: "soon" })).toMatchObject({ ok: false, reason: "malformed timestamp" });
    expect(check({ nowMs: now + 301_000 })).toMatchObject({ ok: false, reason: "stale or future timestamp" });
    expect(check({ nowMs: now - 301_000 })).toMatchObject({ ok: false, reason: "stale or future timestamp" });
    expect(check({ rawBody: Buffer.concat([raw, Buffer.from(" ")]) })).toMatchObject({ ok: false, reason: "signature mismatch" });
    expect(() => discordPublicKey("ab")).toThrow(/32 bytes/);
  });
});

describe("forms", () => {
  it("every form fits Discord: ≤ 5 fields, title ≤ 45, labels ≤ 45", () => {
    for (const key of Object.keys(MODAL_COMMANDS)) {
      const m: any = modalFor(commands.find((c) => c.path.join(" ") === key)!);
      expect(m.title.length).toBeLessThanOrEqual(45);
      expect(m.components.length).toBeGreaterThan(0);
      expect(m.components.length).toBeLessThanOrEqual(5);
      for (const c of m.components) {
        expect(c.type).toBe(18);
        expect(c.label.length).toBeLessThanOrEqual(45);
      }
    }
  });

  it("reads submissions in both of Discord's layouts", () => {
    expect(modalValues(fixture("modal_submit.text_input_action_row.docs_2025-03.json").data.components)).toEqual({ name: "John" });
    expect(modalValues(fixture("modal_submit.action_row_text_input.slash_create.json").data.components)).toEqual(expect.any(Object));
    // the current docs fragment is JSON with comments and a spread placeholder
    const jsonc = readFileSync(
      new URL("./fixtures/external/discord/modal_submit.label_text_input.docs_current.partial.jsonc", import.meta.url),
      "utf8",
    )
      .replace(/\/\/.*$/gm, "")
      .replace(/^\s*\.\.\..*$/gm, "")
      .replace(/,(\s*[}\]])/g, "$1");
    expect(modalValues(JSON.parse(jsonc).data.components)).toEqual({
      game_feedback: "The recent changes to acceleration feel much better, but shadows still need help",
    });
    expect(
      modalValues([
        { type: 18, component: { type: 3, custom_id: "kind", values: ["call"] } },
        { type: 1, components: [{ type: 4, custom_id: "x", value: "  " }] },
      ]),
    ).toEqual({ kind: "call" });
  });
});

describe("message commands, tickets from messages, sharing, delivery errors", () => {
  it("registers 'Create ticket' as a guild-only MESSAGE command", () => {
    expect(buildMessageCommands()).toEqual([expect.objectContaining({ name: "Create ticket", type: 3, contexts: [0] })]);
  });

  it("takes a ticket's text from the message, an embed, or says there was none", () => {
    expect(messageText({ id: "1", channel_id: "2", content: "  Login broken  " })).toBe("Login broken");
    expect(messageText({ id: "1", channel_id: "2", content: "", embeds: [{ title: "Alert", description: "disk full" }] })).toBe(
      "Alert\ndisk full",
    );
    expect(messageText({ id: "1", channel_id: "2", content: "", attachments: [{}, {}] })).toBe(
      "(a message with 2 attachments and no text)",
    );
    expect([..."🎫🎟"].every((e) => TICKET_EMOJI.has(e)) && TICKET_EMOJI.has("🎟️") && !TICKET_EMOJI.has("❤️")).toBe(true);
  });

  it("shares records as their show command and argument-free read-only answers as themselves", () => {
    const cmd = (p: string) => commands.find((c) => c.path.join(" ") === p)!;
    expect(shareCommandFor({ cmd: cmd("deal new"), raw: { title: "x" } }, reply("x").record("D-7").build())).toBe("deal show D-7");
    expect(shareCommandFor({ cmd: cmd("pipeline"), raw: {} }, reply("Pipeline").build())).toBe("pipeline");
    expect(shareCommandFor({ cmd: cmd("deal list"), raw: { view: "mine" } }, reply("Deals").build())).toBeUndefined();
    expect(shareCommandFor({ cmd: cmd("help"), raw: {} }, reply("Help").build())).toBeUndefined();
    expect(shareCommandFor(undefined, reply("x", false).record("D-7").build())).toBeUndefined(); // already public
    expect(shareCommandFor(undefined, errorReply("nope"))).toBeUndefined();
  });

  it("maps Discord's refusals for the queue: permanent codes, rate limits, and the rest as they are", () => {
    const apiError = (status: number, code: number) =>
      new DiscordAPIError({ code, message: "x" }, code, status, "POST", "/channels/1/messages", { body: undefined, files: undefined });
    for (const [status, code] of [
      [404, 10003],
      [403, 50001],
      [403, 50013],
      [400, 50007],
      [400, 50035],
      [404, 0],
    ]) {
      expect(() => mapDiscordError(apiError(status, code)), `${status}/${code}`).toThrow(PermanentDeliveryError);
    }
    const limited = new RateLimitError({
      timeToReset: 64_570,
      limit: 10,
      method: "POST",
      hash: "abcd1234",
      url: "x",
      route: "/channels/:id/messages",
      majorParameter: "1",
      global: true,
      retryAfter: 65_050,
      sublimitTimeout: 0,
      scope: "global",
    });
    let caught: unknown;
    try {
      mapDiscordError(limited);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RateLimitedError);
    expect((caught as RateLimitedError).retryAfterMs).toBe(65_050);
    const boom = new Error("socket hang up");
    expect(() => mapDiscordError(boom)).toThrow(boom);
    expect(() => mapDiscordError(apiError(500, 0))).not.toThrow(PermanentDeliveryError);
  });
});
