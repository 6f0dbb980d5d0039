// `npm run discord:register` puts the /crm command tree on Discord, globally or for one guild.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commands } from "../src/commands/registry.ts";
import { buildCommandTree, buildMessageCommands } from "../adapters/discord/commandTree.ts";
import { guildArg, registerCommands } from "../adapters/discord/register.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { DISCORD_APP_ID, DISCORD_TOKEN, GUILD, discordEnv, startFakeDiscord } from "./helpers/discord.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const run = promisify(execFile);
let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(async () => {
  await fake.close();
});

const opts = () => ({ applicationId: DISCORD_APP_ID, botToken: DISCORD_TOKEN, apiUrl: `${fake.url}/api` });

describe("registering /crm", () => {
  it("PUTs the whole tree and the 'Create ticket' message command to the application's global commands with the bot token", async () => {
    const r = await registerCommands(commands, opts());
    const [put] = fake.calls(`/api/v10/applications/${DISCORD_APP_ID}/commands`);
    expect(put.method).toBe("PUT");
    expect(put.headers.authorization).toBe(`Bot ${DISCORD_TOKEN}`);
    expect(put.body).toEqual(JSON.parse(JSON.stringify([buildCommandTree(commands), ...buildMessageCommands()])));
    expect((put.body as any[])[1]).toMatchObject({ name: "Create ticket", type: 3, contexts: [0] });
    expect(r).toMatchObject({ scope: "global", registered: 2, subcommands: commands.length, messageCommands: ["Create ticket"] });
    expect(r.groups).toEqual(expect.arrayContaining(["contact", "deal", "ticket"]));
  });

  it("or to one guild with --guild, and refuses a guild id that is not one", async () => {
    expect(guildArg(["--guild", GUILD])).toBe(GUILD);
    expect(guildArg([`--guild=${GUILD}`])).toBe(GUILD);
    expect(guildArg([])).toBeUndefined();
    const r = await registerCommands(commands, { ...opts(), guildId: GUILD });
    expect(r.scope).toBe(`guild ${GUILD}`);
    expect(fake.calls(`/api/v10/applications/${DISCORD_APP_ID}/guilds/${GUILD}/commands`)).toHaveLength(1);
    const before = fake.requests.length;
    await expect(registerCommands(commands, { ...opts(), guildId: "general" })).rejects.toThrow(/numeric guild id/);
    expect(fake.requests.length).toBe(before);
  });

  it("npm run discord:register -- --guild <id> prints what it did", async () => {
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME!, ...discordEnv(fake) };
    const { stdout } = await run(path.join(ROOT, "node_modules/.bin/tsx"), ["adapters/discord/register-cli.ts", "--guild", GUILD], {
      cwd: ROOT,
      env,
    });
    expect(stdout).toContain(`Registered /crm (${commands.length} subcommands`);
    expect(stdout).toContain(`the message command "Create ticket"`);
    expect(stdout).toContain(`in guild ${GUILD}`);
    expect(stdout).toContain(`PUT /applications/${DISCORD_APP_ID}/guilds/${GUILD}/commands`);
    const failed = await run(path.join(ROOT, "node_modules/.bin/tsx"), ["adapters/discord/register-cli.ts"], {
      cwd: ROOT,
      env: { PATH: env.PATH, HOME: env.HOME },
    }).catch((e) => e);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("Set DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN");
  }, 30_000);
});
