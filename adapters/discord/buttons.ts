// A button's custom_id carries the command it runs ("crm:deal move D-7 proposal"), so a click needs no
// lookup. Discord caps custom_id at 100 characters: a longer command (a title or a name inside it) gets
// "crm#<hash>" and the command is kept in Redis under that hash, refreshed each time it is rendered.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export const BUTTON_PREFIX = "crm:";
export const HASHED_PREFIX = "crm#";
export const MAX_CUSTOM_ID = 100;
/** Buttons stay on messages for a long time; a click after this answers "run the command again". */
export const HASHED_TTL_SECONDS = 90 * 86_400;

export const commandHash = (command: string) => createHash("sha256").update(command).digest("base64url").slice(0, 22);

export function buttonId(command: string): { id: string; hash?: string } {
  const plain = BUTTON_PREFIX + command;
  if (plain.length <= MAX_CUSTOM_ID) return { id: plain };
  const hash = commandHash(command);
  return { id: HASHED_PREFIX + hash, hash };
}

export type ButtonTarget = { command: string } | { hash: string } | null;

export function parseButtonId(customId: string): ButtonTarget {
  if (customId.startsWith(BUTTON_PREFIX)) return { command: customId.slice(BUTTON_PREFIX.length) };
  if (customId.startsWith(HASHED_PREFIX)) return { hash: customId.slice(HASHED_PREFIX.length) };
  return null;
}

export class ButtonStore {
  constructor(private redis: Redis, private prefix: string) {}
  private key = (hash: string) => `${this.prefix}:discord:button:${hash}`;

  async save(stash: Record<string, string>): Promise<void> {
    const entries = Object.entries(stash);
    if (!entries.length) return;
    const multi = this.redis.multi();
    for (const [hash, command] of entries) multi.set(this.key(hash), command, "EX", HASHED_TTL_SECONDS);
    await multi.exec();
  }

  async load(hash: string): Promise<string | null> {
    return this.redis.get(this.key(hash));
  }

  /** The command behind a custom_id, or null when it is not ours or has expired. */
  async resolve(customId: string): Promise<string | null> {
    const t = parseButtonId(customId);
    if (!t) return null;
    return "command" in t ? t.command : this.load(t.hash);
  }
}
