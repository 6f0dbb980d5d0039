// csat <T-ref> <1-5> — the requester's one-click rating of a resolved ticket (the buttons of the CSAT DM);
// csat report — average rating per agent
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, reply, s, type Span } from "../reply/reply.ts";
import { CSAT_STARS } from "../domain/health/csat.ts";

export const csat = defineCommand({
  path: ["csat"],
  summary: "Rate a resolved ticket from 1 to 5 (the person who asked for it)",
  usage: "/crm csat <T-ref> <1-5>",
  // the service lets only the ticket's requester rate, whatever their role: a viewer rates their own ticket
  ownRecordsOnly: true,
  args: { ticket: arg.ref("ticket key", "ticket"), rating: arg.int("1 (bad) to 5 (great)", 1, 5) },
  async run({ args, actor, services }) {
    const r = await services.csat.rate(actor, args.ticket, args.rating);
    if (r.already) return reply(`${r.key} was already rated`).text(`You already rated ${r.key} ${r.rating}/5; thank you!`).build();
    return reply(`Rated ${r.key} ${r.rating}/5`)
      .text([s(`${CSAT_STARS[r.rating - 1]} Thanks! You rated `), b(r.key), s(` ${r.rating}/5.`)])
      .build();
  },
});

export const csatReport = defineCommand({
  path: ["csat", "report"],
  summary: "Average CSAT per agent over the last 30 days",
  usage: "/crm csat report",
  readOnly: true,
  args: {},
  async run({ actor, services }) {
    const rows = await services.csat.byAgent(actor.workspaceId, new Date(Date.now() - 30 * 86_400_000));
    if (!rows.length) return reply("No CSAT answers in 30 days").text("No CSAT answers in the last 30 days.").build();
    return reply("CSAT per agent")
      .header("CSAT per agent · last 30 days")
      .text(
        rows.flatMap((x, i): Span[] => [
          ...(i ? [s("\n")] : []),
          b(x.name),
          s(` · ${x.average.toFixed(2)}/5 from ${x.answers} answer${x.answers === 1 ? "" : "s"}`),
        ]),
      )
      .build();
  },
});

export const csatCommands = [csatReport, csat];
