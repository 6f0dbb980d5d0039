// Scheduled reports: a ReportSchedule row per schedule (R-1, R-2… per workspace) and a job scheduler in the
// queue that ticks at the schedule's time in its time zone. Each tick posts the digest with its chart to
// the schedule's channel through the outbox. The domain knows the scheduler only through the port below.
import { randomBytes } from "node:crypto";
import type { PrismaClient, ReportSchedule } from "../../generated/prisma/client.ts";
import { NotFoundError, UnavailableError, UserInputError } from "../../errors.ts";
import type { Outbox } from "../../delivery/outbox.ts";
import type { ChatPlatform } from "../../delivery/port.ts";
import { formatKey, nextNumber, parseKey } from "../../db/keys.ts";
import type { Logger } from "../../log.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import type { DigestRenderer, DigestService } from "./digest.ts";
import { PERIODS, periodFor, type PeriodName } from "./period.ts";

/** What the queue needs to tick a schedule. */
export interface ScheduledReport {
  id: string;
  workspaceId: string;
  cron: string;
  timezone: string;
}

/** The job scheduler behind reports (BullMQ in jobs/reports.ts). */
export interface ReportScheduler {
  upsert(r: ScheduledReport): Promise<void>;
  remove(scheduleId: string): Promise<void>;
  /** next tick per schedule id, when the scheduler knows it */
  next(scheduleIds: string[]): Promise<Map<string, Date>>;
}

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const CADENCES = ["daily", "weekly"] as const;

/**
 * Six-field cron (seconds first, as BullMQ's cron parser reads it): second 0 of HH:MM, every day or on one
 * weekday (0 = Sunday, the cron and JS convention, which is also what ReportSchedule.weekday stores).
 */
export function cronFor(s: Pick<ReportSchedule, "cadence" | "time" | "weekday">): string {
  const [h, m] = s.time.split(":").map(Number);
  return `0 ${m} ${h} * * ${s.cadence === "weekly" ? (s.weekday ?? 1) : "*"}`;
}

export const toScheduled = (s: ReportSchedule): ScheduledReport => ({
  id: s.id,
  workspaceId: s.workspaceId,
  cron: cronFor(s),
  timezone: s.timezone,
});

export interface ScheduleInput {
  cadence: "daily" | "weekly";
  time: { hour: number; minute: number };
  weekday?: Weekday;
  timezone?: string;
  period?: PeriodName;
  channel: { platform: ChatPlatform; channelId: string };
}

export type TickResult = "posted" | "duplicate" | "inactive";

export class ReportService {
  constructor(
    private db: PrismaClient,
    private digests: DigestService,
    private deps: { scheduler?: ReportScheduler; outbox?: Outbox; render?: DigestRenderer; logger?: Logger } = {},
  ) {}

  async schedule(actor: Actor, input: ScheduleInput): Promise<ReportSchedule> {
    requireRole(actor, "manager", "schedule reports");
    if (input.cadence === "daily" && input.weekday)
      throw new UserInputError("weekday: is only for weekly reports.", "/crm report schedule weekly <HH:MM> weekday:<mon..sun>");
    const scheduler = this.deps.scheduler;
    if (!scheduler) throw new UnavailableError("Reports need the job queue (Redis), which this process does not have.");
    const time = `${String(input.time.hour).padStart(2, "0")}:${String(input.time.minute).padStart(2, "0")}`;
    return this.db.$transaction(async (tx) => {
      const number = await nextNumber(tx, actor.workspaceId, "report");
      const row = await tx.reportSchedule.create({
        data: {
          workspaceId: actor.workspaceId,
          number,
          cadence: input.cadence,
          time,
          timezone: input.timezone ?? "UTC",
          weekday: input.cadence === "weekly" ? WEEKDAYS.indexOf(input.weekday ?? "mon") : null,
          period: input.period ?? (input.cadence === "weekly" ? "week" : "today"),
          platform: input.channel.platform,
          channelId: input.channel.channelId,
          createdById: actor.memberId,
        },
      });
      await audit(tx, actor, "report.schedule", "reportSchedule", row.id, null, {
        key: formatKey("report", number),
        cron: cronFor(row),
        timezone: row.timezone,
        channel: input.channel,
      });
      // inside the transaction: when the queue cannot take it, the row is not kept either
      await scheduler.upsert(toScheduled(row));
      return row;
    });
  }

