// deal new | move | won | lost | show | list, and pipeline
import { arg } from "./args.ts";
import { TEXT_LIMITS } from "../parse/limits.ts";
import { defineCommand } from "./define.ts";
import { b, code, reply, s, type Span } from "../reply/reply.ts";
import { day, money, plural, when } from "../reply/format.ts";
import { dealCard } from "../render/deal-card.ts";
import { archivedNote } from "./records.ts";
import { describeWin } from "../domain/predict/winModel.ts";
import { quoteArg } from "../parse/tokenize.ts";
import { addMore, afterArg, afterNote } from "./paging.ts";

// The deals channel and the deal's room hear of every change, and scores follow it, from the events the deal
// service records (jobs/events): a deal created or moved by an import or another path gets the same.

export const dealNew = defineCommand({
  path: ["deal", "new"],
  summary: "Create a deal",
  usage: '/crm deal new "<title>" <amount> [company:<name>] [contact:<ref>] [stage:<stage>] [owner:@user] [close:<date>]',
  help: [
    'Amounts: 12000, 12,000, 12k, 1.5m, $12,000, €12k, 12000EUR. Dates: 2026-12-31, "next friday", "in 2 weeks".',
    'Example: /crm deal new "Acme renewal" 12k company:Acme stage:proposal close:"next friday"',
  ],
  args: {
    title: arg.text("deal title", TEXT_LIMITS.name),
    amount: arg.money("amount, e.g. 12k or €12,000"),
    company: arg.text("company name or A- key (created when new)").optional().option(),
    contact: arg.ref("contact key, email or name", "contact").optional().option(),
    stage: arg.stage().optional().option(),
    owner: arg.member("owner (default: you)").optional().option(),
    close: arg.date("expected close date").optional().option(),
  },
  // the New deal button of a contact card (`deal new contact:C-3`): a form titled with the contact's name
  // and filled in with their company; nothing is created until it is saved
  form: {
    title: "New deal",
    buttonOnly: true,
    async load({ raw, actor, services }) {
      if (!raw.contact) return {};
      const { contact: c } = await services.contacts.get(actor, raw.contact);
      return { title: `New deal for C-${c.number}`, values: { title: c.name, company: c.company ? `A-${c.company.number}` : undefined } };
    },
  },
  async run({ args, actor, services }) {
    const deal = await services.deals.create(actor, args);
    const stages = await services.pipelines.stages(actor.workspaceId);
    return dealCard(deal, stages, "created").build();
  },
});

export const dealMove = defineCommand({
  path: ["deal", "move"],
  summary: "Move a deal to another pipeline stage",
  usage: "/crm deal move <D-ref> <stage>",
  args: { deal: arg.ref("deal key or title", "deal"), stage: arg.stage() },
  claimsInWrite: true,
  async run({ args, actor, services, claim }) {
    const { deal, from, stages } = await services.deals.move(actor, args.deal, args.stage, undefined, "move", claim);
    return dealCard(deal, stages, `moved ${from} → ${deal.stage.name}`).build();
  },
});

export const dealWon = defineCommand({
  path: ["deal", "won"],
  summary: "Mark a deal won",
  usage: "/crm deal won <D-ref>",
  args: { deal: arg.ref("deal key or title", "deal").rest() },
  claimsInWrite: true,
  async run({ args, actor, services, claim }) {
    const { deal, stages } = await services.deals.won(actor, args.deal, claim);
    return dealCard(deal, stages, "won 🎉").build();
  },
});

export const dealLost = defineCommand({
  path: ["deal", "lost"],
  summary: "Mark a deal lost, with a reason",
  usage: "/crm deal lost <D-ref> [reason...]",
  args: { deal: arg.ref("deal key", "deal"), reason: arg.prose("why it was lost").optional().rest() },
  claimsInWrite: true,
  async run({ args, actor, services, claim }) {
    const { deal, stages } = await services.deals.lost(actor, args.deal, args.reason, claim);
    return dealCard(deal, stages, "lost").build();
  },
});

export const dealShow = defineCommand({
  path: ["deal", "show"],
  summary: "Show a deal with its stage history and timeline",
  usage: "/crm deal show <D-ref>",
  readOnly: true,
  args: { deal: arg.ref("deal key or title", "deal").rest() },
  async run({ args, actor, services }) {
    const { deal, history, timeline, stages } = await services.deals.get(actor, args.deal);
    const r = dealCard(deal, stages);
    const archived = archivedNote("deal", `D-${deal.number}`, deal);
    if (archived) r.context(`🗄️ ${archived}`);
    const win = deal.closedAt ? null : describeWin(deal.winProbability, deal.winReasons);
    if (win) r.fields([{ label: "Win probability", value: win.value }]);
    if (win?.detail) r.context(win.detail);
    r.text([
      b("Stage history\n"),
      ...history.flatMap((h): Span[] => [
        s(`${day(h.at)} `),
        h.fromStage ? s(`${h.fromStage.name} → `) : s("created in "),
        b(h.toStage.name),
        s(h.actor ? ` by ${h.actor.name}\n` : "\n"),
      ]),
    ]);
    r.text(
      timeline.length
        ? [
            b("Timeline\n"),
            ...timeline.flatMap((x) => [s(`${x.kind} · ${when(x.occurredAt)} · ${x.author?.name ?? "someone"}: ${x.summary}\n`)]),
          ]
        : "No interactions logged yet.",
    );
    return r.build();
  },
});

