// Domain events (#12 item 1): a change writes its event in its own transaction, a worker dispatches it, each
// handler runs once. The HTTP server runs without workers; `npm start -- --role=worker` runs as child
// processes, started and SIGKILLed by the tests, against the same PostgreSQL and Redis.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer, RecordedRequest } from "./helpers/fakeHttp.ts";
import { apiArgs, eventCallback, fixture, slackEnv, slashText, startFakeSlack } from "./helpers/slack.ts";
import { until as untilDone } from "./helpers/until.ts";
import { startWorkerProcess, type WorkerProcess } from "./helpers/workerProcess.ts";
import { eventHandlers } from "../jobs/events/index.ts";
import { bullEventNudge } from "../jobs/domainEvents.ts";
import { ticketThreadQueue } from "../jobs/ticketThreads.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
let t: TestApp;
let fake: FakeServer;
let ws: string;
let admin: string;
let workerEnv: Record<string, string>;
const running: WorkerProcess[] = [];
let dir: string;

const prisma = () => t.app.db.prisma;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** a post's summary (Slack's fallback text) and its blocks */
const text = (r: RecordedRequest) => `${apiArgs(r).text ?? ""} ${JSON.stringify(apiArgs(r).blocks ?? "")}`;
const sent = (channel: string, match: RegExp) =>
  fake.calls("/api/chat.postMessage").filter((r) => apiArgs(r).channel === channel && match.test(text(r)));
const until = <T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 40_000) =>
  untilDone(what, fn, {
    ms,
    stepMs: 50,
    seen: () =>
      fake
        .calls("/api/chat.postMessage")
        .map((r) => `${apiArgs(r).channel}: ${apiArgs(r).text}`)
        .join(" | "),
  });

/** A command typed in the console by the workspace's admin (the console runs commands in the server process). */
async function consoleRun(line: string): Promise<string> {
  const res = await fetch(`${t.url}/console/api/command`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ workspaceId: ws, memberId: admin, text: line }),
  });
  const body = await res.json();
  if (!res.ok || body.reply?.kind !== "ok") throw new Error(`${line} → ${res.status} ${JSON.stringify(body)}`);
  return JSON.stringify(body.reply);
}

const spawnWorker = async () => {
  const w = startWorkerProcess(workerEnv);
  running.push(w);
  await w.ready;
  return w;
};
async function killAll(sig: NodeJS.Signals = "SIGKILL") {
  for (const w of running.splice(0)) {
    w.kill(sig);
    await w.exited;
  }
}
const eventsOf = (recordId: string) => prisma().domainEvent.findMany({ where: { workspaceId: ws, recordId }, orderBy: { seq: "asc" } });
const handled = async (eventId: string) =>
  (await prisma().domainEventHandled.findMany({ where: { eventId } })).map((h) => h.handler).sort();

