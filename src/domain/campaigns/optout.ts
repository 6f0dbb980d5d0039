// Opt-out through a personal unsubscribe link (RFC 8058 one-click). Looking at the link changes nothing
// (mail scanners open links); the POST opts the contact out at once, once, with an audit row.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { audit } from "../audit.ts";
import { readUnsubscribeToken } from "./email.ts";

export type OptOutState =
  { state: "invalid" } | { state: "test" } | { state: "subscribed" | "unsubscribed"; contactName: string; workspaceName: string };

export class OptOutService {
  constructor(
    private db: PrismaClient,
    private secret?: string,
  ) {}

  private async find(token: string) {
    const subject = this.secret ? readUnsubscribeToken(token, this.secret) : null;
    if (!subject) return { subject: null, recipient: null };
    if (subject.kind === "test") return { subject, recipient: null };
    const recipient = await this.db.campaignRecipient.findUnique({
      where: { id: subject.recipientId },
      select: {
        id: true,
        workspaceId: true,
        campaignId: true,
        contact: { select: { id: true, name: true, optedOutAt: true } },
        workspace: { select: { name: true } },
      },
    });
    return { subject, recipient };
  }

  async describe(token: string): Promise<OptOutState> {
    const { subject, recipient } = await this.find(token);
    if (subject?.kind === "test") return { state: "test" };
    if (!recipient) return { state: "invalid" };
    return {
      state: recipient.contact.optedOutAt ? "unsubscribed" : "subscribed",
      contactName: recipient.contact.name,
      workspaceName: recipient.workspace.name,
    };
  }

  /** Idempotent: a second POST finds the contact already out and writes nothing. */
  async optOut(token: string): Promise<OptOutState & { changed?: boolean }> {
    const { subject, recipient } = await this.find(token);
    if (subject?.kind === "test") return { state: "test" };
    if (!recipient) return { state: "invalid" };
    const base = { contactName: recipient.contact.name, workspaceName: recipient.workspace.name };
    const changed = await this.db.$transaction(async (tx) => {
      const at = new Date();
      const n = await tx.contact.updateMany({
        where: { id: recipient.contact.id, workspaceId: recipient.workspaceId, optedOutAt: null },
        data: { optedOutAt: at },
      });
      if (!n.count) return false;
      await audit(
        tx,
        { workspaceId: recipient.workspaceId, memberId: null },
        "contact.optout",
        "contact",
        recipient.contact.id,
        { optedOutAt: null },
        { optedOutAt: at, via: "unsubscribe link", campaignId: recipient.campaignId, recipientId: recipient.id },
      );
      return true;
    });
    return { state: "unsubscribed", ...base, changed };
  }
}
