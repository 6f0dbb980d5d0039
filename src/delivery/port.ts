// The delivery port: how the CRM posts to a chat platform, whichever it is. Slack and Discord adapters
// implement it; jobs call it; the domain only enqueues neutral replies.
import type { Reply } from "../reply/reply.ts";

export type ChatPlatform = "slack" | "discord";

export interface DeliveryTarget {
  /** channel to post into (Slack C…/G…, Discord channel or thread id) */
  channelId?: string;
  /** a member's platform user id, for a direct message */
  userId?: string;
  /** an existing message to update in place */
  messageId?: string;
  /** reply inside this thread (Slack thread_ts) */
  threadId?: string;
}

export interface Delivered {
  channelId: string;
  messageId: string;
}

export interface RoomRequest {
  name: string;
  topic?: string;
  memberUserIds: string[];
  /** where the room starts (Discord thread parent) */ fromChannelId?: string;
}

export interface PostOptions {
  /**
   * Runs right before the request that makes the message appear (after any lookups such as opening a DM),
   * so a job that lost its lock while it waited can stop there: it throws JobLockLostError.
   */
  beforeWrite?: () => Promise<void>;
}

export interface ChatDelivery {
  platform: ChatPlatform;
  post(workspaceId: string, target: DeliveryTarget, reply: Reply, opts?: PostOptions): Promise<Delivered>;
  update(workspaceId: string, target: Required<Pick<DeliveryTarget, "channelId" | "messageId">>, reply: Reply): Promise<Delivered>;
  createRoom(workspaceId: string, room: RoomRequest): Promise<{ channelId: string }>;
  pin?(workspaceId: string, at: Delivered): Promise<void>;
}

/** The delivery port of each platform this process posts to (src/app.ts builds them from the adapters). */
export type Ports = Partial<Record<ChatPlatform, ChatDelivery>>;

/** The platform said 429: retry after this long without counting a failed attempt. */
export class RateLimitedError extends Error {
  override name = "RateLimitedError";
  constructor(
    public retryAfterMs: number,
    message = "rate limited",
  ) {
    super(message);
  }
}

/** Retrying cannot help (channel_not_found, not_in_channel, token revoked…). */
export class PermanentDeliveryError extends Error {
  override name = "PermanentDeliveryError";
}

/**
 * The job running this delivery no longer holds its lock (its process stalled past the lock, e.g. a long
 * pause, and another worker took the job over): writing now would post the message a second time.
 */
export class JobLockLostError extends Error {
  override name = "JobLockLostError";
}
