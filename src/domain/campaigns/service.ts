// Campaigns: create (segment + channel + template), write the message, preview, test, send now or at a
// time, pause / resume / cancel, retry failures. Managers and admins change campaigns; anyone reads.
// The sending itself happens in jobs (runner.ts, sender.ts); this service only moves the campaign's state.
import { campaignRoi, type CampaignRoi } from "./roi.ts";
import { NotFoundError, UserInputError } from "../../errors.ts";
import { Prisma, type Campaign, type PrismaClient } from "../../generated/prisma/client.ts";
import type { CampaignChannel } from "../../generated/prisma/enums.ts";
import { nextNumber, parseKey } from "../../db/keys.ts";
import type { Outbox } from "../../delivery/outbox.ts";
import { reply } from "../../reply/reply.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import type { CampaignJobs, CampaignRef } from "./jobs.ts";
import { CampaignBackground, type BackgroundDeps } from "./background.ts";
import { segmentCounts, statusCounts, UNKNOWN, type StatusCounts } from "./recipients.ts";
import { formatSegment, parseSegment } from "./segment.ts";
import { TEXT_LIMITS } from "../../parse/limits.ts";
import { resolveSegment } from "./segmentSql.ts";
import { contactValues, renderTemplate, validateTemplate } from "./template.ts";

export interface CampaignDeps {
  jobs?: CampaignJobs;
  /** test DMs to the author go through the ordinary delivery queues */
  outbox?: Outbox;
  /** what email campaigns need; missing entries are named when someone tries one */
  email?: { smtp: boolean; from?: string; publicUrl?: string; secret?: string };
}

export interface NewCampaign {
  name: string;
  segment: string;
  channel: CampaignChannel;
  message?: string;
  subject?: string;
  at?: Date;
}

export interface SampleContact {
  id: string;
  number: number;
  name: string;
  email: string | null;
  company: string | null;
  owner: string | null;
  reason: string | null;
}

const CHANGEABLE = ["draft", "scheduled"] as const;

export class CampaignService {
  constructor(
    private db: PrismaClient,
    private deps: CampaignDeps = {},
  ) {}

  async create(actor: Actor, input: NewCampaign): Promise<Campaign & { counts: { total: number; reachable: number } }> {
    requireRole(actor, "manager", "create campaigns");
    const name = input.name.trim();
    if (name.length > TEXT_LIMITS.campaignName)
      throw new UserInputError(`The campaign name is too long (at most ${TEXT_LIMITS.campaignName} characters).`);
    if (input.channel === "email") this.requireEmail();
    if (input.message) validateTemplate(input.message);
    if (input.subject) this.checkSubject(input.subject, input.channel);
    if (input.at && input.at.getTime() <= Date.now())
      throw new UserInputError('at: is in the past; give a future time like "tomorrow 9am", or leave it out to send when you say send.');
    const resolved = await resolveSegment(this.db, actor.workspaceId, parseSegment(input.segment), { meId: actor.memberId, strict: true });
    const segment = formatSegment(resolved.terms);
    const counts = await segmentCounts(this.db, input.channel, resolved.where);
    const c = await this.db.$transaction(async (tx) => {
      const number = await nextNumber(tx, actor.workspaceId, "campaign");
      const row = await tx.campaign.create({
        data: {
          workspaceId: actor.workspaceId,
          number,
          name,
          segment,
          channel: input.channel,
          message: input.message ?? null,
          subject: input.subject ?? null,
          scheduledAt: input.at ?? null,
          authorId: actor.memberId,
        },
      });
      await audit(tx, actor, "campaign.create", "campaign", row.id, null, row);
      return row;
    });
    return { ...c, counts };
  }

  /** The campaign, if actor may still change its message (the form asks before anyone types). */
  async editable(actor: Actor, ref: string): Promise<Campaign> {
    requireRole(actor, "manager", "edit campaigns");
    const c = await this.get(actor, ref);
    if (!(CHANGEABLE as readonly string[]).includes(c.status))
      throw new UserInputError(`K-${c.number} is ${c.status}; the message can only change before it is sent.`);
    return c;
  }

