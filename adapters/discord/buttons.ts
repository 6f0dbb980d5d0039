// A button's custom_id carries the command it runs ("crm:deal move D-7 proposal"), or the command whose
// form it opens ("crm_form:campaign message K-1"), so a click needs no lookup. Discord caps custom_id
// at 100 characters: a longer command (a title or a name inside it) gets "crm#<hash>" ("crm_form#<hash>")
// and the command is kept in Redis under that hash, refreshed each time it is rendered.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export const BUTTON_PREFIX = "crm:";
export const HASHED_PREFIX = "crm#";
/** a button that opens a form (a modal) for its command instead of running it: "Write the message" */
export const FORM_PREFIX = "crm_form:";
export const HASHED_FORM_PREFIX = "crm_form#";
export const MAX_CUSTOM_ID = 100;
/** Buttons stay on messages for a long time; a click after this answers "run the command again". */
export const HASHED_TTL_SECONDS = 90 * 86_400;
/** What someone typed into a refused form is kept this long for "Try again". */
export const DRAFT_TTL_SECONDS = 3600;

export const commandHash = (command: string) => createHash("sha256").update(command).digest("base64url").slice(0, 22);

/** A custom_id carrying command after prefix, or after hashedPrefix its hash when it would not fit. */
export function customId(command: string, prefix: string, hashedPrefix: string): { id: string; hash?: string } {
  const plain = prefix + command;
  if (plain.length <= MAX_CUSTOM_ID) return { id: plain };
  const hash = commandHash(command);
  return { id: hashedPrefix + hash, hash };
}

export const buttonId = (command: string, opts: { form?: boolean } = {}) =>
  opts.form ? customId(command, FORM_PREFIX, HASHED_FORM_PREFIX) : customId(command, BUTTON_PREFIX, HASHED_PREFIX);

export type ButtonTarget = (({ command: string } | { hash: string }) & { form?: true }) | null;

export function parseButtonId(customId: string): ButtonTarget {
  if (customId.startsWith(BUTTON_PREFIX)) return { command: customId.slice(BUTTON_PREFIX.length) };
  if (customId.startsWith(HASHED_PREFIX)) return { hash: customId.slice(HASHED_PREFIX.length) };
  if (customId.startsWith(FORM_PREFIX)) return { command: customId.slice(FORM_PREFIX.length), form: true };
  if (customId.startsWith(HASHED_FORM_PREFIX)) return { hash: customId.slice(HASHED_FORM_PREFIX.length), form: true };
  return null;
}

export class ButtonStore {
  constructor(
    private redis: Redis,
    private prefix: string,
  ) {}
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

  // Discord closes a modal on submit, so a refused form would lose what was typed: it is kept per member
  // and command, and the form opened by "Try again" shows it.
  private draftKey = (memberId: string, command: string) => `${this.prefix}:discord:draft:${memberId}:${commandHash(command)}`;

  async saveDraft(memberId: string, command: string, values: Record<string, string>): Promise<void> {
    await this.redis.set(this.draftKey(memberId, command), JSON.stringify(values), "EX", DRAFT_TTL_SECONDS);
  }

  async draft(memberId: string, command: string): Promise<Record<string, string>> {
    const raw = await this.redis.get(this.draftKey(memberId, command));
    try {
      return raw ? (JSON.parse(raw) as Record<string, string>) : {};
    } catch {
      return {};
    }
  }

  async dropDraft(memberId: string, command: string): Promise<void> {
    await this.redis.del(this.draftKey(memberId, command));
  }

  /** The command behind a custom_id, or null when it is not ours or has expired. */
  async resolve(customId: string): Promise<string | null> {
    return (await this.target(customId))?.command ?? null;
  }

  /** The command behind a custom_id and whether it opens a form; null when it is not ours or has expired. */
  async target(customId: string): Promise<{ command: string; form: boolean } | null> {
    const t = parseButtonId(customId);
    if (!t) return null;
    const command = "command" in t ? t.command : await this.load(t.hash);
    return command === null ? null : { command, form: !!t.form };
  }
}
