// The inbound SMTP listener in a real server process (`npm start -- --role=server`): a real SMTP client
// (Debian's swaks) delivers a mail that becomes a ticket; and SIGKILL of the process while 8 connections
// deliver mail loses none that it accepted (250 comes after the commit), stores none twice when the senders
// retry the rest, as a mail server does, against the restarted process.
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import nodemailer from "nodemailer";
import { startTestApp } from "./helpers/app.ts";
import { consoleSession } from "./helpers/console.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { deleteKeys, testPrefix } from "./helpers/redis.ts";
import { startWorkerProcess, type WorkerProcess } from "./helpers/workerProcess.ts";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../src/generated/prisma/client.ts";

const DOMAIN = "crash.test";
const prefix = testPrefix();
let db: TestDb;
let prisma: PrismaClient;
let workspaceId: string;
let support: string;
let port: number;
let server: WorkerProcess | undefined;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

async function startServer(): Promise<WorkerProcess> {
  const p = startWorkerProcess(
    {
      DATABASE_URL: db.url,
      REDIS_URL: inject("redisUrl"),
      QUEUE_PREFIX: prefix,
      PORT: "0",
      HOST: "127.0.0.1",
      INBOUND_SMTP_PORT: String(port),
      INBOUND_DOMAIN: DOMAIN,
    },
    "inbound SMTP listening",
    "server",
  );
  await p.ready;
  return p;
}

beforeAll(async () => {
  db = await createTestDb();
  // the workspace and its address, made through the console of an in-process app on the same database
  const setup = await startTestApp({ INBOUND_SMTP_PORT: "0", INBOUND_DOMAIN: DOMAIN }, { testDb: db });
  const c = await consoleSession(setup.url, "Crash Co");
  workspaceId = c.workspaceId;
  support = /📨 Support: (\S+@crash\.test)/.exec((await c.run("inbox email")).plain)![1];
  await setup.stop();
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url }) });
  port = await freePort();
  server = await startServer();
}, 120_000);
afterAll(async () => {
  server?.kill("SIGKILL");
  await server?.exited;
  await prisma?.$disconnect();
  await db?.drop();
  await deleteKeys(prefix);
});

const stored = async () =>
  (await prisma.ticketMessage.findMany({ where: { workspaceId, channel: "email" }, select: { externalId: true } })).map(
    (m) => m.externalId!,
  );

describe("the SMTP listener in a real process", () => {
  it("swaks, a real SMTP client, delivers a mail that becomes a ticket", async () => {
    const { stdout } = await promisify(execFile)("swaks", [
      "--server",
      `127.0.0.1:${port}`,
      "--from",
      "kim@customer.example",
      "--to",
      support,
      "--header",
      "Subject: Sent with swaks",
      "--header",
      "Message-Id: <swaks-1@customer.example>",
      "--body",
      "Hello from a real SMTP client.",
    ]);
    expect(stdout).toMatch(/<- {2}250 /);
    const t = await prisma.ticket.findFirstOrThrow({ where: { workspaceId, subject: "Sent with swaks" } });
    const [m] = await prisma.ticketMessage.findMany({ where: { ticketId: t.id } });
    expect(m).toMatchObject({ externalId: "swaks-1@customer.example", kind: "inbound" });
    expect(m.text).toContain("Hello from a real SMTP client.");
  });

  it("SIGKILL while 8 connections deliver: every mail that got 250 is stored, and retrying the rest stores each once", async () => {
    const ids = Array.from({ length: 160 }, (_, i) => `crash-${i}@customer.example`);
    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: 8,
      maxMessages: Infinity,
    });
    const accepted = new Set<string>();
    let killed = false;
    const sends = ids.map((id, i) =>
      transport
        .sendMail({
          from: `"Customer ${i}" <c${i}@customer.example>`,
          to: support,
          subject: `Crash test ${i}`,
          text: `Message ${i}`,
          messageId: `<${id}>`,
        })
        .then(
          (info) => {
            if (/^250/.test(info.response)) accepted.add(id);
            if (accepted.size >= 40 && !killed) {
              killed = true;
              server!.kill("SIGKILL");
            }
          },
          () => undefined, // refused or cut off by the kill: the sender keeps it and retries
        ),
    );
    await Promise.all(sends);
    transport.close();
    expect(killed).toBe(true);
    await server!.exited;
    expect(accepted.size).toBeGreaterThanOrEqual(40);
    expect(accepted.size).toBeLessThan(ids.length); // the kill cut some off

    const afterKill = new Set(await stored());
    const lost = [...accepted].filter((id) => !afterKill.has(id));
    expect(lost).toEqual([]);

    // the senders retry what they were not told was accepted (and a few that were: a retry after a lost 250)
    server = await startServer();
    const retry = nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true, pool: true, maxConnections: 8 });
    const again = [...ids.filter((id) => !accepted.has(id)), ...[...accepted].slice(0, 5)];
    for (const r of await Promise.allSettled(
      again.map((id) =>
        retry.sendMail({
          from: `c@customer.example`,
          to: support,
          subject: `Crash test retry`,
          text: `Retry of ${id}`,
          messageId: `<${id}>`,
        }),
      ),
    ))
      expect(r.status).toBe("fulfilled");
    retry.close();
    const all = (await stored()).filter((id) => id.startsWith("crash-"));
    expect(all.sort()).toEqual([...ids].sort());
    expect(await prisma.ticket.count({ where: { workspaceId, subject: { startsWith: "Crash test" } } })).toBe(ids.length);
  }, 120_000);
});
