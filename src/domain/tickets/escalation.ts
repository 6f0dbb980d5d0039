// SLA timers firing, manual escalations and assignment DMs: who hears what, and only once.
//
// Exactly-once, as far as a chat API without idempotency keys allows: a timer event is claimed in the
// Notification table (workspaceId + dedupeKey unique) inside the same transaction that locks the ticket
// and changes its state, and the deliveries are enqueued from inside that transaction with job ids
// derived from the same key, before it commits. So:
//  - a timer that runs twice finds the claim committed (or waits on the ticket's row lock) and does nothing;
//  - a crash before commit leaves no claim and no state change; BullMQ runs the timer again and enqueues the
//    same delivery ids, which BullMQ refuses while those jobs are still in Redis;
//  - the window that remains: (a) the process dies after enqueueing but before commit, and the delivery jobs
//    have left Redis (done and trimmed past removeOnComplete) before the timer's retry; then the retry sends
//    again; (b) a delivery worker dies after Slack/Discord accepted a message but before BullMQ marked the job
//    done; the job is handed back and the message goes out twice. Both need a crash at that instant.
//    A delivery worker that only froze past its lock (and was taken over) checks the lock right before its
//    write and stops (jobs/workers.ts deliver), so a slow platform call does not become a second post.
import type { Member, Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import type { NotifyTopic, Platform } from "../../generated/prisma/enums.ts";
import type { Outbox } from "../../delivery/outbox.ts";
import type { ChatPlatform } from "../../delivery/port.ts";
import type { Reply } from "../../reply/reply.ts";
import type { Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { assignedNotice, breachNotice, level2Notice, manualEscalationNotice, warningNotice } from "./slaNotices.ts";
import { claimKey, dueOf, TARGET_LABEL, type SlaTimerData } from "./slaTimers.ts";

type Tx = Prisma.TransactionClient;

export type FireResult = "notified" | "stale" | "duplicate" | "late";

interface Audience {
  members: Member[];
  topic?: NotifyTopic;
}

type TicketForNotice = Prisma.TicketGetPayload<{ include: { assignee: true } }>;

/** Records the claim; false when this key was claimed before (the event was already notified). */
async function claim(tx: Tx, workspaceId: string, dedupeKey: string): Promise<boolean> {
  const { count } = await tx.notification.createMany({ data: [{ workspaceId, dedupeKey }], skipDuplicates: true });
  return count === 1;
}

/** Where a member can get a DM: the ticket's own platform when they have an id there, else wherever they do. */
export function dmTarget(
  m: Pick<Member, "slackUserId" | "discordUserId">,
  prefer?: Platform | null,
): { platform: ChatPlatform; userId: string } | null {
  if (prefer === "discord" && m.discordUserId) return { platform: "discord", userId: m.discordUserId };
  if (m.slackUserId) return { platform: "slack", userId: m.slackUserId };
  if (m.discordUserId) return { platform: "discord", userId: m.discordUserId };
  return null;
}

export class EscalationService {
  constructor(
    private db: PrismaClient,
    private outbox: Outbox | undefined,
  ) {}

  /** A timer fired. Does nothing for a resolved, waiting, responded or rescheduled ticket, or a second time. */
  async fire(d: SlaTimerData, now = Date.now()): Promise<FireResult> {
    return this.db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT "id" FROM "Ticket" WHERE "id" = ${d.ticketId} AND "workspaceId" = ${d.workspaceId} FOR UPDATE`;
        const t = await tx.ticket.findFirst({ where: { id: d.ticketId, workspaceId: d.workspaceId }, include: { assignee: true } });
        // a deleted (archived) ticket is nobody's to answer: its timers do nothing (after a restore the sweep plans them again)
        if (!t || t.status !== "open" || t.archivedAt) return "stale";
        // another priority, policy or a pause moved the due time: the timer planned for the new one acts
        const due = dueOf(t, d.target);
        if (!due || due.getTime() !== d.dueAt) return "stale";
        if (d.target === "first" && t.firstResponseAt) return "stale";
        // a warning after the deadline (workers were down) says nothing the breach does not
        if (d.stage === "warn" && now >= d.dueAt) return "late";
        const key = claimKey(d);
        if (!(await claim(tx, d.workspaceId, key))) return "duplicate";
        const system = { workspaceId: d.workspaceId };
        const what = `${TARGET_LABEL[d.target]} SLA`;

        if (d.stage === "warn") {
          await tx.ticketEvent.create({
            data: { workspaceId: d.workspaceId, ticketId: t.id, kind: "sla_warning", data: { target: d.target } },
          });
          // nobody to DM: the team hears it instead
          const audience: Audience = t.assignee ? { members: [t.assignee] } : { members: [], topic: "tickets" };
          await this.deliver(tx, t, audience, warningNotice(t, d.target, d.dueAt, now), key);
          return "notified";
        }

        const level = Math.max(t.escalationLevel, d.stage === "breach" ? 1 : 2);
        const breached = t.breached || d.stage === "level2";
        await tx.ticket.update({ where: { id: t.id }, data: { escalationLevel: level, breached } });
        await tx.ticketEvent.create({
          data:
            level > t.escalationLevel
              ? {
                  workspaceId: d.workspaceId,
                  ticketId: t.id,
                  kind: "escalated",
                  data: { level, reason: `${what} ${d.stage === "breach" ? "breached" : "still breached"}`, auto: true },
                }
              : { workspaceId: d.workspaceId, ticketId: t.id, kind: "sla_breached", data: { target: d.target, level } },
        });
        await audit(
          tx,
          system,
          "ticket.sla_escalate",
          "ticket",
          t.id,
          { escalationLevel: t.escalationLevel, breached: t.breached },
          { escalationLevel: level, breached, target: d.target, stage: d.stage },
        );
        const notice = { ...t, escalationLevel: level };
        if (d.stage === "breach") {
          await this.deliver(
            tx,
            t,
            { members: t.assignee ? [t.assignee] : [], topic: "tickets" },
            breachNotice(notice, d.target, d.dueAt, level),
            key,
          );
        } else {
          await this.deliver(
            tx,
            t,
            { members: await managers(tx, d.workspaceId), topic: "escalations" },
            level2Notice(notice, d.target, d.dueAt, d.targetMs, level),
            key,
          );
        }
        return "notified";
      },
      { maxWait: 10_000, timeout: 15_000 },
    );
  }

  /**
   * `/crm ticket escalate`, inside its transaction: level 1 tells the assignee and the tickets channel,
   * level 2 and up the managers and the escalations channel, once per level.
   */
  async escalated(tx: Tx, actor: Actor, t: TicketForNotice, reason?: string): Promise<void> {
    const key = `escalation:${t.id}:L${t.escalationLevel}`;
    if (!(await claim(tx, actor.workspaceId, key))) return;
    const audience: Audience =
      t.escalationLevel >= 2
        ? { members: await managers(tx, actor.workspaceId), topic: "escalations" }
        : { members: t.assignee ? [t.assignee] : [], topic: "tickets" };
    await this.deliver(tx, t, audience, manualEscalationNotice(t, t.escalationLevel, actor.name, reason), key);
  }

  /**
   * A DM to a ticket's new assignee, unless they took it themselves (the ticket.opened and ticket.assigned
   * events' handler). Throws when it cannot be queued, so the handler runs again; the key makes that one DM.
   */
  async tellAssignee(
    t: Prisma.TicketGetPayload<object>,
    assignee: Member,
    by: { memberId: string | null; name: string },
    auto: boolean,
    dedupeKey: string,
  ): Promise<boolean> {
    if (!this.outbox || assignee.id === by.memberId) return false;
    const to = dmTarget(assignee, t.source);
    if (!to) return false;
    await this.outbox.deliver({
      platform: to.platform,
      workspaceId: t.workspaceId,
      target: { userId: to.userId },
      reply: assignedNotice({ ...t, assignee }, by.name, auto, Date.now()),
      dedupeKey,
    });
    return true;
  }

  /** Enqueues DMs and channel posts with ids derived from the claim key (same key, same job). */
  private async deliver(tx: Tx, t: TicketForNotice, audience: Audience, reply: Reply, key: string): Promise<void> {
    if (!this.outbox) return;
    for (const m of audience.members) {
      const to = dmTarget(m, t.source);
      if (!to) continue; // console-only member: nowhere to DM
      await this.outbox.deliver({
        platform: to.platform,
        workspaceId: t.workspaceId,
        target: { userId: to.userId },
        reply,
        dedupeKey: `${key}:dm:${m.id}`,
      });
    }
    if (!audience.topic) return;
    const routes = await tx.notifyRoute.findMany({ where: { workspaceId: t.workspaceId, topic: audience.topic } });
    for (const r of routes) {
      if (r.platform === "console") continue;
      await this.outbox.deliver({
        platform: r.platform,
        workspaceId: t.workspaceId,
        target: { channelId: r.channelId },
        reply,
        dedupeKey: `${key}:${r.platform}:${r.channelId}`,
      });
    }
  }
}

/** Who hears level 2: the managers; a workspace without managers, its admins. */
async function managers(tx: Tx, workspaceId: string): Promise<Member[]> {
  const ms = await tx.member.findMany({ where: { workspaceId, role: "manager" }, orderBy: { createdAt: "asc" } });
  return ms.length ? ms : tx.member.findMany({ where: { workspaceId, role: "admin" }, orderBy: { createdAt: "asc" } });
}
