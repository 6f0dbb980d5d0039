// The delivery port for Slack: post, update, create a deal room, pin. A 429 becomes RateLimitedError
// (the queue pauses for Retry-After); errors retrying cannot fix become PermanentDeliveryError, as does
// a channel that is not the workspace's own Slack team's (src/delivery/channels.ts).
import { ErrorCode, type WebAPICallError } from "@slack/web-api";
import type { Config } from "../../src/config/env.ts";
import type { Services } from "../../src/domain/services.ts";
import type { Logger } from "../../src/log.ts";
import { PermanentDeliveryError, RateLimitedError, type ChatDelivery, type Delivered } from "../../src/delivery/port.ts";
import { requireOwnChannel } from "../../src/delivery/channels.ts";
import { slackClients } from "./clients.ts";
import { pngImages, renderSlack } from "./render.ts";

const PERMANENT = new Set([
  "channel_not_found",
  "not_in_channel",
  "is_archived",
  "invalid_auth",
  "account_inactive",
  "token_revoked",
  "no_permission",
  "missing_scope",
  "user_not_found",
  "cannot_dm_bot",
  "msg_too_long",
  "invalid_blocks",
  "restricted_action",
  "message_not_found",
  "cant_update_message",
]);

function mapError(e: unknown): never {
  const err = e as WebAPICallError & { retryAfter?: number; data?: { error?: string } };
  if (err.code === ErrorCode.RateLimitedError) throw new RateLimitedError((err.retryAfter ?? 1) * 1000);
  const code = err.data?.error;
  if (code && PERMANENT.has(code)) throw new PermanentDeliveryError(`slack: ${code}`);
  throw e;
}

export interface SlackDeliveryOptions {
  logger?: Logger;
}

export function createSlackDelivery(config: Config, services: Services, opts: SlackDeliveryOptions = {}): ChatDelivery {
  const client = slackClients(config, services);

  return {
    platform: "slack",
    async post(workspaceId, target, reply, postOpts): Promise<Delivered> {
      // only the workspace's own channels; a DM (userId, or an IM D… where a member typed a command: no
      // <#…> names one) is the member's own
      if (target.channelId && !target.channelId.startsWith("D"))
        await requireOwnChannel(services.channels, workspaceId, "slack", target.channelId, opts.logger);
      const c = await client(workspaceId);
      try {
        let channel = target.channelId;
        if (!channel && target.userId) channel = (await c.conversations.open({ users: target.userId })).channel?.id;
        if (!channel) throw new PermanentDeliveryError("slack: no channel or user to post to");
        await postOpts?.beforeWrite?.();
        const res = await c.chat.postMessage({
          channel,
          thread_ts: target.threadId,
          ...renderSlack(reply, { uploads: true }),
          unfurl_links: false,
        });
        // charts follow the message as files (upload v2: getUploadURLExternal → upload → completeUploadExternal)
        for (const [k, img] of pngImages(reply).entries()) {
          const file = {
            file: Buffer.from(img.png),
            filename: `chart-${k + 1}.png`,
            title: img.alt.split(":")[0].slice(0, 250),
            alt_text: img.alt.slice(0, 1000),
          };
          await c.filesUploadV2(
            target.threadId ? { ...file, channel_id: channel, thread_ts: target.threadId } : { ...file, channel_id: channel },
          );
        }
        return { channelId: res.channel ?? channel, messageId: res.ts ?? "" };
      } catch (e) {
        return mapError(e);
      }
    },
    async update(workspaceId, target, reply) {
      const c = await client(workspaceId);
      try {
        await c.chat.update({ channel: target.channelId, ts: target.messageId, ...renderSlack(reply) });
        return { channelId: target.channelId, messageId: target.messageId };
      } catch (e) {
        return mapError(e);
      }
    },
    async createRoom(workspaceId, room) {
      const c = await client(workspaceId);
      try {
        const created = await c.conversations.create({ name: room.name, is_private: true });
        const id = created.channel?.id;
        if (!id) throw new Error("slack: conversations.create returned no channel");
        if (room.topic) await c.conversations.setTopic({ channel: id, topic: room.topic.slice(0, 250) }).catch(() => undefined);
        if (room.memberUserIds.length) await c.conversations.invite({ channel: id, users: room.memberUserIds.join(",") });
        return { channelId: id };
      } catch (e) {
        return mapError(e);
      }
    },
    async pin(workspaceId, at) {
      const c = await client(workspaceId);
      try {
        await c.pins.add({ channel: at.channelId, timestamp: at.messageId });
      } catch (e) {
        return mapError(e);
      }
    },
  };
}
