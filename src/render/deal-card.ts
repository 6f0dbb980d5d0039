// The deal card: the same face of a deal in every reply, notification and deal room.
import type { Stage } from "../generated/prisma/client.ts";
import type { DealWithRefs } from "../domain/deals/service.ts";
import { b, reply, s, type Action, type ReplyBuilder } from "../reply/reply.ts";
import { day, money } from "../reply/format.ts";

export function dealActions(deal: DealWithRefs, stages: Stage[]): Action[] {
  const key = `D-${deal.number}`;
  if (deal.stage.isWon || deal.stage.isLost) return [{ label: "Reopen as lead", command: `deal move ${key} ${stages[0]?.name ?? "lead"}` }];
  const next = stages.find((st) => st.position > deal.stage.position && !st.isWon && !st.isLost);
  return [
    ...(next ? [{ label: `Move to ${next.name}`, command: `deal move ${key} ${next.name}`, style: "primary" as const }] : []),
    { label: "Won", command: `deal won ${key}`, style: "primary" },
    { label: "Lost", command: `deal lost ${key}`, style: "danger" },
    { label: "Log call", command: `log call ${key} Call` },
  ];
}

export function dealCard(deal: DealWithRefs, stages: Stage[], note?: string, ephemeral = true): ReplyBuilder {
  const key = `D-${deal.number}`;
  const amount = money(deal.amount.toString(), deal.currency.trim());
  const r = reply(`${key} ${deal.title} · ${amount} · ${deal.stage.name}${note ? ` (${note})` : ""}`, ephemeral);
  if (note) r.text([b(key), s(` ${note}`)]);
  return r.header(`${key} · ${deal.title}`).fields([
    { label: "Amount", value: amount },
    { label: "Stage", value: `${deal.stage.name} (${deal.stage.probability}%)` },
    { label: "Owner", value: deal.owner?.name ?? "—" },
    { label: "Company", value: deal.company ? `A-${deal.company.number} ${deal.company.name}` : "—" },
    { label: "Contact", value: deal.contact ? `C-${deal.contact.number} ${deal.contact.name}` : "—" },
    { label: "Expected close", value: day(deal.expectedCloseAt) },
    deal.lostReason ? { label: "Lost because", value: deal.lostReason } : null,
  ]).actions(dealActions(deal, stages)).record(key);
}
