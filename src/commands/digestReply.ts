// A digest as a message people read: a few short sections, each flow figure with its change against the
// same stretch of the previous period (▲/▼ and %), and the pipeline chart. Pure except for the chart.
import { b, code, reply, s, type Reply, type Span } from "../reply/reply.ts";
import { money } from "../reply/format.ts";
import { pipelineChartSpec, renderChart, type PipelineBar } from "../render/chart.ts";
import type { Change, Digest, DigestPipeline, MoneyChange } from "../domain/analytics/digest.ts";
import { describePeriod } from "../domain/analytics/period.ts";

const n = (x: number) => x.toLocaleString("en-US");
const pl = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;

/** "▲ 12%", "▼ 3.5%", "▲ new" (from zero), "= 0%"; empty when both are zero. */
export function change(cur: number | null, prev: number | null): string {
  if (cur === null || prev === null) return "";
  if (prev === 0) return cur === 0 ? "" : "▲ new";
  const pct = ((cur - prev) / Math.abs(prev)) * 100;
  if (Math.abs(pct) < 0.05) return "= 0%";
  const abs = Math.abs(pct);
  return `${pct > 0 ? "▲" : "▼"} ${abs >= 10 ? Math.round(abs) : abs.toFixed(1).replace(/\.0$/, "")}%`;
}

/** win-rate style change in percentage points */
export function pointsChange(cur: number | null, prev: number | null): string {
  if (cur === null || prev === null) return "";
  const d = Math.round((cur - prev) * 10) / 10;
  return d === 0 ? "= 0 pts" : `${d > 0 ? "▲" : "▼"} ${Math.abs(d)} pts`;
}

const paren = (c: string) => (c ? ` (${c})` : "");

/** "2d 3h", "5h 36m", "14m", "40s": two units at most, a digest is read at a glance */
export function roughDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86400),
    h = Math.floor((s % 86400) / 3600),
    m = Math.floor((s % 3600) / 60);
  if (d) return h ? `${d}d ${h}h` : `${d}d`;
  if (h) return m ? `${h}h ${m}m` : `${h}h`;
  return `${m}m`;
}

/** Exact below a million, "$1.25M" above: digests are read, not audited. */
export function shortMoney(amount: string, currency: string): string {
  const v = Number(amount);
  if (Math.abs(v) < 1e6) return money(amount, currency);
  const m = money("1", currency).replace("1", "");
  const fixed = (v / 1e6).toFixed(Math.abs(v) >= 1e8 ? 0 : Math.abs(v) >= 1e7 ? 1 : 2);
  const body = `${fixed.includes(".") ? String(Number(fixed)) : fixed}M`;
  return m.startsWith(" ") ? `${body}${m}` : `${m}${body}`;
}

const amounts = (xs: { currency: string; amount: string }[]) =>
  xs
    .filter((x) => Number(x.amount) !== 0)
    .map((x) => shortMoney(x.amount, x.currency))
    .join(" + ");
const curAmounts = (xs: MoneyChange[]) => amounts(xs.map((x) => ({ currency: x.currency, amount: x.cur })));
const line = (label: string, c: Change, unit: string, money?: MoneyChange[]) => {
  const m = money ? curAmounts(money) : "";
  return `${label}: ${n(c.cur)}${unit}${paren(change(c.cur, c.prev))}${m ? ` · ${m}` : ""}`;
};

const KIND_ICON: Record<string, string> = { call: "📞", email: "✉️", meeting: "🤝", note: "📝", chat: "💬" };
const days = (x: number | null) => (x === null ? "—" : `${x >= 10 ? Math.round(x) : x.toFixed(1).replace(/\.0$/, "")}d`);
const dayName = (d: Date) => d.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });

