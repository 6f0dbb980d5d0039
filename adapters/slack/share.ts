// The "Share in channel" button's command: what recreates an ephemeral answer for everyone.
import type { Parsed } from "../../src/commands/engine.ts";
import type { Reply } from "../../src/reply/reply.ts";

/** A read-only command that recreates this reply for everyone in the channel. */
export function shareCommandFor(parsed: Parsed | undefined, text: string, reply: Reply): string | undefined {
  if (reply.kind !== "ok") return undefined;
  if (reply.recordKey) {
    const kind = ({ C: "contact", A: "company", D: "deal", T: "ticket" } as Record<string, string>)[reply.recordKey[0]];
    if (kind) return `${kind} show ${reply.recordKey}`;
  }
  if (parsed?.cmd.readOnly && parsed.cmd.path[0] !== "help") return text.replace(/^\s*\/?crm\s*/i, "");
  return undefined;
}
