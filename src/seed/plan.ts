// The demo workspace as rows in memory: companies, contacts, deals with stage history, interactions and
// (through supportPlan.ts) tickets. Pure: the same seed and `now` give the same data; demo.ts writes it.
import type { Prisma } from "../generated/prisma/client.ts";
import type { InteractionKind } from "../generated/prisma/enums.ts";
import { COMPANIES, DEAL_KINDS, FIRST_NAMES, LAST_NAMES, LOST_REASONS, SUMMARIES, TAGS, TITLES } from "./data.ts";
import { Random } from "../random.ts";
import { DAY, HOUR, between, workTime } from "./moments.ts";
import type { PlanInput } from "./planInput.ts";
import { planSupport } from "./supportPlan.ts";

export interface DemoPlan {
  companies: Prisma.CompanyCreateManyInput[];
  contacts: Prisma.ContactCreateManyInput[];
  deals: Prisma.DealCreateManyInput[];
  stageChanges: Prisma.DealStageChangeCreateManyInput[];
  tickets: Prisma.TicketCreateManyInput[];
  ticketEvents: Prisma.TicketEventCreateManyInput[];
  interactions: Prisma.InteractionCreateManyInput[];
}

export const CONTACT_COUNT = 80;
export const INTERACTION_COUNT = 200;
// how many deals end in each stage (40 in all)
const DEALS_PER_STAGE: Record<string, number> = { lead: 8, qualified: 7, proposal: 6, negotiation: 5, won: 9, lost: 5 };

const KIND_WEIGHTS: (readonly [InteractionKind, number])[] = [
  ["call", 30],
  ["email", 35],
  ["meeting", 12],
  ["note", 13],
  ["chat", 10],
];

