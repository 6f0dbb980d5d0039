// role | oncall
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, reply, s } from "../reply/reply.ts";

export const role = defineCommand({
  path: ["role"],
  summary: "Set a member's role (admins only)",
  usage: "/crm role <@user> <admin|manager|agent|viewer>",
  help: ["Viewers read; agents act on their own and unassigned records; managers and admins on all."],
  args: { member: arg.member("the member"), role: arg.choice("new role", ["admin", "manager", "agent", "viewer"] as const) },
  async run({ args, actor, services }) {
    const m = await services.members.setRole(actor, args.member, args.role);
    services.identity.forget();
    return reply(`${m.name} is now ${m.role}`)
      .text([b(m.name), s(` is now ${m.role}.`)])
      .build();
  },
});

export const oncall = defineCommand({
  path: ["oncall"],
  summary: "Go on or off call for ticket routing",
  usage: "/crm oncall on|off",
  args: { state: arg.choice("on or off", ["on", "off"] as const) },
  async run({ args, actor, services }) {
    const m = await services.members.setOnCall(actor, args.state === "on");
    services.identity.forget();
    return reply(m.onCall ? "You are on call" : "You are off call")
      .text(m.onCall ? "🟢 You are on call: new tickets can be routed to you." : "⚪ You are off call.")
      .build();
  },
});