  async setMessage(actor: Actor, ref: string, message: string, subject?: string): Promise<Campaign> {
    const c = await this.editable(actor, ref);
    validateTemplate(message);
    if (subject) this.checkSubject(subject, c.channel);
    return this.db.$transaction(async (tx) => {
      // only while it is still unsent: a send pressed meanwhile wins, and this writes nothing
      const n = await tx.campaign.updateMany({
        where: { id: c.id, status: { in: [...CHANGEABLE] } },
        data: { message, ...(subject ? { subject } : {}) },
      });
      if (!n.count)
        throw new UserInputError(
          `K-${c.number} changed meanwhile (see /crm campaign status K-${c.number}); the message can only change before it is sent.`,
        );
      const after = await tx.campaign.findUniqueOrThrow({ where: { id: c.id } });
      await audit(
        tx,
        actor,
        "campaign.message",
        "campaign",
        c.id,
        { message: c.message, subject: c.subject },
        { message, subject: after.subject },
      );
      return after;
    });
  }

  async get(actor: Actor, ref: string): Promise<Campaign> {
    const text = ref.trim();
    const key = parseKey(text);
    if (key && key.kind !== "campaign") throw new UserInputError(`${text.toUpperCase()} is a ${key.kind} key; campaigns are K-1, K-2…`);
    const c = key
      ? await this.db.campaign.findUnique({ where: { workspaceId_number: { workspaceId: actor.workspaceId, number: key.number } } })
      : await this.db.campaign.findFirst({
          where: { workspaceId: actor.workspaceId, name: { equals: text, mode: "insensitive" } },
          orderBy: { number: "desc" },
        });
    if (!c)
      throw new NotFoundError(
        key ? `No campaign K-${key.number} in this workspace.` : `No campaign named "${text}"; use its key, like K-1.`,
      );
    return c;
  }

  list(actor: Actor) {
    return this.db.campaign.findMany({ where: { workspaceId: actor.workspaceId }, orderBy: { number: "desc" }, take: 15 });
  }

  /** The segment as it is now: how many, how many the channel reaches, and the first five. */
  async preview(actor: Actor, ref: string): Promise<{ campaign: Campaign; total: number; reachable: number; sample: SampleContact[] }> {
    const campaign = await this.get(actor, ref);
    const { where } = await resolveSegment(this.db, actor.workspaceId, parseSegment(campaign.segment, campaign.createdAt), {
      meId: campaign.authorId,
      strict: false,
    });
    const counts = await segmentCounts(this.db, campaign.channel, where);
    return { campaign, ...counts, sample: await this.sample(campaign.channel, where, 5) };
  }

  private async sample(channel: CampaignChannel, where: Prisma.Sql, n: number): Promise<SampleContact[]> {
    const reason =
      channel === "email"
        ? Prisma.raw(`CASE WHEN c.email IS NULL THEN 'no email address' END`)
        : channel === "discord"
          ? Prisma.raw(`CASE WHEN c."discordUserId" IS NULL THEN 'no Discord account' END`)
          : Prisma.raw(
              `CASE WHEN c."companyId" IS NULL THEN 'no company' WHEN co."slackChannelId" IS NULL THEN 'company has no channel' END`,
            );
    const rows = await this.db.$queryRaw<SampleContact[]>`
      SELECT c.id, c."number", c."name", c."email", co."name" AS company, m."name" AS owner, ${reason} AS reason
      FROM "Contact" c LEFT JOIN "Company" co ON co.id = c."companyId" LEFT JOIN "Member" m ON m.id = c."ownerId"
      WHERE ${where} ORDER BY c."number" LIMIT ${n}`;
    return rows.map((r) => ({ ...r, number: Number(r.number) }));
  }

  /**
   * A test send to the author. Email: to MAIL_FROM (members have no address of their own), rendered for
   * the segment's first contact. Slack/Discord: a DM to the author on the platform they typed from; from
   * the console (no chat account) the rendered text comes back in the reply.
   */
  async test(
    actor: Actor,
    ref: string,
  ): Promise<
    | { kind: "email"; to: string; sample?: SampleContact }
    | { kind: "dm"; sample?: SampleContact }
    | { kind: "inline"; text: string; sample?: SampleContact }
  > {
    requireRole(actor, "manager", "send test messages");
    const c = await this.get(actor, ref);
    if (!c.message) throw new UserInputError(`K-${c.number} has no message yet; write it with /crm campaign message K-${c.number} <text>.`);
    const { where } = await resolveSegment(this.db, actor.workspaceId, parseSegment(c.segment, c.createdAt), {
      meId: c.authorId,
      strict: false,
    });
    const [sample] = await this.sample(c.channel, where, 1);
    const values = sample ? contactValues(sample) : contactValues({ name: "Sample Contact", company: "Sample Company", owner: actor.name });
    const refOf = { workspaceId: actor.workspaceId, campaignId: c.id };
    if (c.channel === "email") {
      const mail = this.requireEmail();
      await this.jobs().testEmail({ ...refOf, to: mail.from, sampleContactId: sample?.id });
      return { kind: "email", to: mail.from, sample };
    }
    const text = renderTemplate(c.message, values);
    if ((actor.platform === "slack" || actor.platform === "discord") && actor.platformUserId && this.deps.outbox) {
      await this.deps.outbox.deliver({
        platform: actor.platform,
        workspaceId: actor.workspaceId,
        target: { userId: actor.platformUserId },
        reply: reply(`[TEST] ${c.name}`, false)
          .context(`[TEST] K-${c.number} ${c.name}, rendered for ${sample?.name ?? "a sample contact"}`)
          .text(text)
          .build(),
      });
      return { kind: "dm", sample };
    }
    return { kind: "inline", text, sample };
  }

