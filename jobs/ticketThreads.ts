// The discord-threads queue: a private support thread per ticket created on Discord, or, for a customer's
// ticket from an inbox, the public thread on their message (or the key in their forum post). What a job does
// is Discord's (adapters/discord/threads.ts): src/app.ts hands it to the workers as a TicketThreadOpener, so
// jobs/ never imports the adapter.
import { createHash } from "node:crypto";
import type { Job } from "bullmq";
import type { InboxThread } from "../src/domain/events/types.ts";
import type { QueueName } from "./registry.ts";
import type { JobRuntime } from "./runtime.ts";

export const TICKET_THREAD_QUEUE = "discord-threads" satisfies QueueName;

export interface TicketThreadJob {
  workspaceId: string;
  /** the ticket's key, T-42 */
  ticket: string;
  /** more people for the thread (the author of the message the ticket came from) */
  extraUserIds: string[];
  /** a customer's ticket from an inbox: their thread (on their message, or their forum post), not a private one */
  customer?: InboxThread;
  /** progress, for retries */
  threadId?: string;
  membersAdded?: boolean;
  cardPosted?: boolean;
  /** the customer's thread has the line with the key */
  keyPosted?: boolean;
}

export interface ThreadRequests {
  request(job: TicketThreadJob): Promise<void>;
}

/** One job per ticket, however often it is asked for. */
export function ticketThreadQueue(rt: JobRuntime): ThreadRequests {
  return {
    async request(job) {
      const jobId = createHash("sha1").update(`ticket-thread:${job.workspaceId}:${job.ticket}`).digest("hex");
      await rt.add(TICKET_THREAD_QUEUE, "ticket-thread", job, { jobId });
    },
  };
}

/** Opens (or continues opening) the thread of one job; saves its progress on the job. */
export type TicketThreadOpener = (job: Job<TicketThreadJob>) => Promise<string>;
