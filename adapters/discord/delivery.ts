// The delivery port for Discord over REST with the bot token: post (a channel, a thread, or a DM),
// update, open a room (a thread), pin. Rate limits: @discordjs/rest knows Discord's buckets and waits
// out short limits itself (a job of several calls, such as opening a room, then finishes in one go);
// a wait longer than maxRateLimitWaitMs (a shared or global limit of a minute) is refused instead and
// becomes RateLimitedError, so the BullMQ queue pauses for Retry-After without burning an attempt.
// Errors retrying cannot fix (unknown channel, missing access or permissions, cannot DM) become
// PermanentDeliveryError, and so does a channel or thread parent outside the workspace's own server
// (src/delivery/channels.ts): the bot's token reaches every server it is in.
import "./loadFirst.ts"; // before discord.js: see loadFirst.ts
import { DiscordAPIError, RateLimitError, REST, type RawFile } from "@discordjs/rest";
import { ChannelType, Routes, type APIChannel, type APIMessage } from "discord.js";
import type { Config } from "../../src/config/env.ts";
import type { Services } from "../../src/domain/services.ts";
import type { Logger } from "../../src/log.ts";
import { PermanentDeliveryError, RateLimitedError, type ChatDelivery, type Delivered } from "../../src/delivery/port.ts";
import { requireOwnChannel } from "../../src/delivery/channels.ts";
import type { Reply } from "../../src/reply/reply.ts";
import { clip } from "../../src/reply/format.ts";
import type { ButtonStore } from "./buttons.ts";
import { renderDiscord, type DiscordMessage } from "./render.ts";

/** Unknown Channel, Unknown Message, Unknown User, Missing Access, Cannot DM, Missing Permissions, Invalid Form Body, thread archived/locked */
export const PERMANENT_CODES = new Set([10003, 10008, 10013, 50001, 50007, 50013, 50035, 50083, 160005]);
/** A member who cannot be added to a thread (left the server, unknown) is skipped, not retried. */
const SKIPPABLE_MEMBER_CODES = new Set([10007, 10013, 50001, 50007, 50013]);
export const DEFAULT_MAX_RATE_LIMIT_WAIT_MS = 10_000;
/** Threads stay open a week without activity (Discord's longest auto-archive). */
const AUTO_ARCHIVE_MINUTES = 10_080;
/** Discord's "A thread has already been created for this message" */
const THREAD_EXISTS = 160004;

export interface ThreadRequest {
  /** the channel (or forum) the thread opens in */
  parentId: string;
  name: string;
  /** private (type 12, only members and moderators see it) or public (type 11) */
  private: boolean;
  /** forum posts need a first message */
  forum?: boolean;
  starter?: string;
  /**
   * start a public thread on this message of parentId instead (the thread gets the message's id); one
   * already started on it ("thread already exists", 160004) is taken as this one
   */
  onMessageId?: string;
}

/** The port plus what only Discord has: threads with members. */
export interface DiscordDelivery extends ChatDelivery {
  platform: "discord";
  openThread(workspaceId: string, t: ThreadRequest): Promise<{ channelId: string }>;
  addThreadMembers(workspaceId: string, threadId: string, userIds: string[]): Promise<string[]>;
  close(): Promise<void>;
}

/** A PermanentDeliveryError that keeps Discord's JSON error code. */
export class DiscordPermanentError extends PermanentDeliveryError {
  constructor(
    public code: number,
    message: string,
  ) {
    super(message);
  }
}

export const isDiscordDelivery = (p: ChatDelivery | undefined): p is DiscordDelivery => p?.platform === "discord" && "openThread" in p;

export function mapDiscordError(e: unknown): never {
  if (e instanceof RateLimitError) {
    const waitMs = Math.max(e.retryAfter, e.timeToReset, e.sublimitTimeout ?? 0);
    throw new RateLimitedError(Math.max(waitMs, 1000), `discord: rate limited on ${e.route} (${e.global ? "global" : e.scope})`);
  }
  if (e instanceof DiscordAPIError && (PERMANENT_CODES.has(Number(e.code)) || [401, 403, 404].includes(e.status))) {
    throw new DiscordPermanentError(Number(e.code), `discord: ${e.code} ${e.message}`);
  }
  throw e;
}

export interface DiscordDeliveryOptions {
  buttons?: ButtonStore;
  logger?: Logger;
  maxRateLimitWaitMs?: number;
}

export function createDiscordRest(
  config: Pick<Config, "DISCORD_API_URL" | "DISCORD_BOT_TOKEN">,
  maxWaitMs = DEFAULT_MAX_RATE_LIMIT_WAIT_MS,
): REST {
  const rest = new REST({
    version: "10",
    ...(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL.replace(/(?<!\/)\/+$/, "") } : {}),
    rejectOnRateLimit: (limit) => Math.max(limit.retryAfter, limit.timeToReset) > maxWaitMs,
  });
  if (config.DISCORD_BOT_TOKEN) rest.setToken(config.DISCORD_BOT_TOKEN);
  return rest;
}

/** A reply as a message in a channel: never ephemeral (only interactions can be), charts as files. */
function channelMessage(reply: Reply): { body: DiscordMessage; stash: Record<string, string>; files: RawFile[] } {
  const { message, stash, files } = renderDiscord({ ...reply, ephemeral: false });
  return { body: message, stash, files };
}

