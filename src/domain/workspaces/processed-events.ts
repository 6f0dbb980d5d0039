// Idempotency for platform deliveries: the first caller with a key wins; retries see "seen".
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Platform } from "../../generated/prisma/enums.ts";

export class ProcessedEvents {
  /** db: Prisma, or the pool's raw SQL (OpenedDb.rawSql: one prepared statement per claim, on every command that writes) */
  constructor(private db: Pick<PrismaClient, "$executeRaw">) {}

  /** true the first time (workspace, source, key) is claimed; false for every retry after. */
  async claim(workspaceId: string, source: Platform, eventKey: string): Promise<boolean> {
    const rows = await this.db.$executeRaw`
      INSERT INTO "ProcessedEvent" ("id", "workspaceId", "source", "eventKey")
      VALUES (${crypto.randomUUID()}, ${workspaceId}, ${source}::"Platform", ${eventKey})
      ON CONFLICT ("workspaceId", "source", "eventKey") DO NOTHING`;
    return rows === 1;
  }
}
