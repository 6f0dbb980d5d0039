// link [code] | unlink — one CRM for a Slack workspace and a Discord server
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, code, reply, s } from "../reply/reply.ts";

export const link = defineCommand({
  path: ["link"],
  summary: "Pair this Slack workspace and a Discord server into one CRM (admins)",
  usage: "/crm link [code]",
  help: [
    "Run /crm link on one platform to get a code, then /crm link <code> on the other within 10 minutes.",
    "The side that types the code joins the other's CRM; it must not have records of its own yet.",
  ],
  args: { code: arg.text("the code from the other platform").optional() },
  async run({ args, actor, services }) {
    if (!args.code) {
      const c = await services.links.createCode(actor);
      const where = c.joins === "discord" ? "your Discord server" : "your Slack workspace";
      return reply(`Link code ${c.code}`)
        .header("Link code")
        .text([s("In "), b(where), s(", an admin runs "), code(`/crm link ${c.code}`), s(" within 10 minutes. The code works once.")])
        .build();
    }
    const joined = await services.links.redeem(actor, args.code);
    services.identity.forget();
    return reply(`Linked to ${joined.name}`)
      .text([
        s("🔗 Linked. This "),
        b(actor.platform === "slack" ? "Slack workspace" : "Discord server"),
        s(` now shares the CRM "${joined.name}": same contacts, deals and tickets.`),
      ])
      .build();
  },
});

export const unlink = defineCommand({
  path: ["unlink"],
  summary: "Take this platform out of a linked CRM (admins); records stay with the CRM",
  usage: "/crm unlink",
  args: {},
  async run({ actor, services }) {
    await services.links.unlink(actor);
    services.identity.forget();
    return reply("Unlinked")
      .text("Unlinked: this space now has a CRM of its own (empty). The shared records stay with the other platform.")
      .build();
  },
});
