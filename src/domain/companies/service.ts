// Companies (accounts): add, find, show. Keys A-n.
import { UserInputError } from "../../errors.ts";
import type { PrismaClient, Company } from "../../generated/prisma/client.ts";
import { nextNumber } from "../../db/keys.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveRef } from "../refs.ts";
import { recordEvent, type EventLog } from "../events/record.ts";

export class CompanyService {
  constructor(
    private db: PrismaClient,
    private events: EventLog,
  ) {}

  async add(actor: Actor, input: { name: string; domain?: string }): Promise<Company> {
    requireRole(actor, "agent", "add companies");
    const domain = input.domain
      ?.toLowerCase()
      .replace(/^https?:\/\//, "")
      .split("/")[0];
    if (domain && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) throw new UserInputError(`"${input.domain}" is not a domain like acme.com`);
    const existing = await this.db.company.findFirst({
      where: { workspaceId: actor.workspaceId, name: { equals: input.name, mode: "insensitive" } },
    });
    if (existing) throw new UserInputError(`A company named "${existing.name}" already exists (A-${existing.number}).`);
    return this.events.transaction(async (tx) => {
      const number = await nextNumber(tx, actor.workspaceId, "company");
      const c = await tx.company.create({ data: { workspaceId: actor.workspaceId, number, name: input.name, domain } });
      await audit(tx, actor, "company.add", "company", c.id, null, c);
      await recordEvent(tx, actor, { type: "company.created", recordKind: "company", recordId: c.id, data: {} });
      return c;
    });
  }

  /** Finds a company by reference, or creates it when `create` is set and nothing matches by name. */
  async findOrCreate(actor: Actor, nameOrRef: string): Promise<Company> {
    try {
      const hit = await resolveRef(this.db, actor.workspaceId, "company", nameOrRef);
      return this.db.company.findUniqueOrThrow({ where: { id: hit.id } });
    } catch (e) {
      if ((e as Error).name !== "NotFoundError" || /^A-?\d+$/i.test(nameOrRef)) throw e;
      return this.add(actor, { name: nameOrRef });
    }
  }

  async get(actor: Actor, ref: string) {
    const hit = await resolveRef(this.db, actor.workspaceId, "company", ref);
    const company = await this.db.company.findFirstOrThrow({ where: { id: hit.id, workspaceId: actor.workspaceId } });
    const [contacts, openDeals, wonAgg, openTickets, recent, mergedInto] = await Promise.all([
      this.db.contact.findMany({
        where: { workspaceId: actor.workspaceId, companyId: company.id, archivedAt: null },
        orderBy: { number: "asc" },
        take: 10,
        select: { number: true, name: true, email: true },
      }),
      this.db.deal.findMany({
        where: { workspaceId: actor.workspaceId, companyId: company.id, closedAt: null, archivedAt: null },
        orderBy: { number: "asc" },
        take: 10,
        include: { stage: true },
      }),
      this.db.deal.aggregate({
        where: { workspaceId: actor.workspaceId, companyId: company.id, stage: { isWon: true }, archivedAt: null },
        _sum: { amount: true },
        _count: true,
      }),
      this.db.ticket.count({
        where: { workspaceId: actor.workspaceId, requester: { companyId: company.id }, status: { not: "resolved" }, archivedAt: null },
      }),
      this.db.interaction.findMany({
        where: { workspaceId: actor.workspaceId, companyId: company.id },
        orderBy: { occurredAt: "desc" },
        take: 5,
        include: { author: true },
      }),
      company.mergedIntoId
        ? this.db.company.findFirst({
            where: { id: company.mergedIntoId, workspaceId: actor.workspaceId },
            select: { number: true, name: true },
          })
        : null,
    ]);
    return {
      mergedInto,
      company,
      contacts,
      openDeals,
      won: { count: wonAgg._count, amount: wonAgg._sum.amount?.toString() ?? "0" },
      openTickets,
      recent,
    };
  }

  async setChannel(actor: Actor, ref: string, channelId: string): Promise<Company> {
    requireRole(actor, "manager", "map a company to a channel");
    const hit = await resolveRef(this.db, actor.workspaceId, "company", ref);
    return this.events.transaction(async (tx) => {
      const before = await tx.company.findFirstOrThrow({ where: { id: hit.id, workspaceId: actor.workspaceId } });
      const after = await tx.company.update({ where: { id: hit.id }, data: { slackChannelId: channelId } });
      await audit(
        tx,
        actor,
        "company.channel",
        "company",
        hit.id,
        { slackChannelId: before.slackChannelId },
        { slackChannelId: channelId },
      );
      await recordEvent(tx, actor, {
        type: "company.changed",
        recordKind: "company",
        recordId: hit.id,
        data: { fields: ["slackChannelId"] },
      });
      return after;
    });
  }
}
