// A workspace with n contacts tagged `all` (p<i>@example.com) and an email campaign to them in `sending`,
// for the campaign ledger and batching tests.
import type { PrismaClient } from "../../src/generated/prisma/client.ts";
import { createServices } from "../../src/domain/services.ts";

export async function sendingEmailCampaign(db: PrismaClient, n: number, name: string, opts: { segment: string; startedAt?: Date }) {
  const { workspace, admin } = await createServices(db).workspaces.create(name, "Ada Admin");
  await db.contact.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      workspaceId: workspace.id,
      number: i + 1,
      name: `Person ${i + 1}`,
      email: `p${i + 1}@example.com`,
      tags: ["all"],
    })),
  });
  const k = await db.campaign.create({
    data: {
      workspaceId: workspace.id,
      number: 1,
      name: "Promo",
      segment: opts.segment,
      channel: "email",
      message: "Hi {{first_name}}",
      status: "sending",
      authorId: admin.id,
      startedAt: opts.startedAt,
    },
  });
  return { workspace, k };
}
