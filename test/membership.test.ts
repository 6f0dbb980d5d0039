// Who becomes a member (#11): Slack guests and people of another team never; the installer,
// SLACK_ADMIN_USERS (or, unset, the first person, with a warning) and Discord members with Manage
// Server are admins; everybody else joins by the workspace's rule (viewer on Slack, invite on Discord,
// /crm settings join:) or a Discord role map. A non-member sees no record and no autocomplete choice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { createLogger } from "../src/log.ts";
import {
  GUILD,
  PLAIN_MEMBER,
  autocompleteBody,
  commandBody,
  discordEnv,
  interact,
  shown,
  startFakeDiscord,
  str,
  userOpt,
} from "./helpers/discord.ts";
import { SLACK_SECRET, SLACK_TOKEN, slashText, startFakeSlack, apiArgs } from "./helpers/slack.ts";

const ADMIN = "1300000000000000001";
const STRANGER = "1300000000000000050";
const SUPPORT_ROLE = "1600000000000000007";

let testDb: TestDb;
let t: TestApp;
let admins: TestApp;
let discord: FakeServer;
let slack: FakeServer;
const logLines: string[] = [];

beforeAll(async () => {
  testDb = await createTestDb();
  discord = await startFakeDiscord();
  slack = await startFakeSlack();
  // guests, another team's person, and a users.info that fails, as Slack would answer them
  slack.on("POST", "/api/users.info", (req) => {
    const id = apiArgs(req).user;
    if (id === "UGUEST") return { body: { ok: true, user: { id, team_id: "TMEM", is_restricted: true, is_ultra_restricted: false } } };
    if (id === "USINGLE") return { body: { ok: true, user: { id, team_id: "TMEM", is_restricted: true, is_ultra_restricted: true } } };
    if (id === "UFOREIGN") return { body: { ok: true, user: { id, team_id: "TOTHER", is_restricted: false } } };
    if (id === "UDOWN") return { status: 500, body: { ok: false, error: "internal_error" } };
    return {
      body: {
        ok: true,
        user: { id, team_id: req.raw.includes("UADM") ? "TADM" : "TMEM", is_restricted: false, is_ultra_restricted: false },
      },
    };
  });
  const env = {
    ...discordEnv(discord),
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_API_URL: `${slack.url}/api/`,
  };
  const logger = createLogger("warn", {
    write: (s: string) => {
      logLines.push(s);
    },
  });
  t = await startTestApp(env, { testDb, logger });
  admins = await startTestApp({ ...env, SLACK_ADMIN_USERS: "UADMIN1, UADMIN2" }, { testDb });
});
afterAll(async () => {
  await admins?.stop();
  await t?.stop();
  await testDb?.drop();
  await discord?.close();
  await slack?.close();
});

const prisma = () => t.app.db.prisma;
const discordMember = (user: string) => prisma().member.findFirst({ where: { discordUserId: user } });
const slackMember = (team: string, user: string) =>
  prisma().member.findFirst({ where: { slackUserId: user, workspace: { links: { some: { platform: "slack", externalId: team } } } } });
const say = (app: TestApp, text: string, team: string, user: string) =>
  slashText(app.url, text, slack, { team, user, userName: user.toLowerCase() });
const plain = (user: string, roles: string[] = []) => ({ user, permissions: PLAIN_MEMBER, roles });

