// CampaignJobs on BullMQ. Job ids are free of ':' (BullMQ reserves it). Progress redraws are throttled
// per campaign by job id: one job per CAMPAIGN_PROGRESS_MS window, delayed to the window's end.
import type { JobsOptions } from "bullmq";
import type { CampaignJobs, SendJob } from "../src/domain/campaigns/jobs.ts";
import type { JobRuntime } from "./runtime.ts";
import type { QueueName } from "./registry.ts";

const sendQueue = (channel: SendJob["channel"]): QueueName => `campaign-${channel}`;

export function bullCampaignJobs(rt: JobRuntime): CampaignJobs {
  return {
    async fanout(ref, at) {
      const delay = at ? Math.max(0, at.getTime() - Date.now()) : 0;
      await rt.add("campaign-control", "fanout", ref, { jobId: `fanout-${ref.campaignId}-${at ? at.getTime() : Date.now()}`, delay });
    },
    async kick(ref) {
      await rt.add("campaign-control", "kick", ref);
    },
    async send(jobs) {
      const byQueue = new Map<QueueName, SendJob[]>();
      for (const j of jobs) byQueue.set(sendQueue(j.channel), [...(byQueue.get(sendQueue(j.channel)) ?? []), j]);
      for (const [name, list] of byQueue) await rt.queue(name).addBulk(list.map((data) => ({ name: "send", data })));
    },
    async testEmail(job) {
      await rt.add("campaign-control", "test-email", job);
    },
    async progress(ref, now = false) {
      const opts: JobsOptions = {};
      if (!now) {
        const w = rt.tuning.CAMPAIGN_PROGRESS_MS;
        const bucket = Math.floor(Date.now() / w);
        opts.jobId = `progress-${ref.campaignId}-${bucket}`;
        opts.delay = (bucket + 1) * w - Date.now();
      }
      await rt.add("campaign-progress", "progress", ref, opts);
    },
  };
}
