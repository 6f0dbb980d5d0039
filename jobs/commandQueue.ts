// The commands queue (src/commands/dispatch.ts decides when it is used): invocations from every surface
// for the worker processes. A server checks every few seconds whether any worker listens, so a
// deployment, or a moment, without workers still gets its answers from the server itself. A result that
// goes back to the server (an invocation without answerTo) travels as the job's return value.
import { createHash } from "node:crypto";
import type { CommandQueue } from "../src/commands/dispatch.ts";
import type { Invocation, RunResult } from "../src/commands/invocation.ts";
import type { RunInvocation } from "../src/commands/runner.ts";
import type { Logger } from "../src/log.ts";
import { errorReply } from "../src/reply/reply.ts";
import { fromWire, toWire, type WireReply } from "../src/reply/wire.ts";
import type { JobRuntime } from "./runtime.ts";

const CHECK_EVERY_MS = 5000;
/** Discord's interaction token and Slack's response_url both last 15–30 minutes: no answer matters later */
const RESULT_TTL_MS = 15 * 60_000;
const WORKER_LOST = "The worker running this command stopped before answering; check the record before running it again.";

/** One job per invocation (BullMQ refuses ':' in a job id, and ids come in every platform's shape). */
const jobIdOf = (inv: Invocation) => `cmd-${createHash("sha256").update(`${inv.surface}\n${inv.id}`).digest("base64url").slice(0, 27)}`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

type WireResult = Omit<RunResult, "reply"> & { reply: WireReply };

/** How long one count of the workers is good for (BullMQ counts them by parsing Redis's CLIENT LIST): a worker that
 * died in the last quarter second may still be counted once. */
const COUNT_FRESH_MS = 250;

export function commandQueue(rt: JobRuntime, logger: Logger): CommandQueue & { close(): Promise<void> } {
  let listening = true;
  // one count at a time, shared: under load every waiting command asks (taken() below), and a CLIENT LIST
  // parse per command cost the server ~4 ms of CPU each (a profile at 100 commands/s: 28 % of its time)
  let counted: { at: number; count: Promise<number> } | undefined;
  const workersCount = () => {
    if (!counted || Date.now() - counted.at > COUNT_FRESH_MS) counted = { at: Date.now(), count: rt.queue("commands").getWorkersCount() };
    return counted.count;
  };
  const check = async () => {
    try {
      const now = (await workersCount()) > 0;
      if (now !== listening)
        logger.warn({ listening: now }, now ? "commands workers are back" : "no worker takes commands: this server runs them itself");
      listening = now;
    } catch {
      /* Redis down: enqueueing fails by itself and the server runs the command */
    }
  };
  void check();
  // subscribed from the start: the first answer that comes back does not wait for a new connection
  const events = rt.queueEvents("commands");
  // BullMQ's wait for a job's end listens to the queue's "closing" once per waiting command: a busy server has
  // hundreds at once, which is no leak (Node warns past 10)
  rt.queue("commands").setMaxListeners(0);
  // An invocation with an address (Slack's response_url; Discord's answers come back here) is answered by the worker: this process only
  // needs to know that a worker took it. One listener for every job (a map by job id), instead of BullMQ's wait for
  // each job's end, which costs a Redis script call per command (a profile of the server under load: bench/README.md)
  const starting = new Map<string, () => void>();
  const started = (args: { jobId: string }) => starting.get(args.jobId)?.();
  for (const e of ["active", "completed", "failed"] as const) events.on(e, started);
  const timer = setInterval(() => void check(), CHECK_EVERY_MS).unref();
  return {
    listening: () => listening,
    async enqueue(invocation) {
      const jobId = jobIdOf(invocation);
      // registered before the job exists, so its first event cannot come before the listener
      const taken = invocation.answerTo ? new Promise<true>((resolve) => starting.set(jobId, () => resolve(true))) : undefined;
      let finished: Promise<WireResult | undefined> | undefined;
      let job: Awaited<ReturnType<typeof rt.addJob>>;
      try {
        job = await rt.addJob("commands", invocation.surface, invocation, { jobId });
      } catch (e) {
        starting.delete(jobId);
        throw e;
      }
      const finish = () => {
        if (!finished) {
          finished = job.waitUntilFinished(events, RESULT_TTL_MS);
          finished.catch(() => undefined); // wait() reports it
        }
        return finished;
      };
      const done =
        taken ??
        finish().then(
          () => true as const,
          () => true as const,
        );
      return {
        async taken(ms) {
          const settled = await Promise.race([done, sleep(ms).then(() => false)]);
          starting.delete(jobId);
          if (settled) return true;
          // not seen taken yet: with a worker left it will be (the count is shared, so this costs no Redis call per command)
          if ((await workersCount().catch(() => 1)) > 0) return true;
          // still queued with no worker left (the last one died since the check): take it back and run it here
          const state = await job.getState().catch(() => "unknown");
          if (!["waiting", "prioritized", "delayed"].includes(state)) return true;
          try {
            await job.remove(); // refused once a worker holds it
          } catch {
            return true;
          }
          listening = false;
          logger.warn({ surface: invocation.surface }, "no worker takes commands: this server runs them itself");
          return false;
        },
        wait: () =>
          finish().then(
            (r: WireResult | undefined) => (r ? { ...r, reply: fromWire(r.reply) } : undefined),
            (e: Error) => {
              logger.warn({ err: e.message, surface: invocation.surface }, "a queued command did not finish");
              return { reply: errorReply(WORKER_LOST) };
            },
          ),
      };
    },
    close: async () => clearInterval(timer),
  };
}

/** The worker's side: runs an invocation and hands back, as JSON, what must return to the server. */
export function commandProcessor(run: RunInvocation) {
  return async (invocation: Invocation, retried: boolean): Promise<WireResult | undefined> => {
    const result = await run(invocation, { retried });
    return result && { ...result, reply: toWire(result.reply) };
  };
}