describe("Discord", () => {
  it("a member with Manage Server is admin; a plain member of the server is not let in by default (invite), and nothing is written", async () => {
    const added = shown(await interact(t.url, commandBody(["contact", "add"], [str("name", "Ana Secret")], { user: ADMIN })));
    expect(added).toContain("C-1");
    expect((await discordMember(ADMIN))?.role).toBe("admin");
    const res = shown(await interact(t.url, commandBody(["contact", "find"], [str("query", "Ana")], plain(STRANGER))));
    expect(res).toContain("ask an admin to add you");
    expect(res).not.toContain("Ana Secret");
    expect(await discordMember(STRANGER)).toBeNull();
  });

  it("a non-member gets no autocomplete choice, not even a record key", async () => {
    const body = autocompleteBody(["deal", "move"], [str("deal", "", true)], plain(STRANGER));
    const forStranger = await interact(t.url, autocompleteBody(["contact", "show"], [str("contact", "Ana", true)], plain(STRANGER)));
    expect(forStranger.data.choices).toEqual([]);
    expect((await interact(t.url, body)).data.choices).toEqual([]);
    const forAdmin = await interact(t.url, autocompleteBody(["contact", "show"], [str("contact", "Ana", true)], { user: ADMIN }));
    expect(forAdmin.data.choices.map((c: { value: string }) => c.value)).toContain("C-1");
  });

  it("role map lets holders of a server role in with that role; only admins map roles", async () => {
    const refused = shown(
      await interact(
        t.url,
        commandBody(["role", "map"], [{ name: "server_role", type: 8, value: SUPPORT_ROLE }, str("role", "agent")], plain(STRANGER)),
      ),
    );
    expect(refused).toContain("ask an admin to add you");
    const mapped = shown(
      await interact(
        t.url,
        commandBody(["role", "map"], [{ name: "server_role", type: 8, value: SUPPORT_ROLE }, str("role", "agent")], { user: ADMIN }),
      ),
    );
    expect(mapped).toContain(SUPPORT_ROLE);
    expect(mapped).toContain("agent");
    const user = "1300000000000000060";
    const found = shown(
      await interact(t.url, commandBody(["contact", "find"], [str("query", "Ana")], plain(user, ["1600000000000000099", SUPPORT_ROLE]))),
    );
    expect(found).toContain("Ana Secret");
    expect((await discordMember(user))?.role).toBe("agent");
    // @everyone (the guild's own id) cannot be mapped: that is what join: is for
    const everyone = shown(
      await interact(
        t.url,
        commandBody(["role", "map"], [{ name: "server_role", type: 8, value: GUILD }, str("role", "agent")], { user: ADMIN }),
      ),
    );
    expect(everyone).toContain("settings join");
  });

  it("settings join:viewer lets everybody in as a viewer, who can read but not write", async () => {
    const agentTries = shown(
      await interact(t.url, commandBody(["settings"], [str("join", "viewer")], plain("1300000000000000060", [SUPPORT_ROLE]))),
    );
    expect(agentTries).toContain("Only admins");
    expect(shown(await interact(t.url, commandBody(["settings"], [str("join", "viewer")], { user: ADMIN })))).toContain("viewers");
    const viewer = "1300000000000000070";
    expect(shown(await interact(t.url, commandBody(["contact", "find"], [str("query", "Ana")], plain(viewer))))).toContain("Ana Secret");
    expect((await discordMember(viewer))?.role).toBe("viewer");
    const before = await prisma().contact.count();
    expect(shown(await interact(t.url, commandBody(["contact", "add"], [str("name", "Nope")], plain(viewer))))).toContain(
      "Viewers can read",
    );
    expect(await prisma().contact.count()).toBe(before);
    // back to invite for the tests below
    await interact(t.url, commandBody(["settings"], [str("join", "invite")], { user: ADMIN }));
  });

  it("a mention does not make someone a member: assigning a non-member is refused; /crm role set adds them", async () => {
    const outsider = "1300000000000000080";
    shown(await interact(t.url, commandBody(["ticket", "new"], [str("subject", "Printer on fire")], { user: ADMIN })));
    const res = shown(
      await interact(t.url, commandBody(["ticket", "assign"], [str("ticket", "T-1"), userOpt("to", outsider)], { user: ADMIN })),
    );
    expect(res).toContain("not a member of this CRM yet");
    expect(await discordMember(outsider)).toBeNull();
    expect(
      shown(await interact(t.url, commandBody(["role", "set"], [userOpt("member", outsider), str("role", "agent")], { user: ADMIN }))),
    ).toContain("is now agent");
    expect((await discordMember(outsider))?.role).toBe("agent");
    expect(shown(await interact(t.url, commandBody(["contact", "find"], [str("query", "Ana")], plain(outsider))))).toContain("Ana Secret");
  });

  it("an existing member who is given Manage Server on Discord becomes admin", async () => {
    const user = "1300000000000000060"; // the mapped agent above
    await interact(t.url, commandBody(["contact", "find"], [str("query", "Ana")], { user }));
    expect((await discordMember(user))?.role).toBe("admin");
  });
});

describe("Slack", () => {
  it("without SLACK_ADMIN_USERS the first person is admin and the log says which variable to set; the next person joins as a viewer", async () => {
    expect(await say(t, "contact add Bea Boss", "TMEM", "UFIRST")).toContain("C-1");
    expect((await slackMember("TMEM", "UFIRST"))?.role).toBe("admin");
    expect(logLines.join("\n")).toMatch(/SLACK_ADMIN_USERS is unset/);
    expect(await say(t, "contact find Bea", "TMEM", "USECOND")).toContain("Bea Boss");
    expect((await slackMember("TMEM", "USECOND"))?.role).toBe("viewer");
    expect(await say(t, "contact add Not Allowed", "TMEM", "USECOND")).toContain("Viewers can read");
  });

  it.each([
    ["a guest (is_restricted)", "UGUEST", "guests cannot use this CRM"],
    ["a single-channel guest (is_ultra_restricted)", "USINGLE", "guests cannot use this CRM"],
    ["someone of another team (Slack Connect)", "UFOREIGN", "another Slack team"],
  ])("%s never becomes a member and sees nothing", async (_what, user, message) => {
    const text = await say(t, "contact find Bea", "TMEM", user);
    expect(text).toContain(message);
    expect(text).not.toContain("Bea Boss");
    expect(await slackMember("TMEM", user)).toBeNull();
  });

  it("when Slack cannot say who someone is, they are asked to try again and nothing is written", async () => {
    const text = await say(t, "contact find Bea", "TMEM", "UDOWN");
    expect(text).toContain("try again");
    expect(await slackMember("TMEM", "UDOWN")).toBeNull();
  });

  it("an admin lets in by the join rule: settings join:agent makes the next person an agent", async () => {
    expect(await say(t, "settings join:agent", "TMEM", "UFIRST")).toContain("agents");
    expect(await say(t, "contact add Cy Agent", "TMEM", "UTHIRD")).toContain("C-2");
    expect((await slackMember("TMEM", "UTHIRD"))?.role).toBe("agent");
    expect(await say(t, "settings", "TMEM", "UTHIRD")).toMatch(/join: `?agent/);
  });

  it("with SLACK_ADMIN_USERS, the people listed are admins and the first person is not", async () => {
    expect(await say(admins, "contact find x", "TADM", "UADMFIRST")).not.toContain("ask an admin");
    expect((await slackMember("TADM", "UADMFIRST"))?.role).toBe("viewer");
    await say(admins, "contact find x", "TADM", "UADMIN2");
    expect((await slackMember("TADM", "UADMIN2"))?.role).toBe("admin");
  });
});
