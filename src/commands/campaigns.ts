// campaign new | message | preview | test | send | status | pause | resume | cancel | retry-failed | list
import { arg } from "./args.ts";
import { TEXT_LIMITS } from "../parse/limits.ts";
import { defineCommand } from "./define.ts";
import { b, code, reply, s, type Action, type Span } from "../reply/reply.ts";
import { money, plural } from "../reply/format.ts";
import { SEGMENT_FORMS } from "../domain/campaigns/segment.ts";
import { TEMPLATE_VARIABLES } from "../domain/campaigns/template.ts";
import { progressReply } from "../domain/campaigns/progress.ts";
import type { Campaign } from "../generated/prisma/client.ts";

const CHANNELS = ["email", "slack", "discord"] as const;
const key = arg.text("campaign key, e.g. K-1");
const when = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
const HELP = [
  `Segments (all terms must match, -term negates): ${SEGMENT_FORMS.join(" · ")}. Quote values with spaces: company:'Acme Corp'.`,
  `Message variables: ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(" ")}; a fallback after |, e.g. {{first_name|there}}.`,
  "Channels: email (SMTP, with a personal unsubscribe link), slack (one post per company channel, set with /crm company channel), discord (a DM to contacts with a Discord account).",
  'Example: /crm campaign new "Spring promo" segment:"tag:vip -tag:churned" channel:email subject:"Hi {{first_name}}" message:"Hello {{first_name|there}}, …"',
];

const VARIABLES = TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(" ");
const nextStep = (c: Campaign): Span[] =>
  c.message
    ? [
        s("Next: "),
        code(`/crm campaign preview K-${c.number}`),
        s(", "),
        code(`/crm campaign test K-${c.number}`),
        s(", then "),
        code(`/crm campaign send K-${c.number}`),
        s("."),
      ]
    : [
        s("Now write the message with the button, or type "),
        code(`/crm campaign message K-${c.number} <text>`),
        s(` (variables ${VARIABLES}).`),
      ];

/** The message can change until the campaign is sent. */
const editable = (c: Campaign) => c.status === "draft" || c.status === "scheduled";
/** Opens the form of `campaign message` for this campaign (a Slack or Discord modal; the console's command box). */
const writeMessage = (c: Campaign): Action | false =>
  editable(c) && {
    label: c.message ? "Edit the message" : "Write the message",
    command: `campaign message K-${c.number}`,
    form: true,
    ...(c.message ? {} : { style: "primary" as const }),
  };

export const campaignNew = defineCommand({
  path: ["campaign", "new"],
  summary: "Create a campaign to a segment of contacts (managers and admins)",
  usage: '/crm campaign new "<name>" segment:"<filter>" channel:<email|slack|discord> [message:"<text>"] [subject:"<text>"] [at:<date>]',
  help: HELP,
  args: {
    name: arg.text("campaign name", TEXT_LIMITS.campaignName),
    segment: arg.text("which contacts, e.g. tag:vip -tag:churned").option(),
    channel: arg.choice("how to reach them", CHANNELS).option(),
    message: arg.prose("the message; {{first_name}} {{name}} {{company}} {{owner}}").optional().option(),
    subject: arg.text("email subject (default: the name)", TEXT_LIMITS.subject).optional().option(),
    at: arg.date("send at this time instead of when you say send").optional().option(),
  },
  async run({ args, actor, services }) {
    const c = await services.campaigns.create(actor, args);
    const k = `K-${c.number}`;
    return reply(`Created ${k} ${c.name}`)
      .text([
        s("📣 Created "),
        b(k),
        s(` ${c.name} · ${c.channel}${c.scheduledAt ? ` · sends at ${when(c.scheduledAt)} once you say send` : ""}`),
      ])
      .fields([
        { label: "Segment", value: [code(c.segment)] },
        { label: "Contacts", value: `${c.counts.total} (${c.counts.reachable} reachable by ${c.channel})` },
      ])
      .context(nextStep(c))
      .actions([writeMessage(c), { label: "Preview", command: `campaign preview ${k}` }])
      .record(k)
      .build();
  },
});

