// Text → command: match the path, spread tokens over the command's arguments, validate, run, and turn
// every failure into a short ephemeral reply. Adapters call runText / runParsed and never see a throw.
import {
  AlreadyRunError,
  NotFoundError,
  PermissionError,
  UnavailableError,
  UserInputError,
  isUserFacing,
  type InvocationClaim,
} from "../errors.ts";
import type { Actor } from "../domain/actor.ts";
import type { Services } from "../domain/services.ts";
import { errorReply, type Reply } from "../reply/reply.ts";
import { decodeArgs, type Command } from "./define.ts";
import { ChannelCheckFailed, checkChannelArgs } from "./channels.ts";
import { tokenize, type Token } from "../parse/index.ts";
import { nearest } from "../parse/suggest.ts";
import { show } from "../parse/snippet.ts";
import { spread } from "./spread.ts";

export interface Parsed {
  cmd: Command;
  raw: Record<string, string>;
  /** from the text parser: what to add to an argument's decode error (see spread.ts) */
  hints?: Record<string, string>;
}

export function findCommand(commands: Command[], words: string[]): { cmd: Command; used: number } | null {
  let best: { cmd: Command; used: number } | null = null;
  for (const cmd of commands) {
    const n = cmd.path.length;
    if (n <= words.length && cmd.path.every((p, i) => words[i].toLowerCase() === p) && (!best || n > best.used)) best = { cmd, used: n };
  }
  return best;
}

const wordText = (t: Token) => (t.kind === "word" ? t.value : `${t.key}:${t.value}`);

export function parseText(commands: Command[], text: string): Parsed {
  const tokens = tokenize(text.replace(/^\s*\/?crm\b/i, ""));
  const leading: string[] = [];
  for (const t of tokens) {
    if (t.kind !== "word" || t.quoted) break;
    leading.push(t.value);
  }
  if (!tokens.length) return { cmd: commands.find((c) => c.path[0] === "help")!, raw: {} };
  const found = findCommand(commands, leading);
  if (!found) throw unknownCommand(commands, leading, tokens);
  const { raw, hints } = spread(found.cmd, tokens.slice(found.used));
  return { cmd: found.cmd, raw, hints };
}

/** `Unknown command "dael". Did you mean deal?` / `Unknown contact command "edti". Did you mean edit? Try: …` */
function unknownCommand(commands: Command[], leading: string[], tokens: Token[]): UserInputError {
  const first = leading[0]?.toLowerCase();
  const area = commands.filter((c) => c.path.length > 1 && c.path[0] === first);
  if (area.length) {
    const verbs = [...new Set(area.map((c) => c.path[1]))];
    const near = leading[1] === undefined ? undefined : nearest(leading[1], verbs);
    return new UserInputError(
      `Unknown ${first} command${leading[1] ? ` "${leading[1]}"` : ""}.${near ? ` Did you mean ${first} ${near}?` : ""} Try: ${verbs.join(", ")}.`,
      `/crm help ${first}`,
    );
  }
  const typed = leading[0] ?? wordText(tokens[0]);
  const near = nearest(typed, [...new Set(commands.map((c) => c.path[0]))]);
  return new UserInputError(
    `Unknown command ${show(typed)}.${near ? ` Did you mean ${near}?` : ""}`,
    near ? `/crm help ${near}` : "/crm help",
  );
}

/** Viewers run read-only commands only (and those that touch only what is their own). */
export function assertMayRun(cmd: Command, actor: Actor): void {
  if (!cmd.readOnly && !cmd.ownRecordsOnly && actor.role === "viewer")
    throw new PermissionError("Viewers can read but not change records; ask an admin for the agent role.");
}

export interface RunOptions {
  channelId?: string;
  onError?: (e: unknown, cmd?: Command) => void;
  /** PUBLIC_URL: record replies get a link */ publicUrl?: string;
  /** the invocation, for a command that claims it in its own write (Command.claimsInWrite) */
  claim?: InvocationClaim;
}

export async function runParsed(parsed: Parsed, actor: Actor, services: Services, opts: RunOptions = {}): Promise<Reply> {
  const { cmd } = parsed;
  try {
    const args = decodeArgs(cmd, parsed.raw, parsed.hints);
    assertMayRun(cmd, actor);
    await checkChannelArgs(cmd, args, actor, services);
    const reply = await cmd.run({ args, actor, services, channelId: opts.channelId, claim: opts.claim });
    if (reply.recordKey && opts.publicUrl)
      reply.recordUrl = new URL(`/r/${actor.workspaceId}/${reply.recordKey}`, opts.publicUrl).toString();
    return reply;
  } catch (e) {
    if (e instanceof AlreadyRunError) throw e; // the runner's to answer (runner.ts)
    return toErrorReply(e, cmd, opts);
  }
}

export async function runText(commands: Command[], text: string, actor: Actor, services: Services, opts: RunOptions = {}): Promise<Reply> {
  let parsed: Parsed;
  try {
    parsed = parseText(commands, text);
  } catch (e) {
    return toErrorReply(e, undefined, opts);
  }
  return runParsed(parsed, actor, services, opts);
}

const DB_DOWN = new Set(["P1001", "P1002", "P1017", "P2024", "ECONNREFUSED", "ETIMEDOUT", "57P01", "57P03"]);
export function isUnavailable(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string }; message?: string };
  return (
    e instanceof UnavailableError ||
    DB_DOWN.has(err?.code ?? "") ||
    DB_DOWN.has(err?.cause?.code ?? "") ||
    /Can't reach database|Connection terminated|connection timeout|ECONNREFUSED|timeout exceeded when trying to connect/i.test(
      err?.message ?? "",
    )
  );
}

export function toErrorReply(e: unknown, cmd?: Command, opts: RunOptions = {}): Reply {
  if (e instanceof UserInputError) return errorReply(e.message, e.usage ?? cmd?.usage);
  if (e instanceof NotFoundError || e instanceof PermissionError) return errorReply(e.message);
  if (e instanceof ChannelCheckFailed) {
    if (isUnavailable(e.cause)) return toErrorReply(e.cause, cmd, opts);
    opts.onError?.(e.cause, cmd);
    return errorReply(e.message);
  }
  if (isUnavailable(e)) return errorReply("The CRM database is not answering right now; try again in a moment.");
  if (isUserFacing(e)) return errorReply((e as Error).message);
  opts.onError?.(e, cmd);
  return errorReply("Something went wrong on our side; it has been logged. Try again, or ask an admin.");
}