  /** Now, or at the campaign's `at:` time. From Slack/Discord, a progress message follows in that channel. */
  async send(actor: Actor, ref: string, channelId?: string): Promise<Campaign> {
    requireRole(actor, "manager", "send campaigns");
    const c = await this.get(actor, ref);
    if (c.status === "scheduled")
      throw new UserInputError(
        `K-${c.number} is already scheduled for ${c.scheduledAt?.toISOString().replace("T", " ").slice(0, 16)} UTC; /crm campaign cancel K-${c.number} stops it.`,
      );
    if (c.status !== "draft")
      throw new UserInputError(
        `K-${c.number} is ${c.status}; only a draft can be sent.${c.status === "paused" ? ` Use /crm campaign resume K-${c.number}.` : ""}`,
      );
    if (!c.message) throw new UserInputError(`K-${c.number} has no message yet; write it with /crm campaign message K-${c.number} <text>.`);
    if (c.channel === "email") this.requireEmail();
    const later = c.scheduledAt && c.scheduledAt.getTime() > Date.now() ? c.scheduledAt : undefined;
    const fromChat = (actor.platform === "slack" || actor.platform === "discord") && channelId;
    const after = await this.transition(actor, c, ["draft"], later ? "scheduled" : "sending", "campaign.send", {
      statusPlatform: fromChat ? actor.platform : null,
      statusChannelId: fromChat ? channelId : null,
      statusMessageId: null,
    });
    await this.jobs().fanout(this.ref(after), later);
    return after;
  }

  async pause(actor: Actor, ref: string): Promise<Campaign> {
    requireRole(actor, "manager", "pause campaigns");
    const after = await this.transition(actor, await this.get(actor, ref), ["sending"], "paused", "campaign.pause");
    await this.jobs().progress(this.ref(after), true);
    return after;
  }

  async resume(actor: Actor, ref: string): Promise<Campaign> {
    requireRole(actor, "manager", "resume campaigns");
    const after = await this.transition(actor, await this.get(actor, ref), ["paused"], "sending", "campaign.resume");
    if (after.startedAt) await this.jobs().kick(this.ref(after));
    else await this.jobs().fanout(this.ref(after));
    return after;
  }

  /** Stops it: nothing pending is sent; sends already in flight finish. */
  async cancel(actor: Actor, ref: string): Promise<{ campaign: Campaign; skipped: number }> {
    requireRole(actor, "manager", "cancel campaigns");
    const c = await this.get(actor, ref);
    const after = await this.transition(actor, c, ["draft", "scheduled", "sending", "paused"], "cancelled", "campaign.cancel", {
      finishedAt: new Date(),
    });
    const skipped = await this.db.campaignRecipient.updateMany({
      where: { campaignId: c.id, status: "pending" },
      data: { status: "skipped", error: "campaign cancelled" },
    });
    if (this.deps.jobs) await this.deps.jobs.progress(this.ref(after), true);
    return { campaign: after, skipped: skipped.count };
  }

