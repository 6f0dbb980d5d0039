// A customer's thread on Discord survives the process that took their message dying right after the commit
// (#14, Discord inbox): the gateway runs in a --role=server process with no workers, so the ticket and its
// ticket.opened are committed and nothing starts the thread; that process stops; a worker started afterwards
// on the same database and Redis dispatches the event and starts the thread with the key, once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../src/app.ts";
import { createLogger } from "../src/log.ts";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import {
  DISCORD_TOKEN,
  GUILD,
  channelMessagesPath,
  channelOpt,
  commandBody,
  payloadOf,
  shown,
  snowflake,
  startFakeDiscord,
  type FakeDiscord,
} from "./helpers/discord.ts";
import { interactOverGateway, startFakeGateway, type FakeGateway, messageCreate } from "./helpers/discordGateway.ts";
import { deleteKeys } from "./helpers/redis.ts";
import { until } from "./helpers/until.ts";

const INBOX = "1540000000000000021";
const CUSTOMER = "1300000000000000028";

let server: TestApp;
let serverUp = true;
let worker: App | undefined;
let fake: FakeDiscord;
let gw: FakeGateway;

const crm = async (body: any): Promise<string> => shown(await interactOverGateway(gw, fake, body));
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  fake = await startFakeDiscord();
  gw = await startFakeGateway(fake);
  server = await startTestApp(
    { DISCORD_BOT_TOKEN: DISCORD_TOKEN, DISCORD_API_URL: `${fake.url}/api`, DISCORD_GATEWAY: "on" },
    { role: "server" },
  );
  await gw.identified;
  await crm(commandBody(["help"])); // Ana (Manage Server) is the workspace's admin
  expect(await crm(commandBody(["inbox", "add"], [channelOpt("channel", INBOX)]))).toContain("customer inbox");
}, 60_000);
afterAll(async () => {
  await worker?.close();
  if (serverUp) await server?.app.close();
  await server?.testDb.drop();
  if (server) await deleteKeys(server.prefix);
  await gw?.close();
  await fake?.close();
});

describe("a process dying after a customer's ticket is committed", () => {
  it("the thread is started by a worker that comes up later, with the key said once", async () => {
    const db = server.app.db.prisma;
    const { workspaceId } = await db.platformLink.findFirstOrThrow({ where: { externalId: GUILD } });
    const id = snowflake();
    messageCreate(gw, {
      id,
      guildId: GUILD,
      channelId: INBOX,
      author: { id: CUSTOMER, name: "Cara" },
      content: "Our SSO login fails for everyone",
    });
    const tk = await until("the ticket", () =>
      db.ticket.findFirst({ where: { workspaceId, subject: "Our SSO login fails for everyone" } }),
    );
    // the thread is the ticket's from the start: the customer's first words in it will find the ticket
    expect(tk).toMatchObject({ threadPlatform: "discord", threadChannelId: id });
    await settle(1500);
    const threadPath = `/api/v10/channels/${INBOX}/messages/${id}/threads`;
    expect(fake.calls(threadPath)).toHaveLength(0); // the receiving process does no REST call for it
    expect(await db.domainEvent.findFirst({ where: { workspaceId, type: "ticket.opened", recordId: tk.id } })).toMatchObject({
      dispatchedAt: null,
    });

    serverUp = false;
    await server.app.close(); // the process that took the message is gone
    worker = await startApp(server.app.config, { role: "worker", logger: createLogger("silent") });

    const [started] = await fake.waitFor(threadPath, 1, 20_000);
    expect(started.body).toMatchObject({ name: "T-1 · Our SSO login fails for everyone", auto_archive_duration: 10_080 });
    const keyLines = () => fake.calls(channelMessagesPath(id)).map((r) => shown(payloadOf(r)));
    await until("the key in the thread", () => keyLines().find((p) => p.includes("T-1")));
    await settle(1000);
    expect(fake.calls(threadPath)).toHaveLength(1);
    expect(keyLines()).toHaveLength(1);
    expect(keyLines()[0]).toContain("thanks, the team has it");
  });
});
