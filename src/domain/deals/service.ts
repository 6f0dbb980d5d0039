// Deals: new, move, won, lost, show (lists: src/domain/search/lists.ts). Every stage change is a DealStageChange row and an audit row.
import { AlreadyRunError, UserInputError, type InvocationClaim } from "../../errors.ts";
import type { PrismaClient, Prisma, Stage } from "../../generated/prisma/client.ts";
import type { MemberRef } from "../../parse/memberRef.ts";
import { nextNumber, parseKey } from "../../db/keys.ts";
import { requireCanChange, requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveRef } from "../refs.ts";
import type { CompanyService } from "../companies/service.ts";
import type { MemberService } from "../members/service.ts";
import type { PipelineService } from "./pipeline.ts";
import { recordEvent, type EventLog } from "../events/record.ts";
import { requireLive } from "../records/changes.ts";
import type { RawSql } from "../interactions/oneStatement.ts";
import type { ProcessedEvents } from "../workspaces/processed-events.ts";
import { moveInOneStatement } from "./moveOneStatement.ts";
import { moveChanges, moveEvent, type MoveFrom, type MoveOptions, type MoveTo } from "./moveRows.ts";

const changedMeanwhile = (number: number) => new UserInputError(`D-${number} was changed by someone else just now; try again.`);

export interface NewDeal {
  title: string;
  amount: { amount: string; currency: string };
  company?: string;
  contact?: string;
  stage?: string;
  owner?: MemberRef;
  close?: Date;
}

const dealInclude = { stage: true, owner: true, company: true, contact: true } satisfies Prisma.DealInclude;
export type DealWithRefs = Prisma.DealGetPayload<{ include: typeof dealInclude }>;

export class DealService {
  constructor(
    private db: PrismaClient,
    private pipelines: PipelineService,
    private companies: CompanyService,
    private members: MemberService,
    private events: EventLog,
    /** claims of command invocations (ProcessedEvents), for a move whose command claims in its write */
    private claims: Pick<ProcessedEvents, "claim">,
    /** raw SQL on the pool: a move in one statement (moveOneStatement.ts) */
    private raw?: RawSql,
  ) {}

  async create(actor: Actor, input: NewDeal): Promise<DealWithRefs> {
    requireRole(actor, "agent", "create deals");
    const ws = actor.workspaceId;
    // resolve every reference before writing anything
    const pipeline = await this.pipelines.defaultPipeline(ws);
    const stage = input.stage ? await this.pipelines.stageByName(ws, input.stage) : pipeline.stages[0];
    const owner = input.owner ? await this.members.resolve(actor, input.owner) : undefined;
    const contact = input.contact ? await resolveRef(this.db, ws, "contact", input.contact) : undefined;
    const contactRow = contact ? await this.db.contact.findFirst({ where: { id: contact.id, workspaceId: ws } }) : null;
    const company = input.company ? await this.companies.findOrCreate(actor, input.company) : undefined;
    const closed = stage.isWon || stage.isLost;
    return this.events.transaction(async (tx) => {
      const number = await nextNumber(tx, ws, "deal");
      const deal = await tx.deal.create({
        data: {
          workspaceId: ws,
          number,
          title: input.title,
          amount: input.amount.amount,
          currency: input.amount.currency,
          pipelineId: pipeline.id,
          stageId: stage.id,
          ownerId: owner?.id ?? actor.memberId,
          companyId: company?.id ?? contactRow?.companyId ?? null,
          contactId: contact?.id,
          expectedCloseAt: input.close,
          closedAt: closed ? new Date() : null,
        },
        include: dealInclude,
      });
      await tx.dealStageChange.create({ data: { workspaceId: ws, dealId: deal.id, toStageId: stage.id, actorId: actor.memberId } });
      await audit(tx, actor, "deal.create", "deal", deal.id, null, { title: deal.title, amount: deal.amount, stage: stage.name });
      await recordEvent(tx, actor, {
        type: "deal.created",
        recordKind: "deal",
        recordId: deal.id,
        data: { stageId: stage.id, contactId: deal.contactId },
      });
      return deal;
    });
  }

  private async load(actor: Actor, ref: string): Promise<DealWithRefs> {
    // a key (D-7, the usual case) is read at once; a title, or a key that finds nothing, goes through refs.ts
    const key = parseKey(ref);
    if (key?.kind === "deal") {
      const deal = await this.db.deal.findFirst({ where: { workspaceId: actor.workspaceId, number: key.number }, include: dealInclude });
      if (deal) return deal;
    }
    const hit = await resolveRef(this.db, actor.workspaceId, "deal", ref);
    return this.db.deal.findFirstOrThrow({ where: { id: hit.id, workspaceId: actor.workspaceId }, include: dealInclude });
  }

