// score rules | score rule add | leads — lead scoring rules and the hottest unowned leads
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { UserInputError } from "../errors.ts";
import { parseScoreRule } from "../parse/scoreRule.ts";
import { b, code, reply, s, type Reply, type Span } from "../reply/reply.ts";
import { SCORE_FIELDS, formatReasons, topReasons } from "../domain/scoring/leadScore.ts";
import type { Crossed } from "../domain/scoring/service.ts";

const RULE_USAGE = "/crm score rule add <field>:<value> <points>";

export const scoreRules = defineCommand({
  path: ["score", "rules"],
  summary: "Show this workspace's lead-scoring rules",
  usage: "/crm score rules",
  readOnly: true,
  args: {},
  async run({ actor, services }) {
    const rules = await services.scoring.rules(actor);
    const r = reply(`${rules.length} score rule(s)`).header("Lead scoring rules");
    r.text(
      rules.length
        ? rules.flatMap((x, i): Span[] => [
            ...(i ? [s("\n")] : []),
            code(`${x.field}:${x.value}`),
            s(` ${x.points >= 0 ? "+" : ""}${x.points}`),
          ])
        : "No fit rules yet; scores come from engagement only.",
    );
    return r
      .context("Engagement adds points for interactions (meetings most), halving every 14 days, and for open deals. Scores run 0–100.")
      .build();
  },
});

export const scoreRuleAdd = defineCommand({
  path: ["score", "rule", "add"],
  summary: "Add or change a lead-scoring rule (managers and admins)",
  usage: RULE_USAGE,
  help: [
    `Fields: ${SCORE_FIELDS.join(", ")}. Title matches part of the job title; company matches its name or domain.`,
    'Examples: /crm score rule add tag:vip 25 · /crm score rule add title:"vp sales" 15 · /crm score rule add tag:student -20',
  ],
  args: { rule: arg.text("field:value then points").rest().literal() },
  async run({ args, actor, services }) {
    const parsed = parseScoreRule(args.rule);
    if (!parsed) throw new UserInputError(`Write the rule as <field>:<value> <points>, e.g. tag:vip 25.`, RULE_USAGE);
    const { field, value, points } = parsed;
    if (points < -100 || points > 100) throw new UserInputError("points must be from -100 to 100", RULE_USAGE);
    const rule = await services.scoring.addRule(actor, field, value, points);
    return reply(`Rule ${rule.field}:${rule.value} ${rule.points}`)
      .text([s("✅ Rule "), code(`${rule.field}:${rule.value}`), s(` is now ${rule.points >= 0 ? "+" : ""}${rule.points} points.`)])
      .context("Scores are recomputed in the background within a few seconds.")
      .build();
  },
});

export const leads = defineCommand({
  path: ["leads"],
  summary: "The hottest unowned leads, by score",
  usage: "/crm leads [n]",
  readOnly: true,
  args: { n: arg.int("how many (default 10)", 1, 50).optional() },
  async run({ args, actor, services }) {
    const rows = await services.scoring.leads(actor, args.n ?? 10);
    if (!rows.length) return reply("No scored unowned leads").text("No unowned leads with a score yet.").build();
    return reply(`${rows.length} hottest unowned lead(s)`)
      .header("Hottest unowned leads")
      .text(
        rows.flatMap((c, i): Span[] => [
          ...(i ? [s("\n")] : []),
          b(`${c.score}`),
          s(" "),
          code(`C-${c.number}`),
          s(` ${c.name}${c.company ? ` · ${c.company.name}` : ""}`),
          ...(topReasons(c.scoreReasons).length ? [s(` — ${formatReasons(topReasons(c.scoreReasons))}`)] : []),
        ]),
      )
      .build();
  },
});

/** What the deals channel sees when a lead crosses the threshold and gets an owner. */
export function leadRoutedReply(hit: Crossed, toOwner = false): Reply {
  return reply(`C-${hit.number} ${hit.name} scored ${hit.score}: assigned to ${hit.ownerName}`, false)
    .text([
      s("🔥 "),
      b(`C-${hit.number}`),
      s(` ${hit.name} reached lead score ${hit.score} and is now ${toOwner ? "your" : `${hit.ownerName}'s`} lead.`),
    ])
    .actions([{ label: "Show", command: `contact show C-${hit.number}` }])
    .record(`C-${hit.number}`)
    .build();
}

export const scoringCommands = [scoreRules, scoreRuleAdd, leads];
