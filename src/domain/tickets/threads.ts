// Ticket threads: every ticket created on Discord gets a private thread in the workspace's support
// channel, with the requester and the assignee, where the ticket's conversation happens. A job makes
// the thread (adapters/discord/threads.ts); agents' messages there are logged on the ticket as chats,
// so an agent's first reply is the ticket's first response.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { ChatPlatform } from "../../delivery/port.ts";
import { clip } from "../../reply/format.ts";
import { PermissionError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { audit } from "../audit.ts";
import { resolveRef } from "../refs.ts";
import type { InteractionService, LoggedInteraction } from "../interactions/service.ts";

export interface ThreadMessage {
  channelId: string;
  /** the author's platform user id */
  userId: string;
  text: string;
  permalink?: string;
  at?: Date;
}

const idField = (platform: ChatPlatform) => (platform === "slack" ? "slackUserId" : "discordUserId");

export class TicketThreadService {
  constructor(
    private db: PrismaClient,
    private interactions: InteractionService,
  ) {}

  /** What the thread job needs: its name, where it opens, who is in it, and whether it already exists. */
  async plan(workspaceId: string, ticketRef: string, platform: ChatPlatform) {
    const hit = await resolveRef(this.db, workspaceId, "ticket", ticketRef);
    const [ticket, ws] = await Promise.all([
      this.db.ticket.findFirstOrThrow({ where: { id: hit.id, workspaceId }, include: { requester: true, assignee: true } }),
      this.db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { supportChannelId: true } }),
    ]);
    const field = idField(platform);
    const people = [ticket.requester?.[field], ticket.assignee?.[field]].filter((x): x is string => Boolean(x));
    return {
      ticket,
      key: `T-${ticket.number}`,
      name: clip(`T-${ticket.number} · ${ticket.subject.replace(/\s+/g, " ")}`, 100),
      parentChannelId: ws.supportChannelId,
      threadChannelId: ticket.threadPlatform === platform ? ticket.threadChannelId : null,
      memberUserIds: [...new Set(people)],
    };
  }

  /** Records the thread once; false when the ticket already has one. */
  async attach(workspaceId: string, ticketId: string, platform: ChatPlatform, channelId: string): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const res = await tx.ticket.updateMany({
        where: { id: ticketId, workspaceId, threadChannelId: null },
        data: { threadPlatform: platform, threadChannelId: channelId },
      });
      if (res.count === 1) await audit(tx, { workspaceId }, "ticket.thread", "ticket", ticketId, null, { platform, channelId });
      return res.count === 1;
    });
  }

  /** The ticket whose thread this channel is, if any. */
  ticketInThread(workspaceId: string, platform: ChatPlatform, channelId: string) {
    return this.db.ticket.findFirst({
      where: { workspaceId, threadPlatform: platform, threadChannelId: channelId },
      select: { id: true, number: true },
    });
  }

  /**
   * A message in a ticket's thread, logged as a chat on the ticket when its author is one of the team
   * (an agent, manager or admin already in the workspace). Null when the channel is no ticket's thread
   * or the author is not on the team (a customer's own words are the thread, not a response).
   */
  async logThreadMessage(workspaceId: string, platform: ChatPlatform, m: ThreadMessage): Promise<LoggedInteraction | null> {
    const ticket = await this.ticketInThread(workspaceId, platform, m.channelId);
    if (!ticket) return null;
    const member = await this.db.member.findFirst({ where: { workspaceId, [idField(platform)]: m.userId } });
    if (!member || member.role === "viewer") return null;
    const actor: Actor = { workspaceId, memberId: member.id, name: member.name, role: member.role, platform, platformUserId: m.userId };
    // an agent who is not the ticket's assignee may talk in its thread, but does not answer it for them
    return this.interactions
      .log(actor, {
        kind: "chat",
        ref: `T-${ticket.number}`,
        summary: clip(m.text, 2000),
        source: platform,
        permalink: m.permalink,
        when: m.at,
      })
      .catch((e: unknown) => {
        if (e instanceof PermissionError) return null;
        throw e;
      });
  }
}
