// CSAT: when a ticket is resolved and its requester can be reached in chat (Contact.slackUserId /
// discordUserId), they get a direct message with five buttons (`csat T-42 1` … `5`). One CsatResponse per
// ticket: the request creates it once (a re-resolve asks no second time), the first click answers it.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Outbox } from "../../delivery/outbox.ts";
import type { ChatPlatform } from "../../delivery/port.ts";
import { PermissionError, UserInputError } from "../../errors.ts";
import { reply, s, b } from "../../reply/reply.ts";
import type { Actor } from "../actor.ts";
import { resolveRef } from "../refs.ts";

export const CSAT_STARS = ["😞", "🙁", "😐", "🙂", "😄"];

export class CsatService {
  constructor(
    private db: PrismaClient,
    private outbox?: Outbox,
  ) {}

  /**
   * Where the requester of a resolved ticket would be asked: the platform the resolver is on first, then the
   * other one; null when they cannot be reached in chat. Read-only: the command's answer says it in advance.
   */
  async channelFor(workspaceId: string, ticketId: string, prefer: string): Promise<ChatPlatform | null> {
    if (!this.outbox) return null;
    const t = await this.db.ticket.findFirst({ where: { id: ticketId, workspaceId, status: "resolved" }, include: { requester: true } });
    const who = t?.requester;
    if (!who) return null;
    // a customer who wrote in a shared channel is asked in their thread (conversations/replies.ts resolved()), not by DM
    const inChat = await this.db.ticketMessage.count({
      where: { workspaceId, ticketId, kind: "inbound", channel: { in: ["slack", "discord"] } },
    });
    if (inChat) return null;
    const order: ChatPlatform[] = prefer === "discord" ? ["discord", "slack"] : ["slack", "discord"];
    return order.find((p) => (p === "slack" ? who.slackUserId : who.discordUserId)) ?? null;
  }

  /**
   * Asks the requester once (the ticket.resolved event's handler): the CsatResponse row is written through tx,
   * the handler's claim, so a run that fails before its commit leaves no row and the next run asks again.
   */
  async request(
    workspaceId: string,
    ticketId: string,
    prefer: string,
    tx: Pick<PrismaClient, "csatResponse"> = this.db,
  ): Promise<ChatPlatform | null> {
    const platform = await this.channelFor(workspaceId, ticketId, prefer);
    if (!platform || !this.outbox) return null;
    const t = await this.db.ticket.findFirstOrThrow({ where: { id: ticketId, workspaceId }, include: { requester: true } });
    const who = t.requester!;
    const created = await tx.csatResponse.createMany({ data: [{ workspaceId, ticketId: t.id }], skipDuplicates: true });
    if (!created.count) return null;
    const key = `T-${t.number}`;
    const ask = reply(`How did we do on ${key}?`, false)
      .text([s("Your request "), b(key), s(` "${t.subject}" was resolved. How did we do?`)])
      .actions(CSAT_STARS.map((icon, i) => ({ label: `${icon} ${i + 1}`, command: `csat ${key} ${i + 1}` })))
      .build();
    await this.outbox.deliver({
      platform,
      workspaceId,
      target: { userId: platform === "slack" ? who.slackUserId! : who.discordUserId! },
      reply: ask,
      dedupeKey: `csat:${t.id}`,
    });
    return platform;
  }

  /** The requester's rating, recorded once per ticket. */
  async rate(actor: Actor, ref: string, rating: number): Promise<{ key: string; rating: number; already: boolean }> {
    const hit = await resolveRef(this.db, actor.workspaceId, "ticket", ref);
    const t = await this.db.ticket.findFirstOrThrow({
      where: { id: hit.id, workspaceId: actor.workspaceId },
      include: { requester: true },
    });
    const key = `T-${t.number}`;
    const mine =
      actor.platformUserId &&
      (actor.platform === "slack" ? t.requester?.slackUserId : actor.platform === "discord" ? t.requester?.discordUserId : undefined) ===
        actor.platformUserId;
    // an open ticket first: whoever asks, the answer is that there is nothing to rate yet
    if (t.status !== "resolved") throw new UserInputError(`${key} is not resolved yet; rate it once it is.`);
    if (!mine) throw new PermissionError(`Only the person who asked for ${key} can rate it.`);
    const now = new Date();
    await this.db.csatResponse.createMany({ data: [{ workspaceId: actor.workspaceId, ticketId: t.id }], skipDuplicates: true });
    const took = await this.db.csatResponse.updateMany({
      where: { ticketId: t.id, workspaceId: actor.workspaceId, rating: null },
      data: { rating, answeredAt: now },
    });
    if (took.count) return { key, rating, already: false };
    const row = await this.db.csatResponse.findUniqueOrThrow({ where: { ticketId: t.id } });
    return { key, rating: row.rating ?? rating, already: true };
  }

  /** Average rating per assignee over answers since `since` (for a digest or a report). */
  async byAgent(workspaceId: string, since: Date) {
    return this.db.$queryRaw<{ name: string; answers: number; average: number }[]>`
      SELECT coalesce(m."name", 'unassigned') AS name, count(*)::int AS answers, round(avg(r."rating")::numeric, 2)::float8 AS average
      FROM "CsatResponse" r JOIN "Ticket" t ON t."id" = r."ticketId" LEFT JOIN "Member" m ON m."id" = t."assigneeId"
      WHERE r."workspaceId" = ${workspaceId} AND r."answeredAt" >= ${since} AND r."rating" IS NOT NULL
      GROUP BY 1 ORDER BY 3 DESC, 1`;
  }
}
