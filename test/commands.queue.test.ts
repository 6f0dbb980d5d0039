// One way to run a command, for every surface: a --role=server app verifies the request, identifies the
// surface's invocation and hands it to the commands queue; a --role=worker app runs it through the same
// runner (src/commands/runner.ts). A Slack answer goes from the worker to response_url; a Discord answer
// comes back to the server, which owes Discord the first response. A command runs once whatever happens
// to its job, and a server with no worker listening runs commands itself.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "bullmq";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { deleteKeys, testPrefix } from "./helpers/redis.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { slackEnv, slash, slashBody, sendSigned, startFakeSlack } from "./helpers/slack.ts";
import {
  commandBody,
  discordEnv,
  interact,
  multipart,
  originalPath,
  shown,
  startFakeDiscord,
  str,
  type FakeDiscord,
} from "./helpers/discord.ts";
import { until } from "./helpers/until.ts";
import { slackInvocation, slackSurface } from "../adapters/slack/surface.ts";
import { commandRunner } from "../src/commands/runner.ts";
import type { Invocation } from "../src/commands/invocation.ts";
import { commands } from "../src/commands/registry.ts";
import { TAKE_BUDGET_MS } from "../src/commands/dispatch.ts";
import { commandQueue } from "../jobs/commandQueue.ts";

let db: TestDb;
let slack: FakeServer;
let discord: FakeDiscord;
let server: TestApp;
let worker: TestApp | undefined;
const prefix = testPrefix();

beforeAll(async () => {
  db = await createTestDb();
  slack = await startFakeSlack();
  discord = await startFakeDiscord();
  const env = { ...slackEnv(slack), ...discordEnv(discord), QUEUE_PREFIX: prefix };
  worker = await startTestApp(env, { role: "worker", testDb: db }); // first, so the server finds it listening
  server = await startTestApp(env, { role: "server", testDb: db });
});
afterAll(async () => {
  await worker?.stop();
  await server?.stop();
  await slack.close();
  await discord.close();
  await db.drop();
  await deleteKeys(prefix);
});

const answer = async (text: string) => JSON.stringify(await (await slash(server.url, text, slack)).json());
const queue = () => server.app.jobs.queue("commands");
const ranOnWorker = async (surface: string, text: RegExp) => {
  const done = (await queue().getCompleted(0, 200)) as Job<Invocation>[];
  return done.filter((j) => j.data.surface === surface && text.test(JSON.stringify(j.data.command)));
};
/** The worker's jobs for a surface's command, once there are n (a job completes just after it answers). */
const onWorker = (surface: string, text: RegExp, n = 1) =>
  until(`${n} ${surface} job(s) ${text} completed on the worker`, async () => {
    const jobs = await ranOnWorker(surface, text);
    return jobs.length >= n && jobs;
  });

