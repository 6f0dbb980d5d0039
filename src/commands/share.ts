// The "Share in channel" button's command, for every surface: the read-only command that re-creates a
// private answer for everyone in the channel, or nothing when there is none.
import type { Reply } from "../reply/reply.ts";
import type { Parsed } from "./engine.ts";

const KIND_OF_KEY: Record<string, string> = { C: "contact", A: "company", D: "deal", T: "ticket" };

/** A record's card shares as `<kind> show <key>`; a read-only answer (not help) as the command that
 *  made it: the text as typed when there is one, else its path when it took no arguments. */
export function shareCommandFor(parsed: Parsed | undefined, reply: Reply, typed?: string): string | undefined {
  if (reply.kind !== "ok" || reply.ephemeral === false) return undefined;
  const kind = reply.recordKey ? KIND_OF_KEY[reply.recordKey[0]] : undefined;
  if (kind) return `${kind} show ${reply.recordKey}`;
  if (!parsed?.cmd.readOnly || parsed.cmd.path[0] === "help") return undefined;
  if (typed !== undefined) return typed.replace(/^\s*\/?crm\s*/i, "");
  return Object.keys(parsed.raw).length ? undefined : parsed.cmd.path.join(" ");
}
