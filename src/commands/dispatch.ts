// Where a command runs: the one rule for every surface. When a worker process listens on the commands
// queue and Redis takes the invocation within a second, a worker runs it; otherwise this process runs it
// itself, at most `concurrency` at once, so a burst waits its turn instead of starving the event loop
// that answers the platforms. Either way the caller gets the same promise: the result when the answer
// comes back here (no answerTo), undefined once it was delivered to its address. A command queued just
// as the last worker died is taken back out of the queue and run here.
import pLimit from "p-limit";
import type { Logger } from "../log.ts";
import { LATE, within } from "./deadline.ts";
import type { Invocation, RunResult } from "./invocation.ts";
import type { RunInvocation } from "./runner.ts";

/** The commands queue as a dispatcher sees it (jobs/commandQueue.ts). */
export interface CommandQueue {
  /** whether a worker took jobs from the queue at the last check */
  listening(): boolean;
  /**
   * queues the invocation; taken(ms) is false when, after ms, no worker had it and none was left, so it was taken
   * back out of the queue; wait() settles when a worker has run it, with the result it handed back
   */
  enqueue(invocation: Invocation): Promise<{ taken(ms: number): Promise<boolean>; wait(): Promise<RunResult | undefined> }>;
}

/** how long Redis gets to take an invocation before this process runs it itself */
export const ENQUEUE_BUDGET_MS = 1000;

/** how long a queued invocation may wait before this process checks that a worker is left to take it */
export const TAKE_BUDGET_MS = 1500;

export type Dispatch = (invocation: Invocation) => Promise<RunResult | undefined>;

export function commandDispatcher(opts: { run: RunInvocation; queue?: CommandQueue; concurrency: number; logger: Logger }): Dispatch {
  const here = pLimit(opts.concurrency);
  const runHere = (inv: Invocation) => here(() => opts.run(inv));
  return async (inv) => {
    if (!opts.queue?.listening() || carriesSecret(inv)) return runHere(inv);
    const taken = await within(
      opts.queue.enqueue(inv).catch(() => undefined),
      ENQUEUE_BUDGET_MS,
    );
    if (taken === LATE || taken === undefined) {
      opts.logger.warn({ surface: inv.surface }, "commands queue unavailable: running the command in this process");
      return runHere(inv);
    }
    // the last worker may have died since the queue was checked: what none took in time runs here
    if (!(await taken.taken(TAKE_BUDGET_MS))) return runHere(inv);
    // an answer with an address is the worker's to deliver; only one without waits for the worker here
    return inv.answerTo ? undefined : taken.wait();
  };
}

/**
 * A command typed with a secret in it (inbox imap … password:…) runs where it arrived: a queued job's data
 * stays in Redis with the queue's finished jobs, and a password must not.
 */
export function carriesSecret(inv: Invocation): boolean {
  const c = inv.command as { text?: string; raw?: Record<string, string> };
  const words = [c.text ?? "", ...Object.keys(c.raw ?? {}), ...Object.values(c.raw ?? {})].join(" ");
  return /\bpassword\b/i.test(words);
}