export function createDiscordDelivery(config: Config, services: Services, opts: DiscordDeliveryOptions = {}): DiscordDelivery {
  const rest = createDiscordRest(config, opts.maxRateLimitWaitMs);
  const dmChannels = new Map<string, string>();

  const call = async <T>(work: () => Promise<unknown>): Promise<T> => {
    if (!config.DISCORD_BOT_TOKEN) throw new PermanentDeliveryError("discord: DISCORD_BOT_TOKEN is not set");
    try {
      return (await work()) as T;
    } catch (e) {
      return mapDiscordError(e);
    }
  };

  async function dmChannel(userId: string): Promise<string> {
    let id = dmChannels.get(userId);
    if (!id) {
      id = (await call<APIChannel>(() => rest.post(Routes.userChannels(), { body: { recipient_id: userId } }))).id;
      dmChannels.set(userId, id);
    }
    return id;
  }

  async function send(method: "post" | "patch", route: `/${string}`, reply: Reply): Promise<APIMessage> {
    const { body, stash, files } = channelMessage(reply);
    await opts.buttons?.save(stash);
    return call<APIMessage>(() => rest[method](route, { body, ...(files.length ? { files } : {}) }));
  }

  const delivery: DiscordDelivery = {
    platform: "discord",

    async post(workspaceId, target, reply, postOpts): Promise<Delivered> {
      // a Discord thread is a channel: posting "in a thread" posts to the thread's id; only the workspace's
      // own server's channels and threads (a DM to a member is the member's own)
      const named = target.threadId ?? target.channelId;
      if (named) await requireOwnChannel(services.channels, workspaceId, "discord", named, opts.logger);
      const channel = named ?? (target.userId ? await dmChannel(target.userId) : undefined);
      if (!channel) throw new PermanentDeliveryError("discord: no channel or user to post to");
      await postOpts?.beforeWrite?.();
      const m = await send("post", Routes.channelMessages(channel), reply);
      return { channelId: m.channel_id ?? channel, messageId: m.id };
    },

    async update(_workspaceId, target, reply) {
      await send("patch", Routes.channelMessage(target.channelId, target.messageId), reply);
      return { channelId: target.channelId, messageId: target.messageId };
    },

    /** A deal room: a post in the workspace's deal forum when one is set, else a public thread where the command ran. */
    async createRoom(workspaceId, room) {
      const { dealForumId } = await services.workspaceSettings.get(workspaceId);
      const parentId = dealForumId ?? room.fromChannelId;
      if (!parentId) throw new PermanentDeliveryError("discord: no channel to open the room in; run /crm deal room in a channel");
      const name = room.topic ?? room.name;
      const { channelId } = await delivery.openThread(workspaceId, {
        parentId,
        name,
        private: false,
        forum: Boolean(dealForumId),
        starter: room.topic,
      });
      // the thread exists now: a failure to add someone must not make the job open a second one
      await delivery
        .addThreadMembers(workspaceId, channelId, room.memberUserIds)
        .catch((e) => opts.logger?.error({ threadId: channelId, err: (e as Error).message }, "could not add the deal room's members"));
      return { channelId };
    },

    async pin(_workspaceId, at) {
      await call(() => rest.put(Routes.channelMessagesPin(at.channelId, at.messageId)));
    },

    async openThread(workspaceId, t) {
      await requireOwnChannel(services.channels, workspaceId, "discord", t.parentId, opts.logger);
      const onMessageId = t.onMessageId;
      if (onMessageId) {
        const started = await call<Pick<APIChannel, "id">>(() =>
          rest
            .post(Routes.threads(t.parentId, onMessageId), {
              body: { name: clip(t.name, 100), auto_archive_duration: AUTO_ARCHIVE_MINUTES },
            })
            .catch((e: unknown) => {
              if (e instanceof DiscordAPIError && e.code === THREAD_EXISTS) return { id: onMessageId };
              throw e;
            }),
        );
        return { channelId: started.id };
      }
      const body = t.forum
        ? {
            name: clip(t.name, 100),
            auto_archive_duration: AUTO_ARCHIVE_MINUTES,
            message: { content: clip(t.starter ?? t.name, 2000), allowed_mentions: { parse: [] } },
          }
        : {
            name: clip(t.name, 100),
            auto_archive_duration: AUTO_ARCHIVE_MINUTES,
            type: t.private ? ChannelType.PrivateThread : ChannelType.PublicThread,
            ...(t.private ? { invitable: false } : {}),
          };
      const thread = await call<APIChannel>(() => rest.post(Routes.threads(t.parentId), { body }));
      return { channelId: thread.id };
    },

    /** Adds each member; one who cannot be added (left the server, unknown) is skipped and logged. Returns who was added. */
    async addThreadMembers(_workspaceId, threadId, userIds) {
      const added: string[] = [];
      for (const userId of [...new Set(userIds)]) {
        try {
          await call(() => rest.put(Routes.threadMembers(threadId, userId)));
          added.push(userId);
        } catch (e) {
          if (!(e instanceof DiscordPermanentError && SKIPPABLE_MEMBER_CODES.has(e.code))) throw e;
          opts.logger?.warn({ threadId, userId, err: e.message }, "could not add a member to a discord thread; skipped");
        }
      }
      return added;
    },

    async close() {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    },
  };
  return delivery;
}
