// contact forget C-9: the right to erasure. The person's data is erased for good: the name becomes
// "Forgotten contact C-9"; email, phone, title, tags, platform ids, score reasons and the summaries of
// interactions with them are cleared; their name is taken out of the titles of their deals, tickets and
// tasks; the before/after of every audit row about them (and their interactions) is scrubbed. The row stays
// (archived), so counts of deals, tickets and interactions stay right. Managers and admins only; undo cannot
// bring it back.
import { UserInputError } from "../../errors.ts";
import { Prisma, type PrismaClient } from "../../generated/prisma/client.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveRef } from "../refs.ts";
import { recordEvent, type EventLog } from "../events/record.ts";

export const forgottenName = (number: number) => `Forgotten contact C-${number}`;

export interface Forgotten {
  number: number;
  interactions: number;
  renamed: number;
  scrubbed: number;
}

export class ContactForget {
  constructor(
    private db: PrismaClient,
    private events: EventLog,
  ) {}

  /** What the confirmation asks about: the contact, refused early when it cannot be forgotten. */
  async check(actor: Actor, ref: string) {
    requireRole(actor, "manager", "forget contacts");
    const hit = await resolveRef(this.db, actor.workspaceId, "contact", ref);
    const c = await this.db.contact.findFirstOrThrow({ where: { id: hit.id, workspaceId: actor.workspaceId } });
    if (c.forgottenAt) throw new UserInputError(`C-${c.number} is already forgotten.`);
    return c;
  }

  async forget(actor: Actor, ref: string): Promise<Forgotten> {
    const c0 = await this.check(actor, ref);
    const ws = actor.workspaceId;
    return this.events.transaction(async (tx) => {
      const c = await tx.contact.findFirstOrThrow({ where: { id: c0.id, workspaceId: ws } });
      if (c.forgottenAt) throw new UserInputError(`C-${c.number} is already forgotten.`);
      const name = forgottenName(c.number);
      const now = new Date();
      await tx.contact.update({
        where: { id: c.id },
        data: {
          name,
          email: null,
          phone: null,
          title: null,
          tags: [],
          slackUserId: null,
          discordUserId: null,
          scoreReasons: Prisma.DbNull,
          forgottenAt: now,
          archivedAt: c.archivedAt ?? now,
        },
      });
      const interactions = await tx.interaction.findMany({ where: { workspaceId: ws, contactId: c.id }, select: { id: true } });
      await tx.interaction.updateMany({ where: { workspaceId: ws, contactId: c.id }, data: { summary: "(erased)", permalink: null } });
      // the name inside titles: a deal made from the card is titled with it, a ticket "Request from <name>"
      let renamed = 0;
      if (c.name.trim()) {
        renamed +=
          await tx.$executeRaw`UPDATE "Deal" SET "title" = replace("title", ${c.name}, ${name}) WHERE "workspaceId" = ${ws} AND "contactId" = ${c.id} AND strpos("title", ${c.name}) > 0`;
        renamed +=
          await tx.$executeRaw`UPDATE "Ticket" SET "subject" = replace("subject", ${c.name}, ${name}) WHERE "workspaceId" = ${ws} AND "requesterId" = ${c.id} AND strpos("subject", ${c.name}) > 0`;
        renamed +=
          await tx.$executeRaw`UPDATE "Task" SET "what" = replace("what", ${c.name}, ${name}) WHERE "workspaceId" = ${ws} AND "contactId" = ${c.id} AND strpos("what", ${c.name}) > 0`;
      }
      // the audit log keeps that something happened, not what the person's data was: rows about them or their
      // interactions, and any other row whose before/after holds their name, email or phone
      const ids = [c.id, ...interactions.map((i) => i.id)];
      const traces = [c.name, c.email, c.phone].filter((x): x is string => !!x && x.trim().length >= 3);
      const mentions = traces.length
        ? Prisma.sql`OR ${Prisma.join(
            traces.map((x) => Prisma.sql`strpos(coalesce("before"::text, '') || coalesce("after"::text, ''), ${x}) > 0`),
            " OR ",
          )}`
        : Prisma.empty;
      const scrubbed = await tx.$executeRaw`UPDATE "AuditLog" SET "before" = NULL, "after" = NULL
        WHERE "workspaceId" = ${ws} AND ("before" IS NOT NULL OR "after" IS NOT NULL)
          AND ("entityId" IN (${Prisma.join(ids)}) ${mentions})`;
      await audit(tx, actor, "contact.forget", "contact", c.id, null, { forgotten: true });
      await recordEvent(tx, actor, {
        type: "contact.changed",
        recordKind: "contact",
        recordId: c.id,
        data: { fields: ["name", "email", "phone", "title", "tags", "forgottenAt"] },
      });
      return { number: c.number, interactions: interactions.length, renamed, scrubbed };
    });
  }
}