export const dealList = defineCommand({
  path: ["deal", "list"],
  summary: "List open deals (yours with mine, or one stage), largest first, a page at a time",
  usage: "/crm deal list [mine] [stage:<stage>] [after:<D-ref>]",
  help: ["More shows the next page: the same list with after: the last deal shown (deal list mine after:D-12)."],
  readOnly: true,
  args: {
    mine: arg.choice("only my deals", ["mine"] as const).optional(),
    stage: arg.stage().optional().option(),
    after: afterArg("deal", "after:D-12"),
  },
  async run({ args, actor, services }) {
    const page = await services.lists.deals(actor, { mine: args.mine === "mine", stage: args.stage, after: args.after });
    const { rows, total, stage } = page;
    const title = `${args.mine ? "My" : "Open"} deals${stage ? ` in ${stage.name}` : ""}${afterNote(args.after)}`;
    if (!rows.length) return reply(`${title}: none`).text(`${title}: none.`).build();
    const r = reply(`${title}: ${rows.length} of ${total}`)
      .header(args.after ? title : `${title} (${total})`)
      .text(
        rows.flatMap((d, i): Span[] => [
          ...(i ? [s("\n")] : []),
          b(`D-${d.number}`),
          s(` ${d.title} · ${money(d.amount.toString(), d.currency.trim())} · ${d.stage.name}`),
          s(` · ${d.owner?.name ?? "unowned"}${d.expectedCloseAt ? ` · closes ${day(d.expectedCloseAt)}` : ""}`),
        ]),
      );
    const command = ["deal list", args.mine && "mine", stage && `stage:${/^[\w-]+$/.test(stage.name) ? stage.name : quoteArg(stage.name)}`]
      .filter(Boolean)
      .join(" ");
    return addMore(r, command, page, "deals").build();
  },
});

export const pipeline = defineCommand({
  path: ["pipeline"],
  summary: "The pipeline board: deals, amount and weighted amount per stage",
  usage: "/crm pipeline",
  readOnly: true,
  args: {},
  async run({ actor, services }) {
    const board = await services.pipelines.board(actor);
    const fmt = (xs: { currency: string; amount: string }[]) => xs.map((x) => money(x.amount, x.currency)).join(" + ") || money("0");
    const r = reply("Pipeline").header("Pipeline");
    r.text(
      board.flatMap((row, i): Span[] => [
        ...(i ? [s("\n")] : []),
        b(row.stage),
        s(` (${row.probability}%) · ${plural(row.count, "deal")} · ${fmt(row.amounts)}`),
        ...(row.probability > 0 && row.probability < 100 && row.count
          ? [s(" · weighted "), code(fmt(row.amounts.map((a) => ({ currency: a.currency, amount: a.weighted }))))]
          : []),
      ]),
    );
    const open = board.filter((x) => x.probability > 0 && x.probability < 100);
    const byCur = new Map<string, bigint>();
    for (const row of open) for (const a of row.amounts) byCur.set(a.currency, (byCur.get(a.currency) ?? 0n) + toCents(a.weighted));
    const weighted = [...byCur]
      .sort((x, y) => (y[1] > x[1] ? 1 : y[1] < x[1] ? -1 : 0))
      .map(([c, cents]) => money(fromCents(cents), c))
      .join(" + ");
    r.context(
      `Open: ${plural(
        open.reduce((a, x) => a + x.count, 0),
        "deal",
      )}${weighted ? ` · weighted ${weighted}` : ""}`,
    );
    return r.actions([{ label: "My deals", command: "deal list mine" }]).build();
  },
});

// decimal strings ↔ integer cents: money is never summed as floats
const toCents = (v: string) => {
  const [w, f = ""] = v.split(".");
  return BigInt(w) * 100n + BigInt((f + "00").slice(0, 2)) * (w.startsWith("-") ? -1n : 1n);
};
const fromCents = (c: bigint) => `${c / 100n}.${String(c % 100n).padStart(2, "0")}`;

export const dealRoom = defineCommand({
  path: ["deal", "room"],
  summary: "Open a private room (Slack channel / Discord thread) for a deal; every change is posted there",
  usage: "/crm deal room <D-ref>",
  args: { deal: arg.ref("deal key or title", "deal").rest() },
  async run({ args, actor, services, channelId }) {
    const deal = await services.deals.card(actor.workspaceId, (await services.rooms.request(actor, args.deal, channelId)).id);
    return reply(`Opening a room for D-${deal.deal.number}`)
      .text([
        s("🚪 Opening a room for "),
        b(`D-${deal.deal.number}`),
        s(` ${deal.deal.title}; you and the owner are invited. The deal card will be pinned there.`),
      ])
      .build();
  },
});
