// Email send jobs carry a second's worth of the rate limit, at most 256 ids, split evenly so the BullMQ
// limiter (which counts jobs) still lets exactly CAMPAIGN_EMAIL_PER_SECOND messages through; the fan-out
// and a kick cut the recipients into batches of that size.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { sendingEmailCampaign } from "./helpers/campaign.ts";
import { EMAIL_BATCH_MAX, emailBatchSize, type CampaignJobs, type SendJob } from "../src/domain/campaigns/jobs.ts";
import { fanout, kick } from "../src/domain/campaigns/runner.ts";
import { workerSettings } from "../jobs/registry.ts";
import { loadConfig } from "../src/config/env.ts";

describe("email batch size", () => {
  it("is a second's worth of the rate in equal jobs of at most 256", () => {
    expect([0.5, 1, 50, 100, 256, 257, 300, 1000, 1e9].map(emailBatchSize)).toEqual([1, 1, 50, 100, 256, 129, 150, 250, 256]);
    expect(emailBatchSize(Number.NaN)).toBe(1);
    expect(EMAIL_BATCH_MAX).toBe(256);
  });

  it("the campaign-email limiter times batches of that size lets the configured rate through", () => {
    for (const rate of [0.5, 10, 100, 150, 300, 1000, 5000]) {
      const { max, duration } = workerSettings("campaign-email", loadConfig({ CAMPAIGN_EMAIL_PER_SECOND: String(rate) })).limiter!;
      const perSecond = (max * emailBatchSize(rate) * 1000) / duration;
      expect(Math.abs(perSecond - rate) / rate, `rate ${rate}: ${max} jobs per ${duration} ms`).toBeLessThan(0.01);
    }
    expect(workerSettings("campaign-email", loadConfig({})).limiter).toEqual({ max: 1, duration: 1000 }); // 100/s in jobs of 100
  });
});

describe("fan-out and kick batches", () => {
  let tdb: TestDb;
  beforeAll(async () => {
    tdb = await createTestDb();
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  async function campaign(n: number, name: string) {
    const { workspace, k } = await sendingEmailCampaign(tdb.db.prisma, n, name, { segment: "tag:all" });
    return { workspaceId: workspace.id, campaignId: k.id };
  }
  const capture = (sent: SendJob[]): CampaignJobs => ({
    fanout: async () => {},
    kick: async () => {},
    testEmail: async () => {},
    progress: async () => {},
    send: async (js) => {
      sent.push(...js);
    },
  });

  it("cut the recipients into jobs of the size the worker was given, every recipient once", async () => {
    const ref = await campaign(600, "Batches");
    const sent: SendJob[] = [];
    await fanout({ db: tdb.db.prisma, jobs: capture(sent), emailBatch: emailBatchSize(300) }, ref);
    expect(sent.map((j) => j.recipientIds.length)).toEqual([150, 150, 150, 150]);
    expect(new Set(sent.flatMap((j) => j.recipientIds)).size).toBe(600);

    const again: SendJob[] = [];
    await kick({ db: tdb.db.prisma, jobs: capture(again), emailBatch: 256 }, ref);
    expect(again.map((j) => j.recipientIds.length)).toEqual([256, 256, 88]);
  });

  it("without a size given, email jobs carry 100", async () => {
    const ref = await campaign(250, "Default batches");
    const sent: SendJob[] = [];
    await fanout({ db: tdb.db.prisma, jobs: capture(sent) }, ref);
    expect(sent.map((j) => j.recipientIds.length)).toEqual([100, 100, 50]);
  });
});
