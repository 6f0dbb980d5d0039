// /crm through the slack-commands queue: a --role=server app only verifies, enqueues and acks; a
// --role=worker app runs the command and answers through response_url. A command runs once whatever
// happens to its job, and a server with no worker listening answers by itself.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { deleteKeys, testPrefix } from "./helpers/redis.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { slackEnv, slash, slashBody, sendSigned, startFakeSlack } from "./helpers/slack.ts";
import { slashJob, slashRunner } from "../adapters/slack/slash.ts";
import { commands } from "../src/commands/registry.ts";

let db: TestDb;
let fake: FakeServer;
let server: TestApp;
let worker: TestApp | undefined;
const prefix = testPrefix();

beforeAll(async () => {
  db = await createTestDb();
  fake = await startFakeSlack();
  const env = { ...slackEnv(fake), QUEUE_PREFIX: prefix };
  worker = await startTestApp(env, { role: "worker", testDb: db }); // first, so the server finds it listening
  server = await startTestApp(env, { role: "server", testDb: db });
});
afterAll(async () => {
  await worker?.stop();
  await server?.stop();
  await fake.close();
  await db.drop();
  await deleteKeys(prefix);
});

const answer = async (text: string) => JSON.stringify(await (await slash(server.url, text, fake)).json());
const queue = () => server.app.jobs.queue("slack-commands");

describe("/crm through the slack-commands queue", () => {
  it("the server acks empty, a worker runs the command and answers through response_url", async () => {
    const res = await sendSigned(
      server.url,
      slashBody("contact add Ada Lovelace email:ada@example.com", fake),
      "application/x-www-form-urlencoded",
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(""); // the ack carries nothing: the answer comes from the worker
    await fake.waitFor(/^\/response\//, 1, 10_000);
    expect(JSON.stringify(fake.calls(/^\/response\//).at(-1)!.body)).toContain("C-1");
    await until(async () => (await queue().getCompletedCount()) >= 1); // the job completes just after it answers
    expect(await db.db.prisma.contact.count({ where: { email: "ada@example.com" } })).toBe(1);
    // errors come back the same way, with the right form
    expect(await answer("deal move")).toMatch(/deal move/);
  });

  it("the same invocation taken twice (a second job, a stalled job taken over) writes once", async () => {
    const body = new URLSearchParams(slashBody("contact add Grace Hopper email:grace@example.com", fake));
    const job = slashJob(Object.fromEntries(body) as never);
    await queue().add("slash", job, { jobId: "slash-first" });
    await queue().add("slash", job, { jobId: "slash-second" });
    const path = new URL(job.responseUrl).pathname;
    await fake.waitFor(path, 1, 10_000);
    await until(async () => (await queue().getCompletedCount()) >= 3);
    expect(await db.db.prisma.contact.count({ where: { email: "grace@example.com" } })).toBe(1);
    expect(fake.calls(path)).toHaveLength(1); // the second job says nothing: the first one answered

    // a job taken over from a worker that died says so instead of running the command again
    const run = slashRunner({ config: worker!.app.config, services: worker!.app.services, commands, logger: worker!.app.logger });
    await run(job, { retried: true });
    await fake.waitFor(path, 2, 5_000);
    expect(JSON.stringify(fake.calls(path)[1].body)).toMatch(/already taken once/);
    expect(await db.db.prisma.contact.count({ where: { email: "grace@example.com" } })).toBe(1);
    // read-only commands simply run again
    const list = slashJob(Object.fromEntries(new URLSearchParams(slashBody("contact find grace", fake))) as never);
    await run(list, { retried: true });
    await fake.waitFor(new URL(list.responseUrl).pathname, 1, 5_000);
    expect(JSON.stringify(fake.calls(new URL(list.responseUrl).pathname)[0].body)).toContain("Grace Hopper");
  });

  it("with no worker listening, the server runs /crm itself", async () => {
    await worker!.stop();
    worker = undefined;
    const waitingBefore = await queue().getWaitingCount();
    await new Promise((r) => setTimeout(r, 6000)); // the server checks for workers every 5 s
    expect(await answer("contact add Katherine Johnson email:kj@example.com")).toContain("Katherine Johnson");
    expect(await queue().getWaitingCount()).toBe(waitingBefore); // nothing left waiting for a worker
  }, 20_000);
});

async function until(fn: () => Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}
