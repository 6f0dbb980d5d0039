// What the domain hands to background work. The jobs runtime implements it with BullMQ; the domain
// never knows about queues. Replies travel as JSON (images as base64).
import type { Reply } from "../reply/reply.ts";
import type { ChatPlatform, DeliveryTarget } from "./port.ts";

export interface DeliveryJob {
  platform: ChatPlatform;
  workspaceId: string;
  target: DeliveryTarget;
  reply: Reply;
  /** same key = same delivery: enqueued and sent once however often it is requested */
  dedupeKey?: string;
  /** after posting, remember the message on this record (e.g. a deal room's pinned card) */
  pinAfter?: boolean;
  /** after posting, remember the message as this ticket's card (src/domain/conversations/cards.ts) */
  ticketCard?: string;
}

export interface RoomJob {
  platform: ChatPlatform;
  workspaceId: string;
  dealId: string;
  requesterUserId: string;
  fromChannelId?: string;
}

export interface Outbox {
  deliver(job: DeliveryJob): Promise<void>;
  createRoom(job: RoomJob): Promise<void>;
}

/** JSON-safe copy of a reply (Uint8Array images → base64) and back. */
export function serializeReply(r: Reply): Reply {
  return {
    ...r,
    blocks: r.blocks.map((b) =>
      b.type === "image" && b.png ? ({ ...b, png: undefined, pngBase64: Buffer.from(b.png).toString("base64") } as never) : b,
    ),
  };
}
export function deserializeReply(r: Reply): Reply {
  return {
    ...r,
    blocks: r.blocks.map((b) => {
      const x = b as { type: string; pngBase64?: string };
      return x.type === "image" && x.pngBase64
        ? ({ ...(b as object), png: Buffer.from(x.pngBase64, "base64"), pngBase64: undefined } as never)
        : b;
    }),
  };
}