export function planDemo(input: PlanInput): DemoPlan {
  const rng = new Random(input.seed ?? 20261122);
  const { workspaceId, now, newId } = input;
  const sellers = input.members.filter((m) => m.role !== "admin" && m.role !== "viewer");
  const everyone = input.members;

  // companies A-1..A-25
  const companies = COMPANIES.map((c, i) => ({
    row: { id: newId(), workspaceId, number: i + 1, name: c.name, domain: c.domain, createdAt: workTime(rng, now, rng.int(120, 240)) },
    eur: Boolean(c.eur),
    contacts: [] as Prisma.ContactCreateManyInput[],
  }));

  // contacts C-1..C-80: three per company, the rest spread; four freelancers without a company
  const usedNames = new Set<string>();
  const usedEmails = new Set<string>();
  const freelancers = 4;
  const homes = [
    ...companies.flatMap((c) => [c, c, c]),
    ...Array.from({ length: CONTACT_COUNT - companies.length * 3 - freelancers }, () => rng.pick(companies)),
    ...Array.from({ length: freelancers }, () => null),
  ];
  const contacts: Prisma.ContactCreateManyInput[] = homes.map((home, i) => {
    let first: string, last: string;
    do {
      first = rng.pick(FIRST_NAMES);
      last = rng.pick(LAST_NAMES);
    } while (usedNames.has(`${first} ${last}`));
    usedNames.add(`${first} ${last}`);
    const local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, "");
    let email = `${local}@${home ? home.row.domain : "mail.example"}`;
    for (let n = 2; usedEmails.has(email); n++) email = `${local}${n}@${home ? home.row.domain : "mail.example"}`;
    usedEmails.add(email);
    const tags = rng.chance(0.35) ? [] : [...new Set([rng.weighted(TAGS), ...(rng.chance(0.3) ? [rng.weighted(TAGS)] : [])])];
    const createdAt = home
      ? between(rng, home.row.createdAt as Date, new Date(now.getTime() - 85 * DAY))
      : workTime(rng, now, rng.int(85, 150));
    const row: Prisma.ContactCreateManyInput = {
      id: newId(),
      workspaceId,
      number: i + 1,
      name: `${first} ${last}`,
      email,
      phone: rng.chance(0.6) ? (home?.eur ? `+49 30 5550 ${rng.int(1000, 1999)}` : `+1 555 01${rng.int(10, 99)}`) : null,
      title: rng.pick(TITLES),
      tags,
      companyId: home?.row.id ?? null,
      ownerId: rng.pick(sellers).id,
      createdAt,
    };
    home?.contacts.push(row);
    return row;
  });

  // deals D-1..D-40 across the stages, each with its stage history
  const stageByName = new Map(input.stages.map((s) => [s.name, s]));
  const openPath = input.stages.filter((s) => !s.isWon && !s.isLost).sort((a, b) => a.position - b.position);
  const won = input.stages.find((s) => s.isWon)!;
  const lost = input.stages.find((s) => s.isLost)!;
  const targets = rng.shuffle(
    Object.entries(DEALS_PER_STAGE).flatMap(([name, n]) => Array.from({ length: n }, () => stageByName.get(name)!)),
  );
  const dealCompanies = [...rng.shuffle(companies), ...rng.sample(companies, targets.length - companies.length)];
  const titles = new Set<string>();
  const deals: Prisma.DealCreateManyInput[] = [];
  const stageChanges: Prisma.DealStageChangeCreateManyInput[] = [];
  const dealLife: { deal: Prisma.DealCreateManyInput; from: Date; to: Date }[] = [];
  targets.forEach((target, i) => {
    const company = dealCompanies[i];
    let kind = rng.pick(DEAL_KINDS);
    while (titles.has(`${company.row.name} ${kind}`)) kind = rng.pick(DEAL_KINDS);
    titles.add(`${company.row.name} ${kind}`);
    const big = /enterprise|multi-year/.test(kind);
    const amount = (big ? rng.int(60, 300) : rng.int(4, 80)) * 500;
    const closed = target.isWon || target.isLost;
    const createdAt = workTime(rng, now, closed ? rng.int(25, 80) : rng.int(3, 70));
    // the stages it went through: open stages up to the target; won passes all of them; lost stops anywhere
    const path = target.isWon
      ? [...openPath, won]
      : target.isLost
        ? [...openPath.slice(0, rng.int(1, openPath.length)), lost]
        : openPath.filter((s) => s.position <= target.position);
    const end = closed
      ? new Date(Math.min(createdAt.getTime() + rng.int(10, 50) * DAY, now.getTime() - DAY))
      : new Date(now.getTime() - rng.int(0, 3) * DAY);
    const moments = path
      .slice(1)
      .map(() => between(rng, createdAt, end))
      .sort((a, b) => a.getTime() - b.getTime());
    const times = [createdAt, ...moments];
    const owner = rng.pick(sellers);
    const contact = company.contacts.length ? rng.pick(company.contacts) : null;
    const lastAt = times[times.length - 1];
    const dealId = newId();
    const deal: Prisma.DealCreateManyInput = {
      id: dealId,
      workspaceId,
      number: i + 1,
      title: `${company.row.name} ${kind}`,
      amount: `${amount}.00`,
      currency: company.eur || rng.chance(0.08) ? "EUR" : "USD",
      pipelineId: input.pipelineId,
      stageId: target.id,
      ownerId: owner.id,
      companyId: company.row.id,
      contactId: contact?.id ?? null,
      expectedCloseAt: closed ? new Date(lastAt.getTime() + rng.int(-10, 10) * DAY) : new Date(now.getTime() + rng.int(-10, 75) * DAY),
      stageEnteredAt: lastAt,
      closedAt: closed ? lastAt : null,
      lostReason: target.isLost ? rng.pick(LOST_REASONS) : null,
      createdAt,
      updatedAt: lastAt,
    };
    deals.push(deal);
    path.forEach((stage, k) =>
      stageChanges.push({
        id: newId(),
        workspaceId,
        dealId,
        fromStageId: k === 0 ? null : path[k - 1].id,
        toStageId: stage.id,
        actorId: k === 0 || rng.chance(0.8) ? owner.id : rng.pick(everyone).id,
        at: times[k],
      }),
    );
    dealLife.push({ deal, from: createdAt, to: closed ? lastAt : now });
  });

  const support = planSupport(rng, { ...input, contacts, companyOf: (c) => (c.companyId as string | null) ?? null });
  const interactions: Prisma.InteractionCreateManyInput[] = [...support.interactions];
  const since = new Date(now.getTime() - 60 * DAY);
  /** a moment inside [from, to] ∩ the last 60 days, in office hours when the window allows; null when empty */
  const inWindow = (from: Date, to: Date): Date | null => {
    const lo = Math.max(from.getTime(), since.getTime()),
      hi = Math.min(to.getTime(), now.getTime());
    if (hi - lo < HOUR) return null;
    const at = between(rng, new Date(lo), new Date(hi));
    const office = new Date(at);
    office.setUTCHours(rng.int(8, 17), rng.int(0, 59), rng.int(0, 59), 0);
    return office.getTime() >= lo && office.getTime() <= hi ? office : at;
  };
  const summary = (kind: InteractionKind) => rng.pick(SUMMARIES[kind]);

  // deal work: 1-4 entries per deal during its life, by its owner mostly
  for (const { deal, from, to } of dealLife) {
    for (let n = rng.int(1, 4); n > 0 && interactions.length < INTERACTION_COUNT; n--) {
      const kind = rng.weighted(KIND_WEIGHTS);
      const occurredAt = inWindow(from, to);
      if (!occurredAt) break; // closed before the 60-day window
      interactions.push({
        id: newId(),
        workspaceId,
        kind,
        summary: summary(kind),
        occurredAt,
        authorId: rng.chance(0.75) ? deal.ownerId : rng.pick(sellers).id,
        dealId: deal.id as string,
        contactId: deal.contactId,
        companyId: deal.companyId,
        source: rng.pick(["slack", "discord", "console"] as const),
      });
    }
  }
  // account work on contacts (and a few company-level notes) fills the last 60 days
  while (interactions.length < INTERACTION_COUNT) {
    const kind = rng.weighted(KIND_WEIGHTS);
    const onCompany = rng.chance(0.12);
    const contact = rng.pick(contacts);
    const company = onCompany ? rng.pick(companies).row.id : (contact.companyId ?? null);
    interactions.push({
      id: newId(),
      workspaceId,
      kind,
      summary: summary(kind),
      occurredAt: workTime(rng, now, rng.int(0, 59)),
      authorId: rng.chance(0.6) && !onCompany ? contact.ownerId : rng.pick(sellers).id,
      contactId: onCompany ? null : contact.id,
      companyId: company,
      source: rng.pick(["slack", "discord", "console"] as const),
    });
  }

  // "last touched" follows the interactions
  const last = new Map<string, number>();
  for (const x of interactions) {
    if (!x.contactId) continue;
    const at = (x.occurredAt as Date).getTime();
    if ((last.get(x.contactId) ?? 0) < at) last.set(x.contactId, at);
  }
  for (const c of contacts) {
    const at = last.get(c.id as string);
    c.lastInteractionAt = at ? new Date(at) : null;
  }

  return {
    companies: companies.map((c) => c.row),
    contacts,
    deals,
    stageChanges,
    tickets: support.tickets,
    ticketEvents: support.events,
    interactions,
  };
}