export function pipelineBars(d: Pick<Digest, "pipeline">): PipelineBar[] {
  const fallback = d.pipeline.flatMap((r) => r.amounts.map((a) => a.currency))[0] ?? "USD";
  return d.pipeline.flatMap((r) =>
    (r.amounts.length ? r.amounts : [{ currency: fallback, amount: "0", weighted: "0", count: 0 }]).map((a) => ({
      stage: r.stage,
      currency: a.currency,
      amount: Number(a.amount),
      weighted: Number(a.weighted),
      deals: a.count,
    })),
  );
}

/** The pipeline chart (PNG) of a digest: it needs only the pipeline, so it can be drawn before the rest is summed. */
export async function pipelineChartPng(d: DigestPipeline): Promise<Uint8Array> {
  const spec = pipelineChartSpec(
    `Open pipeline by stage · ${d.workspace}`,
    pipelineBars(d),
    d.pipeline.map((x) => x.stage),
  );
  return (await renderChart(spec)).png;
}

export function chartAlt(d: Digest): string {
  return `Open pipeline by stage: ${d.pipeline.map((r) => `${r.stage} ${pl(r.count, "deal")}${r.amounts.length ? ` ${amounts(r.amounts)}` : ""}`).join("; ")}`;
}

export interface DigestReplyOptions {
  /** draw the pipeline chart (PNG) into the reply */
  chart?: boolean;
  /** the chart, drawn already or being drawn from the digest's pipeline (pipelineChartPng), instead of drawing it here */
  chartPng?: Promise<Uint8Array>;
  /** a button that posts this digest with its chart to the channel (chat surfaces, on-demand digests) */
  postCommand?: string;
  ephemeral?: boolean;
}

