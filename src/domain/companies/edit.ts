// company edit: change a company's name or domain (agents and up, as adding one); a name another company
// has is refused with its key.
import { UserInputError } from "../../errors.ts";
import type { Company, PrismaClient } from "../../generated/prisma/client.ts";
import { requireRole, type Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveRef } from "../refs.ts";
import { recordEvent, type EventLog } from "../events/record.ts";
import { diff, requireLive, requireSomething, type Change } from "../records/changes.ts";

export const COMPANY_EDIT_OPTIONS = "name: or domain:";

/** acme.com from "https://Acme.com/about"; an error for something that is no domain */
export function normalDomain(raw: string): string {
  const domain = raw
    .toLowerCase()
    .replace(/^https?:\/\//, "")
    .split("/")[0];
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) throw new UserInputError(`"${raw}" is not a domain like acme.com`);
  return domain;
}

export class CompanyEdits {
  constructor(
    private db: PrismaClient,
    private events: EventLog,
  ) {}

  async current(actor: Actor, ref: string): Promise<Company> {
    requireRole(actor, "agent", "edit companies");
    const hit = await resolveRef(this.db, actor.workspaceId, "company", ref);
    const c = await this.db.company.findFirstOrThrow({ where: { id: hit.id, workspaceId: actor.workspaceId } });
    requireLive("company", `A-${c.number}`, c);
    return c;
  }

  async edit(actor: Actor, ref: string, input: { name?: string; domain?: string }): Promise<{ company: Company; change: Change }> {
    const c = await this.current(actor, ref);
    const key = `A-${c.number}`;
    const domain = input.domain === undefined ? undefined : normalDomain(input.domain);
    if (input.name && input.name.toLowerCase() !== c.name.toLowerCase()) {
      const dup = await this.db.company.findFirst({
        where: { workspaceId: actor.workspaceId, name: { equals: input.name, mode: "insensitive" }, id: { not: c.id } },
      });
      if (dup)
        throw new UserInputError(
          `A company named "${dup.name}" already exists (A-${dup.number}); merge them with /crm company merge ${key} into A-${dup.number}.`,
        );
    }
    return this.events.transaction(async (tx) => {
      const before = await tx.company.findFirstOrThrow({ where: { id: c.id, workspaceId: actor.workspaceId } });
      const change = diff(before, { name: input.name, domain });
      requireSomething(change, key, COMPANY_EDIT_OPTIONS);
      const company = await tx.company.update({ where: { id: c.id }, data: change.after });
      await audit(tx, actor, "company.edit", "company", c.id, change.before, change.after);
      await recordEvent(tx, actor, { type: "company.changed", recordKind: "company", recordId: c.id, data: { fields: change.fields } });
      return { company, change };
    });
  }
}
