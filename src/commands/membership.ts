// settings join:<agent|viewer|invite> | role map <@&role> <role|none>: who becomes a member by using the CRM.
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, code, reply, s } from "../reply/reply.ts";
import { JOIN_RULES, defaultJoinRule } from "../domain/workspaces/membership.ts";
import { requireRole } from "../domain/actor.ts";

const RULE_MEANS = {
  agent: "join as agents",
  viewer: "join as viewers (read only)",
  invite: "are not let in: an admin adds them with /crm role @user <role>",
} as const;

export const settings = defineCommand({
  path: ["settings"],
  summary: "Who joins the CRM by using it (admins) and your own time zone (anyone); no option: show them",
  usage: "/crm settings [join:agent|viewer|invite] [tz:<IANA zone>]",
  // tz: is each member's own (viewers too); join: is checked for admins by the service
  ownRecordsOnly: true,
  help: [
    "join: what happens to someone of your Slack team or Discord server who is not a member yet and uses /crm.",
    "Defaults: viewer on Slack, invite on Discord. Slack guests and people of other teams never join; installers, SLACK_ADMIN_USERS and Discord members with Manage Server are admins.",
    "tz: your time zone (an IANA name like Europe/Madrid) for task due times; unset, Slack's profile zone, else the workspace's report zone, else UTC.",
  ],
  args: {
    join: arg.choice("agent, viewer or invite", JOIN_RULES).option().optional(),
    tz: arg.timezone("your time zone, e.g. Europe/Madrid").option().optional(),
  },
  async run({ args, actor, services }) {
    if (args.tz && args.join) requireRole(actor, "admin", "change who joins");
    if (args.tz) {
      const tz = await services.zones.set(actor, args.tz);
      if (!args.join)
        return reply(`Your time zone is now ${tz}`)
          .text([s("🕘 Your time zone is now "), b(tz), s(": task due times are read and shown in it.")])
          .build();
    }
    if (args.join) {
      await services.workspaceSettings.setJoinRule(actor, args.join);
      services.identity.forget();
      return reply(`New people now ${RULE_MEANS[args.join]}`)
        .text([s("👥 People who are not members yet now "), b(RULE_MEANS[args.join]), s(".")])
        .build();
    }
    const [{ rule, platforms }, zone] = await Promise.all([
      services.workspaceSettings.joinRule(actor.workspaceId),
      services.zones.of(actor.workspaceId, actor.memberId),
    ]);
    const lines = rule
      ? [s("👥 join: "), code(rule), s(` — new people ${RULE_MEANS[rule]}.`)]
      : [
          s("👥 join: not set — "),
          ...platforms
            .filter((p) => p !== "console")
            .flatMap((p) => {
              const d = defaultJoinRule(p as "slack" | "discord");
              return [s(`on ${p === "slack" ? "Slack" : "Discord"} new people ${RULE_MEANS[d]} (`), code(d), s("). ")];
            }),
          s("Change it with "),
          code("/crm settings join:agent|viewer|invite"),
          s("."),
        ];
    const ZONE_FROM = { member: "yours", workspace: "the workspace's report zone", default: "the default" } as const;
    return reply("Settings")
      .text(lines)
      .text([
        s("🕘 tz: "),
        code(zone.tz),
        s(` — ${ZONE_FROM[zone.source]}; set yours with `),
        code("/crm settings tz:Europe/Madrid"),
        s("."),
      ])
      .build();
  },
});

export const roleMap = defineCommand({
  path: ["role", "map"],
  summary: "Make holders of a Discord server role members with a CRM role (admins); none removes it",
  usage: "/crm role map <@&discord-role> <admin|manager|agent|viewer|none>",
  help: ["Applies when someone first uses the CRM; the highest mapped role of theirs wins. /crm role map lists the mappings."],
  args: {
    server_role: arg.serverRole("the Discord server role, e.g. @Support").optional(),
    role: arg.choice("CRM role, or none", ["admin", "manager", "agent", "viewer", "none"] as const).optional(),
  },
  async run({ args, actor, services }) {
    if (args.server_role && args.role) {
      await services.roleMap.set(actor, args.server_role, args.role);
      services.identity.forget();
      return args.role === "none"
        ? reply("Server role unmapped")
            .text([s("Server role "), code(args.server_role), s(" no longer makes anyone a member.")])
            .build()
        : reply(`Server role mapped to ${args.role}`)
            .text([s("Server role "), code(args.server_role), s(" → "), b(args.role), s(`: people with that role join as ${args.role}s.`)])
            .build();
    }
    if (args.server_role || args.role)
      return reply("Give both")
        .text([s("Give a server role and a CRM role: "), code("/crm role map @Support agent"), s(".")])
        .build();
    const map = await services.roleMap.list(actor);
    if (!map.length)
      return reply("No server roles mapped")
        .text([s("No server roles are mapped. Map one with "), code("/crm role map @Support agent"), s(".")])
        .build();
    return reply("Server roles")
      .text(map.flatMap((m, i) => [...(i ? [s("\n")] : []), s("Server role "), code(m.externalRoleId), s(" → "), b(m.role)]))
      .build();
  },
});
