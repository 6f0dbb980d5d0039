// The one command runner every surface goes through, in a server or in a worker: identify the person,
// parse, claim the invocation when the command writes, run (engine.ts runParsed), work out what can be
// shared, then deliver the answer to its address or hand it back to the dispatcher (dispatch.ts).
import type { Services } from "../domain/services.ts";
import type { Logger } from "../log.ts";
import { AlreadyRunError } from "../errors.ts";
import { errorReply } from "../reply/reply.ts";
import type { Command } from "./define.ts";
import { parseText, runParsed, toErrorReply, type Parsed } from "./engine.ts";
import type { Invocation, RunResult, SurfacePort } from "./invocation.ts";
import { shareCommandFor } from "./share.ts";

export const ALREADY_HANDLED = "This request was already handled.";
const ALREADY_RAN =
  "This command was already taken once, and the CRM restarted while answering it. Check the record before running it again.";

export interface RunnerDeps {
  services: Services;
  commands: Command[];
  logger: Logger;
  publicUrl?: string;
  surfaces: Partial<Record<Invocation["surface"], SurfacePort>>;
}

/** Runs an invocation; the result when the answer goes back to the dispatcher, undefined when it was delivered. */
export type RunInvocation = (invocation: Invocation, opts?: { retried?: boolean }) => Promise<RunResult | undefined>;

export function commandRunner(deps: RunnerDeps): RunInvocation {
  const { services, commands, logger, publicUrl, surfaces } = deps;
  const onError = (e: unknown, cmd?: Command) =>
    logger.error({ err: (e as Error).message, stack: (e as Error).stack, command: cmd?.path.join(" ") }, "command failed");

  async function run(inv: Invocation, surface: SurfacePort, retried: boolean): Promise<RunResult> {
    let parsed: Parsed | undefined;
    try {
      const actor = await surface.identify(inv.identity);
      parsed = parse(inv.command);
      // a command that writes runs once: a request delivered twice, a stalled job taken over by another
      // worker, or a job that arrives after the server already ran it itself finds the claim — taken here,
      // or by the command in its own write (claimsInWrite), which then throws AlreadyRunError
      const claim = { source: inv.surface, key: `run:${inv.id}` };
      const claimed =
        parsed.cmd.readOnly ||
        parsed.cmd.claimsInWrite ||
        (await services.processedEvents.claim(actor.workspaceId, claim.source, claim.key));
      if (!claimed) return { reply: errorReply(retried ? ALREADY_RAN : ALREADY_HANDLED), duplicate: true };
      const reply = await runParsed(parsed, actor, services, {
        channelId: inv.channelId,
        onError,
        publicUrl,
        claim: parsed.cmd.claimsInWrite ? claim : undefined,
      });
      return { reply, share: shareCommandFor(parsed, reply, "text" in inv.command ? inv.command.text : undefined) };
    } catch (e) {
      if (e instanceof AlreadyRunError) return { reply: errorReply(retried ? ALREADY_RAN : ALREADY_HANDLED), duplicate: true };
      return { reply: toErrorReply(e, parsed?.cmd, { onError }) };
    }
  }

  function parse(command: Invocation["command"]): Parsed {
    if ("text" in command) return parseText(commands, command.text);
    const cmd = commands.find((c) => c.path.join(" ") === command.path);
    if (!cmd) return parseText(commands, command.path);
    return { cmd, raw: command.raw };
  }

  return async (inv, opts = {}) => {
    const surface = surfaces[inv.surface];
    if (!surface) throw new Error(`no surface "${inv.surface}" in this process`);
    const result = await run(inv, surface, !!opts.retried);
    if (!inv.answerTo) return result;
    // a duplicate that is not a retry is a request some other run answers: say nothing twice
    if (result.duplicate && !opts.retried) return undefined;
    await surface.deliver?.(inv, result, { retried: !!opts.retried });
    return undefined;
  };
}