export const campaignMessage = defineCommand({
  path: ["campaign", "message"],
  summary: "Write or replace a campaign's message (before it is sent)",
  usage: '/crm campaign message <K-ref> <text...> [subject:"<text>"]',
  help: HELP,
  args: {
    campaign: key,
    text: arg.prose("the message").rest().hint(`Variables: ${VARIABLES}; a fallback after |, e.g. {{first_name|there}}`),
    subject: arg.text("email subject", TEXT_LIMITS.subject).optional().option(),
  },
  // the "Write the message" button: the current message filled in, the subject only for email
  form: {
    title: "Campaign message",
    async load({ raw, actor, services }) {
      if (!raw.campaign) return {};
      const c = await services.campaigns.editable(actor, raw.campaign);
      return {
        title: `Message of K-${c.number}`,
        values: { text: c.message, subject: c.subject },
        hide: c.channel === "email" ? [] : ["subject"],
      };
    },
  },
  async run({ args, actor, services }) {
    const c = await services.campaigns.setMessage(actor, args.campaign, args.text, args.subject);
    const k = `K-${c.number}`;
    return reply(`${k} message saved`)
      .text([s("✏️ Message of "), b(k), s(` ${c.name} saved.`)])
      .context(nextStep(c))
      .actions([{ label: "Preview", command: `campaign preview ${k}` }, writeMessage(c)])
      .record(k)
      .build();
  },
});

export const campaignPreview = defineCommand({
  path: ["campaign", "preview"],
  summary: "How many contacts a campaign reaches, and five of them",
  usage: "/crm campaign preview <K-ref>",
  readOnly: true,
  args: { campaign: key },
  async run({ args, actor, services }) {
    const { campaign: c, total, reachable, sample } = await services.campaigns.preview(actor, args.campaign);
    const r = reply(`K-${c.number}: ${total} contacts`)
      .header(`K-${c.number} · ${c.name}`)
      .fields([
        { label: "Segment", value: [code(c.segment)] },
        { label: "Contacts", value: `${total} · ${reachable} reachable by ${c.channel}` },
      ]);
    r.text(
      sample.length
        ? [
            b("Sample\n"),
            ...sample.flatMap((x): Span[] => [
              code(`C-${x.number}`),
              s(
                ` ${x.name}${x.email ? ` · ${x.email}` : ""}${x.company ? ` · ${x.company}` : ""}${x.reason ? ` — skipped: ${x.reason}` : ""}\n`,
              ),
            ]),
          ]
        : "Nobody matches this segment right now (opted-out contacts never do).",
    );
    if (c.message) r.context([s("Message: "), s(c.message.slice(0, 300))]);
    return r
      .actions([writeMessage(c)])
      .record(`K-${c.number}`)
      .build();
  },
});

export const campaignTest = defineCommand({
  path: ["campaign", "test"],
  summary: "Send yourself a test of the campaign (email: to MAIL_FROM; chat: a DM)",
  usage: "/crm campaign test <K-ref>",
  args: { campaign: key },
  async run({ args, actor, services }) {
    const t = await services.campaigns.test(actor, args.campaign);
    const as = t.sample ? ` rendered for C-${t.sample.number} ${t.sample.name}` : " rendered for a sample contact";
    if (t.kind === "email")
      return reply(`Test email queued to ${t.to}`)
        .text([s("🧪 Test email queued to "), b(t.to), s(`,${as}.`)])
        .build();
    if (t.kind === "dm") return reply("Test sent to you as a DM").text(`🧪 Test sent to you as a direct message,${as}.`).build();
    return reply("Test render")
      .text([s(`🧪 No chat account to DM from here; this is how it reads,${as}:\n`)])
      .text(t.text)
      .build();
  },
});

export const campaignSend = defineCommand({
  path: ["campaign", "send"],
  summary: "Send a campaign now, or at its at: time (managers and admins)",
  usage: "/crm campaign send <K-ref>",
  args: { campaign: key },
  async run({ args, actor, services, channelId }) {
    const c = await services.campaigns.send(actor, args.campaign, channelId);
    const k = `K-${c.number}`;
    const r =
      c.status === "scheduled"
        ? reply(`${k} scheduled`).text([s("🕒 "), b(k), s(` ${c.name} will send at ${when(c.scheduledAt!)}.`)])
        : reply(`${k} sending`).text([
            s("📤 "),
            b(k),
            s(` ${c.name} is sending.${c.statusChannelId ? " Progress is posted in this channel." : ""}`),
          ]);
    return r
      .context([
        s("Watch it with "),
        code(`/crm campaign status ${k}`),
        s("; stop it with "),
        code(`/crm campaign pause ${k}`),
        s(" or "),
        code(`cancel`),
        s("."),
      ])
      .actions([
        { label: "Status", command: `campaign status ${k}` },
        { label: "Pause", command: `campaign pause ${k}` },
      ])
      .record(k)
      .build();
  },
});

