// sla show | sla set <priority> first:<duration> resolve:<duration> | ticket priority <T-ref> <priority>
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, reply, s } from "../reply/reply.ts";
import { duration, plural } from "../reply/format.ts";
import { TICKET_PRIORITIES } from "../domain/tickets/service.ts";
import { WARN_AT } from "../domain/tickets/slaTimers.ts";

const HOW =
  `Warnings go to the assignee at ${WARN_AT * 100} % of a target. At the due time the ticket escalates to level 1 ` +
  "(assignee + tickets channel); one more full target later to level 2 (managers + escalations channel). Clocks pause while a ticket waits on the customer.";

export const slaShow = defineCommand({
  path: ["sla", "show"],
  summary: "Show the SLA targets per priority",
  usage: "/crm sla show",
  readOnly: true,
  args: {},
  async run({ actor, services }) {
    const rows = await services.sla.show(actor);
    return reply("SLA targets")
      .header("SLA targets")
      .fields(
        rows.map((r) => ({
          label: r.priority,
          value: `first response ${duration(r.firstResponseSec)} · resolution ${duration(r.resolutionSec)}`,
        })),
      )
      .context(HOW)
      .build();
  },
});

export const slaSet = defineCommand({
  path: ["sla", "set"],
  summary: "Change a priority's first-response and resolution targets (managers)",
  usage: "/crm sla set <priority> first:<duration> resolve:<duration>",
  help: [
    "Durations like 90s, 30m, 4h, 2d or 1h30m. Give one or both.",
    "Open tickets of that priority follow the new targets (counted from when they opened, waiting excluded).",
    "Example: /crm sla set urgent first:30m resolve:4h",
  ],
  args: {
    priority: arg.choice("priority", TICKET_PRIORITIES),
    first: arg.duration("first response target, e.g. 30m").optional().option(),
    resolve: arg.duration("resolution target, e.g. 4h").optional().option(),
  },
  async run({ args, actor, services }) {
    const { policy, rescheduled } = await services.sla.set(actor, args.priority, { first: args.first, resolve: args.resolve });
    const r = reply(
      `${policy.priority} SLA: first response ${duration(policy.firstResponseSec)}, resolution ${duration(policy.resolutionSec)}`,
    ).text([
      s("⏱ "),
      b(policy.priority),
      s(` tickets: first response within ${duration(policy.firstResponseSec)}, resolution within ${duration(policy.resolutionSec)}.`),
    ]);
    if (rescheduled) r.context(`${plural(rescheduled, "open ticket")} rescheduled to the new targets.`);
    return r.build();
  },
});

export const ticketPriority = defineCommand({
  path: ["ticket", "priority"],
  summary: "Change a ticket's priority; its SLA due times follow the new priority",
  usage: "/crm ticket priority <T-ref> <low|normal|high|urgent>",
  args: { ticket: arg.ref("ticket key", "ticket"), priority: arg.choice("new priority", TICKET_PRIORITIES) },
  async run({ args, actor, services }) {
    const { before, after } = await services.sla.reprioritise(actor, args.ticket, args.priority);
    const k = `T-${after.number}`;
    const due = (d: Date | null) => (d ? `${d.toISOString().slice(0, 16).replace("T", " ")} UTC` : "—");
    return reply(`${k} is now ${after.priority}`)
      .text([s("🔀 "), b(k), s(` ${after.subject}: priority ${before.priority} → ${after.priority}.`)])
      .fields([
        { label: "First response", value: after.firstResponseAt ? "responded" : `due ${due(after.firstResponseDueAt)}` },
        { label: "Resolution", value: `due ${due(after.resolutionDueAt)}` },
      ])
      .actions([{ label: "Show", command: `ticket show ${k}` }])
      .record(k)
      .build();
  },
});

export const slaCommands = [slaShow, slaSet, ticketPriority];