  async list(actor: Actor): Promise<{ rows: ReportSchedule[]; next: Map<string, Date> }> {
    const rows = await this.db.reportSchedule.findMany({
      where: { workspaceId: actor.workspaceId, active: true },
      orderBy: { number: "asc" },
    });
    const next =
      rows.length && this.deps.scheduler
        ? await this.deps.scheduler.next(rows.map((r) => r.id)).catch(() => new Map<string, Date>())
        : new Map<string, Date>();
    return { rows, next };
  }

  async cancel(actor: Actor, ref: string): Promise<ReportSchedule> {
    requireRole(actor, "manager", "cancel reports");
    const key = parseKey(ref);
    if (!key || key.kind !== "report") throw new UserInputError(`"${ref}" is not a report key like R-2.`, "/crm report cancel <R-ref>");
    const row = await this.db.reportSchedule.findFirst({ where: { workspaceId: actor.workspaceId, number: key.number, active: true } });
    if (!row) throw new NotFoundError(`No scheduled report R-${key.number}; see /crm report list.`);
    // the row goes inactive first: a tick that still fires finds it inactive and posts nothing
    await this.db.$transaction(async (tx) => {
      await tx.reportSchedule.update({ where: { id: row.id }, data: { active: false } });
      await audit(tx, actor, "report.cancel", "reportSchedule", row.id, { active: true }, { active: false });
    });
    await this.deps.scheduler
      ?.remove(row.id)
      .catch((e: Error) =>
        this.deps.logger?.warn({ err: e.message, schedule: row.id }, "report scheduler not removed; the next tick removes it"),
      );
    return row;
  }

  /** Every active schedule of every workspace: the worker re-creates their job schedulers on start. */
  activeSchedules(): Promise<ReportSchedule[]> {
    return this.db.reportSchedule.findMany({ where: { active: true } });
  }

  /**
   * One tick of a schedule, posted once however many workers see it and whatever dies on the way: build the
   * digest with its chart, then claim the tick (schedule + tick time, in Notification) and hand the post to
   * the outbox in one transaction, as the SLA notices do. A worker killed (or a database crash) before the
   * commit leaves no claim, so the job's retry on another worker posts; the outbox's job id is the same key,
   * so a crash between enqueueing and the commit does not post twice either.
   */
  async runTick(workspaceId: string, scheduleId: string, tickAt: Date, now = new Date()): Promise<TickResult> {
    const s = await this.db.reportSchedule.findFirst({ where: { id: scheduleId, workspaceId } });
    if (!s || !s.active || s.platform === "console") {
      await this.deps.scheduler?.remove(scheduleId).catch(() => undefined);
      return "inactive";
    }
    const { outbox, render } = this.deps;
    if (!outbox || !render) throw new UnavailableError("no outbox to post the report through, or nothing to draw it with");
    const dedupeKey = `report:${s.id}:${tickAt.toISOString()}`;
    if (await this.db.notification.findFirst({ where: { workspaceId, dedupeKey }, select: { id: true } })) return "duplicate";
    const period = (PERIODS as readonly string[]).includes(s.period) ? (s.period as PeriodName) : "today";
    const digest = await this.digests.build(workspaceId, periodFor(period, now));
    const reply = await render(digest, { chart: true, ephemeral: false });
    reply.blocks.splice(1, 0, { type: "context", text: `Scheduled report ${formatKey("report", s.number)} · ${describeSchedule(s)}` });
    return this.db.$transaction(
      async (tx) => {
        // a second runner of this tick waits here on the first one's uncommitted claim, then finds it
        const claimed = await tx.notification.createMany({
          data: [{ id: `c${randomBytes(12).toString("hex")}`, workspaceId, dedupeKey }],
          skipDuplicates: true,
        });
        if (claimed.count === 0) return "duplicate" as const;
        await outbox.deliver({ platform: s.platform as ChatPlatform, workspaceId, target: { channelId: s.channelId }, reply, dedupeKey });
        return "posted" as const;
      },
      { maxWait: 10_000, timeout: 15_000 },
    );
  }
}

export function describeSchedule(s: Pick<ReportSchedule, "cadence" | "time" | "weekday" | "timezone" | "period">): string {
  const day =
    s.cadence === "weekly"
      ? `every ${["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][s.weekday ?? 1]}`
      : "every day";
  return `${day} at ${s.time} ${s.timezone} · digest of ${s.period === "today" ? "the day" : `the ${s.period}`} so far`;
}