export const campaignStatus = defineCommand({
  path: ["campaign", "status"],
  summary: "A campaign's progress: queued, sent, failed, skipped",
  usage: "/crm campaign status <K-ref>",
  readOnly: true,
  args: { campaign: key },
  async run({ args, actor, services }) {
    const { campaign: c, counts, failures, roi } = await services.campaigns.status(actor, args.campaign);
    const r = progressReply(c, counts);
    const out = { ...r, ephemeral: true, blocks: [...r.blocks] };
    if (c.scheduledAt && c.status === "scheduled") out.blocks.push({ type: "context", text: `Sends at ${when(c.scheduledAt)}.` });
    if (failures.length)
      out.blocks.push({ type: "context", text: `Failures: ${failures.map((f) => `${f.n}× ${f.reason}`).join(" · ")}`.slice(0, 1500) });
    if (counts.sent > 0) {
      out.blocks.push({
        type: "context",
        text: roi.deals
          ? `💰 ROI: ${roi.deals} deal(s) won from reached contacts within ${roi.windowDays} days of their send: ${roi.won.map((w) => money(w.amount, w.currency)).join(" + ")}`
          : `💰 ROI: no deal won yet from reached contacts (window ${roi.windowDays} days after each send).`,
      });
    }
    const write = writeMessage(c);
    if (write) out.blocks.push({ type: "actions", actions: [write] });
    return out;
  },
});

const lifecycle = (verb: "pause" | "resume", summary: string, done: string) =>
  defineCommand({
    path: ["campaign", verb],
    summary,
    usage: `/crm campaign ${verb} <K-ref>`,
    args: { campaign: key },
    async run({ args, actor, services }) {
      const c = await services.campaigns[verb](actor, args.campaign);
      return reply(`K-${c.number} ${done}`)
        .text([b(`K-${c.number}`), s(` ${c.name} ${done}.`)])
        .record(`K-${c.number}`)
        .build();
    },
  });

export const campaignPause = lifecycle("pause", "Pause a sending campaign (nothing new goes out until resume)", "is paused");
export const campaignResume = lifecycle("resume", "Resume a paused campaign", "is sending again");

export const campaignCancel = defineCommand({
  path: ["campaign", "cancel"],
  summary: "Cancel a campaign: whatever is not sent yet is not sent",
  usage: "/crm campaign cancel <K-ref>",
  args: { campaign: key },
  async run({ args, actor, services }) {
    const { campaign: c, skipped } = await services.campaigns.cancel(actor, args.campaign);
    return reply(`K-${c.number} cancelled`)
      .text([
        s("🛑 "),
        b(`K-${c.number}`),
        s(` ${c.name} is cancelled${skipped ? `; ${plural(skipped, "recipient")} will not receive it` : ""}.`),
      ])
      .record(`K-${c.number}`)
      .build();
  },
});

export const campaignRetry = defineCommand({
  path: ["campaign", "retry-failed"],
  summary: "Send again to recipients whose send failed (add `unknown` to include ones that may have been sent)",
  usage: "/crm campaign retry-failed <K-ref> [unknown]",
  args: {
    campaign: key,
    unknown: arg.choice("also retry sends whose outcome is unknown (they may get it twice)", ["unknown"] as const).optional(),
  },
  async run({ args, actor, services }) {
    const { campaign: c, retried, unknownLeft } = await services.campaigns.retryFailed(actor, args.campaign, args.unknown === "unknown");
    const r = reply(`K-${c.number}: ${retried} to retry`).text(
      retried
        ? [s("🔁 "), b(`K-${c.number}`), s(`: ${plural(retried, "failed recipient")} queued again.`)]
        : [s("Nothing to retry in "), b(`K-${c.number}`), s(".")],
    );
    if (unknownLeft)
      r.context(
        `${plural(unknownLeft, "recipient")} failed with an unknown outcome (the message may have gone out); /crm campaign retry-failed K-${c.number} unknown retries them too.`,
      );
    return r.record(`K-${c.number}`).build();
  },
});

export const campaignList = defineCommand({
  path: ["campaign", "list"],
  summary: "Recent campaigns and their state",
  usage: "/crm campaign list",
  readOnly: true,
  args: {},
  async run({ actor, services }) {
    const rows = await services.campaigns.list(actor);
    if (!rows.length)
      return reply("No campaigns yet")
        .text([s("No campaigns yet. Start one with "), code('/crm campaign new "<name>" segment:"tag:vip" channel:email'), s(".")])
        .build();
    return reply(`${rows.length} campaigns`)
      .header("Campaigns")
      .text(
        rows.flatMap((c, i): Span[] => [
          ...(i ? [s("\n")] : []),
          b(`K-${c.number}`),
          s(` ${c.name} · ${c.channel} · ${c.status}${c.status === "scheduled" && c.scheduledAt ? ` for ${when(c.scheduledAt)}` : ""}`),
        ]),
      )
      .build();
  },
});

export const campaignCommands = [
  campaignNew,
  campaignMessage,
  campaignPreview,
  campaignTest,
  campaignSend,
  campaignStatus,
  campaignPause,
  campaignResume,
  campaignCancel,
  campaignRetry,
  campaignList,
];
