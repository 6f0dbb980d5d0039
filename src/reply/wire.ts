// A Reply as JSON that survives a trip through Redis (a queued command's result): chart images travel
// as base64 and come back as bytes.
import type { Reply } from "./reply.ts";

type WireBlock = Reply["blocks"][number] | { type: "image"; alt: string; pngBase64?: string; url?: string };
export type WireReply = Omit<Reply, "blocks"> & { blocks: WireBlock[] };

export function toWire(reply: Reply): WireReply {
  return {
    ...reply,
    blocks: reply.blocks.map((b) =>
      b.type === "image" && b.png ? { type: "image", alt: b.alt, url: b.url, pngBase64: Buffer.from(b.png).toString("base64") } : b,
    ),
  };
}

export function fromWire(wire: WireReply): Reply {
  return {
    ...wire,
    blocks: wire.blocks.map((b) =>
      b.type === "image" && "pngBase64" in b && b.pngBase64 !== undefined
        ? { type: "image", alt: b.alt, url: b.url, png: new Uint8Array(Buffer.from(b.pngBase64, "base64")) }
        : (b as Reply["blocks"][number]),
    ),
  };
}
