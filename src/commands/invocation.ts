// What every surface hands the command runner, and what it gets back. An invocation is plain JSON (it
// may travel through the commands queue to a worker): who asked (in the surface's own terms), what they
// asked, and where the answer goes when any process may send it.
import type { Actor } from "../domain/actor.ts";
import type { Reply } from "../reply/reply.ts";

export interface Invocation {
  /** the surface that received it: its SurfacePort identifies the person and delivers the answer */
  surface: "slack" | "discord" | "console";
  /** unique per platform request (Slack's response_url + trigger_id, Discord's interaction id): a
   *  command that writes runs once per id, however often the request is delivered or the job retried */
  id: string;
  /** what the surface's identify() needs to find the member (no tokens) */
  identity: Record<string, unknown>;
  /** the command as typed (Slack, buttons) or already split into raw arguments (Discord options, forms) */
  command: { text: string } | { path: string; raw: Record<string, string> };
  channelId?: string;
  /** where any process can send the answer (Slack's response_url and how to post it); absent: the
   *  answer goes back to the process that dispatched the invocation, which answers the platform */
  answerTo?: Record<string, unknown>;
}

/** A command's answer: the reply, the "Share in channel" command for it, and whether this request had already run. */
export interface RunResult {
  reply: Reply;
  share?: string;
  /** a command that writes, already run for this invocation id: nothing ran this time */
  duplicate?: boolean;
}

/** One surface as the runner sees it, wherever the runner runs (server or worker). */
export interface SurfacePort {
  identify(identity: Record<string, unknown>): Promise<Actor>;
  /** sends the answer to invocation.answerTo (only called when it has one); retried: the job ran before */
  deliver?(invocation: Invocation, result: RunResult, opts: { retried: boolean }): Promise<void>;
}
