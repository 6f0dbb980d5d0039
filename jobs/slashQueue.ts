// The slack-commands queue as the server sees it: a /crm command is handed to the worker processes
// only while at least one is listening (checked every few seconds), so a deployment, or a moment,
// without workers still gets its answers from the server itself.
import type { Logger } from "../src/log.ts";
import type { JobRuntime } from "./runtime.ts";

/** What a worker needs from a slash command payload (no tokens: Slack's `token` field is left out). */
export interface SlashJob {
  /** unique per invocation: from response_url and trigger_id, which Slack never reuses */
  id: string;
  teamId?: string;
  enterpriseId?: string;
  teamDomain?: string;
  userId: string;
  userName?: string;
  channelId: string;
  text: string;
  responseUrl: string;
}

const CHECK_EVERY_MS = 5000;

export function slashQueue(rt: JobRuntime, logger: Logger) {
  let listening = true;
  const check = async () => {
    try {
      const now = (await rt.queue("slack-commands").getWorkersCount()) > 0;
      if (now !== listening)
        logger.warn(
          { listening: now },
          now ? "slack-commands workers are back" : "no worker takes slack-commands: this server runs /crm itself",
        );
      listening = now;
    } catch {
      /* Redis down: enqueueing fails by itself and the server runs the command */
    }
  };
  void check();
  const timer = setInterval(() => void check(), CHECK_EVERY_MS).unref();
  return {
    async enqueue(job: SlashJob): Promise<void> {
      if (!listening) throw new Error("no worker is taking commands");
      await rt.add("slack-commands", "slash", job, { jobId: `slash-${job.id}` });
    },
    close: async () => clearInterval(timer),
  };
}