  /**
   * via: which verb asked (deal move, won or lost): announcements word a win by `deal won` and by `deal move … won`
   * differently. claim: the command's invocation, claimed in the move's own write (a second run of it moves nothing
   * and throws AlreadyRunError).
   */
  async move(
    actor: Actor,
    ref: string,
    stageName: string,
    lostReason?: string,
    via: "move" | "won" | "lost" = "move",
    claim?: InvocationClaim,
  ): Promise<{ deal: DealWithRefs; from: string; stages: Stage[] }> {
    const deal = await this.load(actor, ref);
    requireLive("deal", `D-${deal.number}`, deal);
    requireCanChange(actor, deal.ownerId, "move deals");
    const stages = await this.pipelines.stages(actor.workspaceId);
    const to = this.pipelines.pick(stages, stageName);
    if (to.id === deal.stageId) throw new UserInputError(`D-${deal.number} is already in ${to.name}.`);
    let set: ReturnType<typeof moveChanges>;
    if (this.raw) {
      const done = await moveInOneStatement(this.raw, actor, deal, to, { lostReason, via }, new Date(), claim);
      if (done === "already run") throw new AlreadyRunError();
      if (done === "changed") throw changedMeanwhile(deal.number);
      await this.events.committed([done.event]);
      set = done.set;
    } else {
      if (claim && !(await this.claims.claim(actor.workspaceId, claim.source, claim.key))) throw new AlreadyRunError();
      set = await this.events.transaction((tx) => this.moveIn(tx, actor, deal, to, { lostReason, via }));
    }
    // the deal as the conditional update left it (its stage could not change meanwhile): no read back
    return { deal: { ...deal, ...set, stage: to }, from: deal.stage.name, stages };
  }

  /**
   * The stage change itself, inside the caller's transaction: the conditional update (a concurrent move of the
   * same deal cannot record a stale "from" stage), the DealStageChange row, the audit row (unless `audited` is
   * false: /crm undo writes its own) and the deal.moved / won / lost event. moveOneStatement.ts writes the same rows.
   */
  async moveIn(
    tx: Prisma.TransactionClient,
    actor: Actor,
    deal: MoveFrom,
    to: MoveTo,
    opts: MoveOptions & { audited?: boolean } = {},
  ): Promise<ReturnType<typeof moveChanges>> {
    const set = moveChanges(to, opts, new Date());
    const res = await tx.deal.updateMany({ where: { id: deal.id, workspaceId: actor.workspaceId, stageId: deal.stageId }, data: set });
    if (res.count !== 1) throw changedMeanwhile(deal.number);
    await tx.dealStageChange.create({
      data: { workspaceId: actor.workspaceId, dealId: deal.id, fromStageId: deal.stageId, toStageId: to.id, actorId: actor.memberId },
    });
    const ev = moveEvent(deal, to, opts);
    if (opts.audited !== false) await audit(tx, actor, ev.action, "deal", deal.id, ev.before, ev.after);
    await recordEvent(tx, actor, ev.event);
    return set;
  }

  async won(actor: Actor, ref: string, claim?: InvocationClaim) {
    const stages = await this.pipelines.stages(actor.workspaceId);
    const won = stages.find((s) => s.isWon);
    if (!won) throw new UserInputError("This pipeline has no won stage.");
    return this.move(actor, ref, won.name, undefined, "won", claim);
  }

  async lost(actor: Actor, ref: string, reason?: string, claim?: InvocationClaim) {
    const stages = await this.pipelines.stages(actor.workspaceId);
    const lost = stages.find((s) => s.isLost);
    if (!lost) throw new UserInputError("This pipeline has no lost stage.");
    return this.move(actor, ref, lost.name, reason, "lost", claim);
  }

  async get(actor: Actor, ref: string) {
    const deal = await this.load(actor, ref);
    const [history, timeline, stages] = await Promise.all([
      this.db.dealStageChange.findMany({
        where: { dealId: deal.id, workspaceId: actor.workspaceId },
        orderBy: { at: "asc" },
        include: { toStage: true, fromStage: true, actor: true },
      }),
      this.db.interaction.findMany({
        where: { dealId: deal.id, workspaceId: actor.workspaceId },
        orderBy: { occurredAt: "desc" },
        take: 10,
        include: { author: true },
      }),
      this.pipelines.stages(actor.workspaceId),
    ]);
    return { deal, history, timeline, stages };
  }

  /** A deal and its stages for rendering its card outside a command (jobs, rooms). */
  async card(workspaceId: string, dealId: string) {
    const deal = await this.db.deal.findFirstOrThrow({ where: { id: dealId, workspaceId }, include: dealInclude });
    return { deal, stages: await this.pipelines.stages(workspaceId) };
  }
}