describe("commands through the one queue", () => {
  it("Slack: the server acks empty, a worker runs the command and answers through response_url", async () => {
    const res = await sendSigned(
      server.url,
      slashBody("contact add Ada Lovelace email:ada@example.com", slack),
      "application/x-www-form-urlencoded",
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(""); // the ack carries nothing: the answer comes from the worker
    await slack.waitFor(/^\/response\//, 1, 10_000);
    expect(JSON.stringify(slack.calls(/^\/response\//).at(-1)!.body)).toContain("C-1");
    expect(await onWorker("slack", /contact add Ada/)).toHaveLength(1);
    expect(await db.db.prisma.contact.count({ where: { email: "ada@example.com" } })).toBe(1);
    // errors come back the same way, with the right form
    expect(await answer("deal move")).toMatch(/deal move/);
  });

  it("a deal move from Slack and from Discord run on the worker through the same runner", async () => {
    expect(await answer('deal new "Queued Slack" 5k')).toContain("D-1");
    expect(await answer("deal move D-1 proposal")).toContain("proposal");
    expect(await onWorker("slack", /deal move D-1 proposal/)).toHaveLength(1);

    const created = await interact(server.url, commandBody(["deal", "new"], [str("title", "Queued Discord"), str("amount", "7k")]));
    expect(created.type).toBe(4); // the worker's answer came back in time for the first response
    expect(shown(created)).toContain("Queued Discord");
    const moved = await interact(server.url, commandBody(["deal", "move"], [str("deal", "D-1"), str("stage", "proposal")]));
    expect(moved.type).toBe(4);
    expect(shown(moved)).toContain("proposal");
    expect(await onWorker("discord", /"deal move"/)).toHaveLength(1);
    expect(
      await db.db.prisma.deal.count({ where: { title: { in: ["Queued Slack", "Queued Discord"] }, stage: { name: "proposal" } } }),
    ).toBe(2);
  });

  it("Discord: an answer with a chart comes back from the worker as bytes and is sent as a file after a deferral", async () => {
    const body = commandBody(["digest", "show"], [str("period", "week")]);
    const first = await interact(server.url, body);
    expect(first.type).toBe(5);
    const [edit] = await discord.waitFor(originalPath(body.token), 1, 15_000);
    const parts = multipart(edit)!;
    expect(parts.files[0]).toMatchObject({ filename: expect.stringMatching(/\.png$/), contentType: "image/png" });
    expect(parts.files[0].size).toBeGreaterThan(100);
    expect(await onWorker("discord", /"digest"/)).toHaveLength(1);
  });

  it("the same invocation taken twice (a second job, a stalled job taken over) writes once", async () => {
    const inv = slackInvocation(
      Object.fromEntries(new URLSearchParams(slashBody("contact add Grace Hopper email:grace@example.com", slack))),
      "contact add Grace Hopper email:grace@example.com",
      "command",
    );
    await queue().add("slack", inv, { jobId: "twice-first" });
    await queue().add("slack", inv, { jobId: "twice-second" });
    const path = new URL(String(inv.answerTo!.responseUrl)).pathname;
    await slack.waitFor(path, 1, 10_000);
    expect(await onWorker("slack", /Grace Hopper/, 2)).toHaveLength(2);
    expect(await db.db.prisma.contact.count({ where: { email: "grace@example.com" } })).toBe(1);
    expect(slack.calls(path)).toHaveLength(1); // the second job says nothing: the first one answered

    // a job taken over from a worker that died says so instead of running the command again
    const { config, services, logger } = worker!.app;
    const run = commandRunner({ services, commands, logger, surfaces: { slack: slackSurface({ config, services, logger }) } });
    await run(inv, { retried: true });
    await slack.waitFor(path, 2, 5_000);
    expect(JSON.stringify(slack.calls(path)[1].body)).toMatch(/already taken once/);
    expect(await db.db.prisma.contact.count({ where: { email: "grace@example.com" } })).toBe(1);
    // read-only commands simply run again
    const list = slackInvocation(
      Object.fromEntries(new URLSearchParams(slashBody("contact find grace", slack))),
      "contact find grace",
      "command",
    );
    await run(list, { retried: true });
    await slack.waitFor(new URL(String(list.answerTo!.responseUrl)).pathname, 1, 5_000);
    expect(JSON.stringify(slack.calls(new URL(String(list.answerTo!.responseUrl)).pathname)[0].body)).toContain("Grace Hopper");
  });

  it("a Slack command queued by the server counts as taken when a worker starts it (the queue's events), not when the take budget runs out", async () => {
    const inv = slackInvocation(
      Object.fromEntries(new URLSearchParams(slashBody("contact find nobody-at-all", slack))),
      "contact find nobody-at-all",
      "command",
    );
    const q = commandQueue(server.app.jobs, server.app.logger);
    try {
      const started = Date.now();
      const queued = await q.enqueue(inv);
      expect(await queued.taken(TAKE_BUDGET_MS)).toBe(true);
      expect(Date.now() - started).toBeLessThan(TAKE_BUDGET_MS);
      await slack.waitFor(new URL(String(inv.answerTo!.responseUrl)).pathname, 1, 5_000);
    } finally {
      await q.close();
    }
  });

  it("a log claims its invocation in its own write: taken twice it writes once, and taken over it says so", async () => {
    const grace = await db.db.prisma.contact.findFirstOrThrow({ where: { email: "grace@example.com" } });
    const text = `log note C-${grace.number} Called about the compiler`;
    const inv = slackInvocation(Object.fromEntries(new URLSearchParams(slashBody(text, slack))), text, "command");
    await queue().add("slack", inv, { jobId: "log-twice-first" });
    await queue().add("slack", inv, { jobId: "log-twice-second" });
    const path = new URL(String(inv.answerTo!.responseUrl)).pathname;
    await slack.waitFor(path, 1, 10_000);
    expect(await onWorker("slack", /Called about the compiler/, 2)).toHaveLength(2);
    const logged = () => db.db.prisma.interaction.count({ where: { contactId: grace.id, summary: "Called about the compiler" } });
    expect(await logged()).toBe(1);
    expect(slack.calls(path)).toHaveLength(1);
    const { config, services, logger } = worker!.app;
    const run = commandRunner({ services, commands, logger, surfaces: { slack: slackSurface({ config, services, logger }) } });
    await run(inv, { retried: true });
    await slack.waitFor(path, 2, 5_000);
    expect(JSON.stringify(slack.calls(path)[1].body)).toMatch(/already taken once/);
    expect(await logged()).toBe(1);
  });

  it("a command with a password in it runs in the server: its text never reaches the commands queue in Redis", async () => {
    const states = ["completed", "waiting", "active", "failed", "delayed"] as const;
    const before = (await queue().getJobs([...states], 0, 2000)).length;
    const said = await answer("inbox imap host:127.0.0.1 port:1 user:support@acme.test password:hunter2-secret");
    expect(said).toContain("cannot store a mailbox password"); // answered in the ack by the server itself
    const jobs = await queue().getJobs([...states], 0, 2000);
    expect(jobs.length).toBe(before);
    expect(jobs.some((j) => JSON.stringify(j.data).includes("hunter2-secret"))).toBe(false);
  });

  it("a command sent as the last worker stops, before the server's next check for workers, is taken back out of the queue and run by the server", async () => {
    await worker!.stop();
    worker = undefined;
    const waitingBefore = await queue().getWaitingCount();
    const started = Date.now();
    const res = await interact(server.url, commandBody(["contact", "add"], [str("name", "Mary Jackson")]));
    expect(shown(res)).toContain("Mary Jackson");
    expect(Date.now() - started).toBeLessThan(3000); // answered in Discord's 3 seconds, not after a worker's timeout
    expect(await queue().getWaitingCount()).toBe(waitingBefore);
    expect(await server.app.db.prisma.contact.count({ where: { name: "Mary Jackson" } })).toBe(1);
  });

  it("with no worker listening, the server runs commands from both surfaces itself", async () => {
    expect(worker).toBeUndefined(); // stopped by the test before
    const waitingBefore = await queue().getWaitingCount();
    await new Promise((r) => setTimeout(r, 6000)); // the server checks for workers every 5 s
    expect(await answer("contact add Katherine Johnson email:kj@example.com")).toContain("Katherine Johnson");
    const res = await interact(server.url, commandBody(["contact", "add"], [str("name", "Dorothy Vaughan")]));
    expect(shown(res)).toContain("Dorothy Vaughan");
    expect(await queue().getWaitingCount()).toBe(waitingBefore); // nothing left waiting for a worker
  }, 20_000);
});
