// A member's time zone, for the dates they type and read (task due times): their own setting
// (`/crm settings tz:`) or Slack's users.info tz, else the workspace's (the zone of its first scheduled
// report), else UTC. Replies say which zone they used.
import { UserInputError } from "../../errors.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { isValidTimeZone } from "../../parse/index.ts";
import type { Actor } from "../actor.ts";
import { audit } from "../audit.ts";

export interface MemberZone {
  tz: string;
  /** where it came from: the member's own, the workspace's report schedule, or the default */
  source: "member" | "workspace" | "default";
}

export class MemberZoneService {
  constructor(private db: PrismaClient) {}

  /** Both lookups side by side: one round trip whichever answers. */
  async of(workspaceId: string, memberId: string): Promise<MemberZone> {
    const [m, ws] = await Promise.all([
      this.db.member.findFirst({ where: { id: memberId, workspaceId }, select: { timeZone: true } }),
      this.workspaceZone(workspaceId),
    ]);
    return m?.timeZone && isValidTimeZone(m.timeZone) ? { tz: m.timeZone, source: "member" } : ws;
  }

  async workspaceZone(workspaceId: string): Promise<MemberZone> {
    const r = await this.db.reportSchedule.findFirst({
      where: { workspaceId, active: true },
      orderBy: { number: "asc" },
      select: { timezone: true },
    });
    return r && isValidTimeZone(r.timezone) && r.timezone !== "UTC"
      ? { tz: r.timezone, source: "workspace" }
      : { tz: "UTC", source: "default" };
  }

  /** Any member sets their own zone (an IANA name this runtime knows). */
  async set(actor: Actor, tz: string): Promise<string> {
    if (!isValidTimeZone(tz))
      throw new UserInputError(`"${tz}" is not a time zone; use an IANA name like Europe/Madrid or America/New_York`);
    // the runtime's own spelling: "europe/madrid" → "Europe/Madrid"
    const canonical = new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
    await this.db.$transaction(async (tx) => {
      const before = await tx.member.findFirstOrThrow({
        where: { id: actor.memberId, workspaceId: actor.workspaceId },
        select: { timeZone: true },
      });
      await tx.member.update({ where: { id: actor.memberId }, data: { timeZone: canonical } });
      await audit(tx, actor, "member.timeZone", "member", actor.memberId, { timeZone: before.timeZone }, { timeZone: canonical });
    });
    return canonical;
  }
}