beforeAll(async () => {
  fake = await startFakeSlack();
  fake.on("POST", "/api/conversations.open", (r) => ({ body: { ok: true, channel: { id: `D${apiArgs(r).users}` } } }));
  // the HTTP server only: every job runs in a child worker process
  t = await startTestApp(slackEnv(fake), { role: "server" });
  workerEnv = {
    ...slackEnv(fake),
    DATABASE_URL: t.testDb.url,
    REDIS_URL: inject("redisUrl"),
    QUEUE_PREFIX: t.prefix,
    JOBS_LOCK_MS: "1000",
    JOBS_STALLED_MS: "1000",
  };
  dir = await mkdtemp(path.join(tmpdir(), "crm-events-"));
  // Slack's /crm runs in the workers: one is up for the set-up
  await spawnWorker();
  expect(await slashText(t.url, "notify deals <#CSALES|sales>", fake)).toContain("CSALES");
  expect(await slashText(t.url, "notify tickets <#CTICKETS|tickets>", fake)).toContain("CTICKETS");
  expect(await slashText(t.url, "score rule add tag:vip 25", fake)).toContain("+25");
  ws = (await prisma().platformLink.findFirstOrThrow({ where: { externalId: "T111" } })).workspaceId;
  admin = (await prisma().member.findFirstOrThrow({ where: { workspaceId: ws, slackUserId: "W111" } })).id;
  await prisma().workspace.update({ where: { id: ws }, data: { leadThreshold: 20 } });
  await killAll("SIGTERM");
}, 120_000);
afterAll(async () => {
  await killAll();
  await t?.stop();
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("domain events", () => {
  it("a deal moved in the console is one event, announced once though it is nudged twice and dispatched by two callers at once", async () => {
    await consoleRun('deal new "Acme renewal" 12k');
    await consoleRun("deal move D-1 qualified");
    const deal = await prisma().deal.findFirstOrThrow({ where: { workspaceId: ws, number: 1 } });
    const [created, moved] = await eventsOf(deal.id);
    expect([created.type, moved.type]).toEqual(["deal.created", "deal.moved"]);
    expect(moved).toMatchObject({
      recordKind: "deal",
      actorId: admin,
      dispatchedAt: null,
      data: { from: "lead", to: "qualified", via: "move", actor: { platform: "console" } },
    });
    // no worker yet: the nudge waits in Redis, nothing was posted
    expect(await t.app.jobs.queue("domain-events").getJob(moved.id)).toBeTruthy();
    expect(fake.calls("/api/chat.postMessage")).toHaveLength(0);

    const dispatcher = t.app.services.events.dispatcher(eventHandlers(t.app.services, ticketThreadQueue(t.app.jobs)));
    const nudge = bullEventNudge(t.app.jobs);
    const results = await Promise.all([
      dispatcher.dispatch(ws, moved.id),
      dispatcher.dispatch(ws, moved.id),
      nudge.dispatch([{ id: moved.id, workspaceId: ws }]),
      nudge.dispatch([{ id: moved.id, workspaceId: ws }]),
    ]);
    expect(results.slice(0, 2)).toContain("dispatched");
    // the earlier event of the same deal went first; each handler of each event ran once
    for (const e of await eventsOf(deal.id)) expect(e.dispatchedAt).not.toBeNull();
    expect(await handled(created.id)).toEqual(["deal-announcements", "rescore"]);
    expect(await handled(moved.id)).toEqual(["deal-announcements", "rescore"]);
    // a double nudge is one job
    expect(
      (await t.app.jobs.queue("domain-events").getJobs(["waiting", "delayed", "active"])).filter((j) => j.id === moved.id),
    ).toHaveLength(1);

    // a worker delivers what was queued, and runs the leftover nudges (already dispatched: nothing more)
    await spawnWorker();
    await until("the move in #sales", () => sent("CSALES", /\(moved lead → qualified by /).length);
    await until("the nudges run", async () => (await t.app.jobs.queue("domain-events").getJobCounts("waiting", "active")).waiting === 0);
    await sleep(1500);
    expect(sent("CSALES", /\(moved lead → qualified by /)).toHaveLength(1);
    expect(sent("CSALES", /^D-1 .*\(created by /)).toHaveLength(1);
    expect(fake.calls("/api/chat.postMessage")).toHaveLength(2);
  }, 120_000);

  it("a crash after commit loses nothing: with no worker alive and the nudge lost, the sweep of a worker started later announces the change once", async () => {
    await killAll(); // SIGKILL: no clean-up
    await consoleRun("deal won D-1");
    const deal = await prisma().deal.findFirstOrThrow({ where: { workspaceId: ws, number: 1 } });
    const won = (await eventsOf(deal.id)).find((e) => e.type === "deal.won")!;
    expect(won.dispatchedAt).toBeNull();
    // as if Redis had lost the nudge too: only the database knows
    await t.app.jobs.queue("domain-events").remove(won.id);
    await sleep(500);
    expect(sent("CSALES", /won 🎉/)).toHaveLength(0);

    await spawnWorker();
    await until("the win in #sales", () => sent("CSALES", /^D-1 .*\(won 🎉 by /).length);
    await until("the event dispatched", async () => (await prisma().domainEvent.findUniqueOrThrow({ where: { id: won.id } })).dispatchedAt);
    await sleep(1500);
    expect(sent("CSALES", /^D-1 .*\(won 🎉 by /)).toHaveLength(1);
    expect(await handled(won.id)).toEqual(["deal-announcements", "rescore"]);
  }, 120_000);

  it("a worker killed between two handlers of an event: the next one runs only what was left, and nothing is announced twice", async () => {
    await killAll();
    await consoleRun('deal new "Globex pilot" 5k');
    const deal = await prisma().deal.findFirstOrThrow({ where: { workspaceId: ws, number: 2 } });
    const [created] = await eventsOf(deal.id);
    // hold the rescore handler's claim key in an open transaction: the worker blocks there, after the announcement
    const hold = new pg.Client({ connectionString: t.testDb.url });
    await hold.connect();
    try {
      await hold.query("BEGIN");
      await hold.query(`INSERT INTO "DomainEventHandled" ("eventId", "handler", "workspaceId") VALUES ($1, 'rescore', $2)`, [
        created.id,
        ws,
      ]);
      const w = await spawnWorker();
      await until("the new deal in #sales", () => sent("CSALES", /^D-2 .*\(created by /).length);
      await sleep(500);
      expect(await handled(created.id)).toEqual(["deal-announcements"]);
      expect((await prisma().domainEvent.findUniqueOrThrow({ where: { id: created.id } })).dispatchedAt).toBeNull();
      w.kill("SIGKILL");
      expect(await w.exited).toBeNull();
      running.splice(running.indexOf(w), 1);
    } finally {
      await hold.query("ROLLBACK");
      await hold.end();
    }

    await spawnWorker();
    await until(
      "the event dispatched",
      async () => (await prisma().domainEvent.findUniqueOrThrow({ where: { id: created.id } })).dispatchedAt,
    );
    expect(await handled(created.id)).toEqual(["deal-announcements", "rescore"]);
    await sleep(1500);
    expect(sent("CSALES", /^D-2 .*\(created by /)).toHaveLength(1);
  }, 120_000);

  it("contacts imported with `npm run crm -- import contacts` are scored and routed like one added in chat: the hot lead gets an owner, who is told", async () => {
    // in chat: scored (the adder owns it, so it is not routed)
    await consoleRun("contact add Ann Chat email:ann@chat.test tags:vip");
    await until(
      "the chat contact's score",
      async () => (await prisma().contact.findFirst({ where: { workspaceId: ws, email: "ann@chat.test" } }))?.score === 25,
    );

    const file = path.join(dir, "leads.csv");
    await writeFile(file, "name,email,tags\nLea Lead,lea@import.test,vip\nCal Cold,cal@import.test,\n");
    const r = await promisify(execFile)("npx", ["tsx", "src/cli/crm.ts", "import", "contacts", file, "--workspace", ws], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.testDb.url, LOG_LEVEL: "silent" },
    });
    expect(r.stderr).toContain("Imported 2 of 2 contacts");
    const [imported] = await prisma().domainEvent.findMany({ where: { workspaceId: ws, type: "contacts.imported" } });
    expect(imported).toMatchObject({
      recordKind: "workspace",
      actorId: null,
      data: { all: false, actor: { name: "CSV import", platform: "cli" } },
    });
    expect((imported.data as { contactIds: string[] }).contactIds).toHaveLength(2);

    // no Redis in the CLI: the running worker's sweep finds the event
    const dm = await until("the new owner's DM", () => sent("DW111", /your lead/)[0]);
    expect(text(dm)).toContain("Lea Lead");
    await until("the deals channel told", () => sent("CSALES", /Lea Lead.*reached lead score 25/).length);
    const lea = await prisma().contact.findFirstOrThrow({ where: { workspaceId: ws, email: "lea@import.test" } });
    expect(lea).toMatchObject({ score: 25, ownerId: admin });
    // scored too, below the threshold: nobody's lead
    const cal = await until("the cold contact's score", () =>
      prisma().contact.findFirst({ where: { workspaceId: ws, email: "cal@import.test", score: { not: null } } }),
    );
    expect(cal).toMatchObject({ ownerId: null, score: 0 });
    await sleep(1500);
    expect(sent("DW111", /your lead/)).toHaveLength(1);
  }, 120_000);

  it("a ticket opened by a 🎫 reaction in Slack is announced in the tickets channel, as one opened with /crm ticket new is", async () => {
    await consoleRun('ticket new "Printer on fire"');
    const chat = await until("the command's ticket in #tickets", () => sent("CTICKETS", /Opened T-1 Printer on fire/)[0]);
    expect(text(chat)).toMatch(/"by [^"]+"/);

    const reaction = fixture("event_callback.reaction_added.bolt_python.json");
    reaction.event_id = "EvTicketReaction";
    reaction.event.reaction = "ticket";
    expect((await eventCallback(t.url, reaction)).status).toBe(200);
    const ticket = await until("the reaction's ticket", () =>
      prisma().ticket.findFirst({ where: { workspaceId: ws, sourceMessageKey: { startsWith: "slack:" } } }),
    );
    expect(ticket.number).toBe(2);
    const [opened] = await prisma().domainEvent.findMany({ where: { workspaceId: ws, recordId: ticket.id } });
    expect(opened).toMatchObject({ type: "ticket.opened", data: { actor: { platform: "slack", platformUserId: "W111" } } });
    const post = await until("the reaction's ticket in #tickets", () => sent("CTICKETS", /Opened T-2 /)[0]);
    expect(text(post)).toMatch(/"by [^"]+"/);
    await sleep(1000);
    expect(sent("CTICKETS", /Opened T-2 /)).toHaveLength(1);
  }, 60_000);
});
