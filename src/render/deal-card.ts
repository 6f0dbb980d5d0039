// The deal card: the same face of a deal in every reply, notification and deal room. It takes the plain
// shape below (a deal row with its stage, owner, company and contact fits it), not a domain type.
import { b, reply, s, type Action, type ReplyBuilder } from "../reply/reply.ts";
import { day, money } from "../reply/format.ts";
import { remindMeActions } from "./remind-me.ts";

export interface CardStage {
  name: string;
  position: number;
  probability: number;
  isWon: boolean;
  isLost: boolean;
}

export interface CardDeal {
  number: number;
  title: string;
  /** a decimal (Prisma.Decimal or its string), never a float */
  amount: { toString(): string };
  currency: string;
  stage: CardStage;
  owner: { name: string } | null;
  company: { number: number; name: string } | null;
  contact: { number: number; name: string } | null;
  expectedCloseAt: Date | null;
  lostReason: string | null;
}

export function dealActions(deal: CardDeal, stages: CardStage[]): Action[] {
  const key = `D-${deal.number}`;
  // Edit opens the deal's edit form with its current values (a form button: nothing changes until it is saved)
  const edit: Action = { label: "Edit", command: `deal edit ${key}`, form: true };
  if (deal.stage.isWon || deal.stage.isLost)
    return [{ label: "Reopen as lead", command: `deal move ${key} ${stages[0]?.name ?? "lead"}` }, edit];
  const next = stages.find((st) => st.position > deal.stage.position && !st.isWon && !st.isLost);
  return [
    ...(next ? [{ label: `Move to ${next.name}`, command: `deal move ${key} ${next.name}`, style: "primary" as const }] : []),
    { label: "Won", command: `deal won ${key}`, style: "primary" },
    { label: "Lost", command: `deal lost ${key}`, style: "danger" },
    { label: "Log call", command: `log call ${key}`, form: true },
    edit,
  ];
}

export function dealCard(deal: CardDeal, stages: CardStage[], note?: string, ephemeral = true): ReplyBuilder {
  const key = `D-${deal.number}`;
  const amount = money(deal.amount.toString(), deal.currency.trim());
  const r = reply(`${key} ${deal.title} · ${amount} · ${deal.stage.name}${note ? ` (${note})` : ""}`, ephemeral);
  if (note) r.text([b(key), s(` ${note}`)]);
  return r
    .header(`${key} · ${deal.title}`)
    .fields([
      { label: "Amount", value: amount },
      { label: "Stage", value: `${deal.stage.name} (${deal.stage.probability}%)` },
      { label: "Owner", value: deal.owner?.name ?? "—" },
      { label: "Company", value: deal.company ? `A-${deal.company.number} ${deal.company.name}` : "—" },
      { label: "Contact", value: deal.contact ? `C-${deal.contact.number} ${deal.contact.name}` : "—" },
      { label: "Expected close", value: day(deal.expectedCloseAt) },
      deal.lostReason ? { label: "Lost because", value: deal.lostReason } : null,
    ])
    .actions(dealActions(deal, stages))
    .actions(remindMeActions(key, deal.title))
    .record(key);
}