export async function digestReply(d: Digest, opts: DigestReplyOptions = {}): Promise<Reply> {
  const p = d.period;
  const title = `Digest: ${p.label}`;
  const r = reply(
    `${title} (${d.workspace}): ${pl(d.newDeals.count.cur, "new deal")}, ${d.won.count.cur} won, ${pl(d.tickets.opened.cur, "ticket")} opened`,
    opts.ephemeral ?? true,
  )
    .header(`📊 ${title}`)
    .context(`${d.workspace} · ${describePeriod(p)} · changes compare with the same stretch of ${p.prevLabel}`);

  // pipeline now (a stock, so no change), then the chart
  const open = d.pipeline.reduce((a, x) => a + x.count, 0);
  const pipe: Span[] = [b("Pipeline now"), s(` · ${pl(open, "open deal")}`)];
  for (const row of d.pipeline) {
    pipe.push(s("\n"), b(row.stage), s(` ${row.probability}% · ${pl(row.count, "deal")}`));
    if (row.amounts.length)
      pipe.push(
        s(` · ${amounts(row.amounts)} · weighted `),
        code(amounts(row.amounts.map((a) => ({ currency: a.currency, amount: a.weighted })))),
      );
  }
  r.text(pipe);
  if (opts.chart) r.image(chartAlt(d), await (opts.chartPng ?? pipelineChartPng(d)));

  const flow: Span[] = [
    b("Deals"),
    s(`\n🆕 ${line("New", d.newDeals.count, "", d.newDeals.amounts)}`),
    s(`\n🏆 ${line("Won", d.won.count, "", d.won.amounts)}`),
    s(`\n✖️ ${line("Lost", d.lost.count, "", d.lost.amounts)}`),
    s(
      `\n🎯 Win rate: ${d.winRate.cur === null ? "— (nothing closed)" : `${d.winRate.cur}%`}${paren(pointsChange(d.winRate.cur, d.winRate.prev))}`,
    ),
  ];
  r.text(flow);

  const fc = d.forecast;
  r.text(
    fc.length
      ? [
          b(`Forecast to ${dayName(new Date(p.end.getTime() - 1))}`),
          ...fc.flatMap((f): Span[] => [
            s("\n"),
            code(shortMoney(f.total, f.currency)),
            s(
              ` = won ${shortMoney(f.won, f.currency)} + weighted open ${shortMoney(f.weighted, f.currency)} (${pl(f.deals, "deal")} expected to close)`,
            ),
          ]),
        ]
      : [
          b(`Forecast to ${dayName(new Date(p.end.getTime() - 1))}`),
          s("\nNothing won yet and no open deal expected to close in this period."),
        ],
  );
  const modelled = d.predicted.filter((x) => x.modelled > 0);
  if (modelled.length) {
    r.context(
      `🔮 Predicted (win model): ${modelled.map((x) => `${shortMoney(x.total, x.currency)} open, ${x.modelled} of ${pl(x.deals, "deal")} scored by the model`).join(" · ")} — beside the stage-weighted figure above.`,
    );
  } else if (d.predicted.length) {
    r.context("🔮 No predicted forecast yet: the win model needs 30 closed deals (stage probabilities are used until then).");
  }

  const vel = d.velocity.filter((v) => v.cur !== null || v.prev !== null);
  if (vel.length) {
    r.text([
      b("Velocity"),
      s(" · average days in stage, for deals that left it\n"),
      s(vel.map((v) => `${v.stage} ${days(v.cur)}${paren(change(v.cur, v.prev))}`).join(" · ")),
    ]);
  }

  const st = d.stalled;
  const stalled: Span[] = [b("Stalled"), s(` · open, no interaction or move for ${pl(st.days, "day")}: ${n(st.count)}`)];
  for (const x of st.top) stalled.push(s("\n"), b(x.key), s(` ${x.title} · ${shortMoney(x.amount, x.currency)} · idle ${x.idleDays}d`));
  if (st.count > st.top.length) stalled.push(s(`\n…and ${n(st.count - st.top.length)} more`));
  r.text(stalled);

  const t = d.tickets;
  const med = (label: string, v: { cur: number | null; prev: number | null }) =>
    v.cur === null ? "" : `\n⏱️ Median ${label}: ${roughDuration(v.cur)}${paren(change(v.cur, v.prev))}`;
  r.text([
    b("Support"),
    s(`\n🎫 ${line("Opened", t.opened, "")} · ${line("resolved", t.resolved, "")} · ${line("breached SLA", t.breached, "")}`),
    s(med("first response", t.firstResponseS) + med("resolution", t.resolutionS)),
  ]);

  const ia = d.interactions;
  r.text([
    b("Activity"),
    s(` · ${pl(ia.total.cur, "interaction")}${paren(change(ia.total.cur, ia.total.prev))}`),
    ...(ia.byKind.length
      ? [s(`\n${ia.byKind.map((k) => `${KIND_ICON[k.kind] ?? ""} ${pl(k.cur, k.kind)}${paren(change(k.cur, k.prev))}`).join(" · ")}`)]
      : []),
  ]);

  if (d.leaderboard.length) {
    r.text([
      b("Leaderboard"),
      ...d.leaderboard.flatMap((m, i): Span[] => [
        s(`\n${["🥇", "🥈", "🥉"][i] ?? `${i + 1}.`} `),
        b(m.name),
        s(
          ` · won ${m.wonDeals ? `${amounts(m.won) || "0"} (${pl(m.wonDeals, "deal")})` : "nothing yet"} · ${pl(m.interactions, "interaction")}`,
        ),
      ]),
    ]);
  }

  if (d.campaigns) {
    const c = d.campaigns;
    r.text([b("Campaigns"), s(`\n📣 ${line("Sent", c.sent, "")} · ${line("failed", c.failed, "")}`)]);
  }
  if (d.atRisk.length) {
    r.text([
      b("Accounts at risk"),
      ...d.atRisk.flatMap((a): Span[] => [s("\n⚠️ "), code(a.key), s(` ${a.name}: ${a.reasons.slice(0, 2).join("; ")}`)]),
    ]);
  }
  if (d.csat.length) {
    r.text([
      b("Customer satisfaction"),
      s("\n" + d.csat.map((c) => `${c.name} ${c.average.toFixed(1)}/5 (${pl(c.answers, "rating")})`).join(" · ")),
    ]);
  }
  if (opts.postCommand) r.actions([{ label: "Post to channel with chart", command: opts.postCommand }]);
  return r.build();
}