  /** Failed recipients go back to pending. Those marked "unknown" may have been sent: only with includeUnknown. */
  async retryFailed(
    actor: Actor,
    ref: string,
    includeUnknown: boolean,
  ): Promise<{ campaign: Campaign; retried: number; unknownLeft: number }> {
    requireRole(actor, "manager", "retry campaigns");
    const c = await this.get(actor, ref);
    if (!["done", "sending", "paused"].includes(c.status))
      throw new UserInputError(`K-${c.number} is ${c.status}; only a sent campaign has failures to retry.`);
    const where = { campaignId: c.id, status: "failed" as const, ...(includeUnknown ? {} : { NOT: { error: { startsWith: UNKNOWN } } }) };
    const after = await this.db.$transaction(async (tx) => {
      const n = await tx.campaignRecipient.updateMany({ where, data: { status: "pending", attempts: 0, claimedAt: null } });
      const row =
        n.count && c.status === "done"
          ? await tx.campaign.update({ where: { id: c.id }, data: { status: "sending", finishedAt: null } })
          : c;
      await audit(
        tx,
        actor,
        "campaign.retry",
        "campaign",
        c.id,
        { status: c.status },
        { status: row.status, retried: n.count, includeUnknown },
      );
      return { row, retried: n.count };
    });
    const unknownLeft = includeUnknown
      ? 0
      : await this.db.campaignRecipient.count({ where: { campaignId: c.id, status: "failed", error: { startsWith: UNKNOWN } } });
    if (after.retried && after.row.status === "sending") await this.jobs().kick(this.ref(after.row));
    return { campaign: after.row, retried: after.retried, unknownLeft };
  }

  async status(
    actor: Actor,
    ref: string,
  ): Promise<{ campaign: Campaign; counts: StatusCounts; failures: { reason: string; n: number }[]; roi: CampaignRoi }> {
    const campaign = await this.get(actor, ref);
    const counts = await statusCounts(this.db, campaign.id);
    const failures = (
      await this.db.campaignRecipient.groupBy({
        by: ["error"],
        where: { campaignId: campaign.id, status: "failed" },
        _count: true,
        orderBy: { _count: { error: "desc" } },
        take: 3,
      })
    ).map((f) => ({ reason: f.error ?? "unknown", n: f._count }));
    return { campaign, counts, failures, roi: await campaignRoi(this.db, actor.workspaceId, campaign.id) };
  }

  private async transition(
    actor: Actor,
    c: Campaign,
    from: readonly string[],
    to: Campaign["status"],
    action: string,
    extra: Prisma.CampaignUpdateManyMutationInput = {},
  ): Promise<Campaign> {
    if (!from.includes(c.status))
      throw new UserInputError(`K-${c.number} is ${c.status}; it cannot be ${to === "sending" ? "sent" : to} from there.`);
    return this.db.$transaction(async (tx) => {
      // conditional on the status we saw: two people pressing at once change it once
      const n = await tx.campaign.updateMany({ where: { id: c.id, status: c.status }, data: { status: to, ...extra } });
      if (!n.count) throw new UserInputError(`K-${c.number} changed meanwhile; look at /crm campaign status K-${c.number}.`);
      const after = await tx.campaign.findUniqueOrThrow({ where: { id: c.id } });
      await audit(tx, actor, action, "campaign", c.id, { status: c.status }, { status: to });
      return after;
    });
  }

  private checkSubject(subject: string, channel: CampaignChannel) {
    if (channel !== "email") throw new UserInputError("subject: is for email campaigns.");
    if (subject.length > TEXT_LIMITS.subject)
      throw new UserInputError(`The subject is too long (at most ${TEXT_LIMITS.subject} characters).`);
    validateTemplate(subject, "subject");
  }

  private requireEmail(): { from: string; publicUrl: string; secret: string } {
    const e = this.deps.email;
    const missing = [
      !e?.smtp && "SMTP_URL",
      !e?.from && "MAIL_FROM",
      !e?.publicUrl && "PUBLIC_URL (for unsubscribe links)",
      !e?.secret && "ENCRYPTION_KEY",
    ].filter(Boolean);
    if (missing.length)
      throw new UserInputError(`Email campaigns are not set up on this server: ask an admin to set ${missing.join(", ")}.`);
    return { from: e!.from!, publicUrl: e!.publicUrl!, secret: e!.secret! };
  }

  private jobs(): CampaignJobs {
    if (!this.deps.jobs) throw new UserInputError("Campaigns need the background workers (Redis); they are not available here.");
    return this.deps.jobs;
  }

  /** The steps the campaign workers run (fan-out, sends, progress, watchdog). */
  background(deps: BackgroundDeps): CampaignBackground {
    return new CampaignBackground(this.db, deps);
  }

  private ref = (c: Campaign): CampaignRef => ({ workspaceId: c.workspaceId, campaignId: c.id });
}
