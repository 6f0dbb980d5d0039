// Tenancy: every verb, run from another workspace with this workspace's keys, emails and names,
// finds nothing and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commands } from "../src/commands/registry.ts";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";

let t: TestApp;
let a: ConsoleSession;
let b: ConsoleSession;

// one invocation per command, aimed at workspace A's records
const ATTACKS: Record<string, string[]> = {
  help: ["help deal"],
  "contact add": ["contact add Zyxa Quorn email:zyxa@quornco.test company:A-1"],
  "contact find": [
    "contact find Ana",
    "contact find zyxa@quornco.test",
    "contact find C-1",
    "contact find Zyxa Qorn",
    "contact find quornco",
  ],
  "contact list": ["contact list", "contact list after:C-1"],
  search: [
    "search Zyxa",
    "search quorn",
    "search Quornco renewl",
    "search zyxa@quornco.test",
    "search C-1",
    "search D-1",
    "search T-1",
    "search A-1",
  ],
  "company list": ["company list", "company list after:A-1"],
  "contact show": ["contact show C-1", "contact show zyxa@quornco.test", "contact show Ana"],
  "contact tag": ["contact tag C-1 vip", "contact tag zyxa@quornco.test -vip"],
  "contact edit": ["contact edit C-1 name:Stolen", "contact edit zyxa@quornco.test email:x@y.test"],
  "company edit": ["company edit A-1 name:Stolen", "company edit Quornco domain:stolen.test"],
  "deal edit": ["deal edit D-1 amount:1", "deal edit Quornco owner:Adaquorn"],
  "ticket edit": ["ticket edit T-1 priority:low", "ticket edit T-1 requester:zyxa@quornco.test"],
  "contact delete": ["contact delete C-1", "contact delete zyxa@quornco.test"],
  "contact restore": ["contact restore C-1"],
  "company delete": ["company delete A-1", "company delete Quornco"],
  "company restore": ["company restore A-1"],
  "deal delete": ["deal delete D-1", "deal delete Quornco renewal"],
  "deal restore": ["deal restore D-1"],
  "ticket delete": ["ticket delete T-1"],
  "ticket restore": ["ticket restore T-1"],
  "contact merge": ["contact merge C-1 into C-2", "contact merge zyxa@quornco.test into C-1"],
  "company merge": ["company merge A-1 into A-2", "company merge Quornco into A-1"],
  "contact forget": ["contact forget C-1", "contact forget C-1 confirm", "contact forget zyxa@quornco.test confirm"],
  history: ["history C-1", "history D-1", "history zyxa@quornco.test", "history F-1"],
  undo: ["undo"],
  "company add": ["company add Globex domain:quornco.test"],
  "company show": ["company show A-1", "company show Quornco", "company show quornco.test"],
  "company channel": ["company channel A-1 <#C123>"],
  log: ["log call C-1 hello", "log note A-1 hi", "log meeting D-1 x", "log email T-1 y", "log chat zyxa@quornco.test z"],
  "deal new": ['deal new "Steal" 1k contact:C-1', 'deal new "Steal" 1k contact:zyxa@quornco.test', 'deal new "Steal" 1k company:A-1'],
  "deal move": ["deal move D-1 won", "deal move Quornco proposal"],
  "deal won": ["deal won D-1"],
  "deal lost": ["deal lost D-1 because"],
  "deal show": ["deal show D-1", "deal show Quornco renewal"],
  "deal list": ["deal list", "deal list stage:proposal", "deal list after:D-1", "deal list mine stage:proposal after:D-1"],
  "deal room": ["deal room D-1"],
  "deal forum": ["deal forum <#1520000000000000001>", "deal forum"],
  pipeline: ["pipeline"],
  "task add": [
    'task add "Steal" D-1 due:tomorrow',
    'task add "Steal" zyxa@quornco.test due:tomorrow',
    'task add "Steal" T-1 due:"in 3 days"',
    'task add "Steal" due:tomorrow assign:Adaquorn',
  ],
  "inbox email": ["inbox email"],
  "inbox add": ["inbox add <#C123> company:A-1", "inbox add <#C123> company:Quornco"],
  "inbox list": ["inbox list"],
  "inbox remove": ["inbox remove <#C123>"],
  "inbox panel": ["inbox panel <#C123>"],
  reply: ["reply T-1 we stole your ticket", "reply Quornprinter broken hello"],
  note: ["note T-1 we stole your ticket"],
  "inbox imap": ["inbox imap host:127.0.0.1 port:1 user:zyxa@quornco.test password:x"],
  "inbox imap off": ["inbox imap off"],
  "task list": ["task list", "task list today", "task list overdue"],
  "task done": ["task done F-1"],
  "task snooze": ["task snooze F-1", "task snooze F-1 in 3 days"],
  "ticket new": ["ticket new Broken contact:C-1", "ticket new Broken contact:zyxa@quornco.test"],
  "ticket assign": ["ticket assign T-1 me"],
  "ticket escalate": ["ticket escalate T-1 now"],
  "ticket wait": ["ticket wait T-1"],
  "ticket resolve": ["ticket resolve T-1 done"],
  "ticket reopen": ["ticket reopen T-1 again"],
  "ticket show": ["ticket show T-1"],
  "ticket list": ["ticket list", "ticket list breached", "ticket list resolved", "ticket list all", "ticket list all after:T-1"],
  "ticket priority": ["ticket priority T-1 urgent", "ticket priority Quornprinter low"],
  "sla show": ["sla show"],
  "sla set": ["sla set normal first:1s resolve:2s"],
  role: ["role Adaquorn admin", "role Adaquorn viewer"],
  oncall: ["oncall on"],
  // B's own settings: nothing of A's join rule or role map can be read or changed from B
  settings: ["settings join:agent", "settings", "settings tz:Europe/Madrid"],
  "role map": ["role map <@&1600000000000000001> agent", "role map"],
  notify: ["notify deals <#C123>"],
  "support channel": ["support channel <#1530000000000000001>", "support channel"],
  link: ["link", "link ABCD-EFGH"],
  unlink: ["unlink"],
  digest: ["digest", "digest week", "digest month"],
  "digest post": ["digest post week"],
  "report schedule": ["report schedule daily 09:00 <#C123>"],
  "report list": ["report list"],
  "report cancel": ["report cancel R-1"],
  "score rules": ["score rules"],
  "score rule add": ["score rule add tag:vip 5", "score rule add company:quornco.test 5"],
  leads: ["leads", "leads 50"],
  "model refit": ["model refit"],
  csat: ["csat T-1 5"],
  "csat report": ["csat report"],
  "campaign new": [
    'campaign new "Steal" segment:"company:A-1" channel:slack message:"x"',
    'campaign new "Steal" segment:"owner:Adaquorn" channel:slack message:"x"',
  ],
  "campaign message": ["campaign message K-1 hijacked"],
  "campaign preview": ["campaign preview K-1", "campaign preview Quornco launch"],
  "campaign test": ["campaign test K-1"],
  "campaign send": ["campaign send K-1"],
  "campaign status": ["campaign status K-1"],
  "campaign pause": ["campaign pause K-1"],
  "campaign resume": ["campaign resume K-1"],
  "campaign cancel": ["campaign cancel K-1"],
  "campaign retry-failed": ["campaign retry-failed K-1 unknown"],
  "campaign list": ["campaign list"],
};

beforeAll(async () => {
  t = await startTestApp();
  a = await consoleSession(t.url, "Workspace A", "Adaquorn");
  b = await consoleSession(t.url, "Workspace B", "Bob");
  for (const cmd of [
    "contact add Zyxa Quorn email:zyxa@quornco.test company:Quornco tags:vip",
    "company add Quornco Labs domain:quornco.test",
    'deal new "Quornco renewal" 12k contact:C-1 stage:proposal',
    "ticket new Quornprinter broken contact:C-1 assign:me",
    "log call C-1 Quorn intro call",
    'campaign new "Quornco launch" segment:"tag:vip" channel:slack message:"Hi {{first_name}}"',
    'task add "Quornchase the renewal" D-1 due:"in 2 hours"',
  ])
    expect((await a.run(cmd)).kind, cmd).toBe("ok");
  // A's report R-1, made through the service: a console workspace owns no channel to name in a command
  await t.app.services.reports.schedule(
    { workspaceId: a.workspaceId, memberId: a.adminId, name: "Adaquorn", role: "admin", platform: "console" },
    { cadence: "weekly", time: { hour: 8, minute: 0 }, channel: { platform: "slack", channelId: "C0QUORN" } },
  );
  // A's own background rescoring (debounced predict jobs) settles before the snapshots compare A
  const predict = t.app.jobs.queue("predict");
  for (let end = Date.now() + 20_000; Date.now() < end;) {
    const n = await predict.getJobCounts("waiting", "delayed", "active", "prioritized");
    if (!Object.values(n).some((x) => x > 0)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
});
afterAll(async () => {
  await t.stop();
});

const snapshot = async (workspaceId: string) => {
  const p = t.app.db.prisma;
  const [contacts, companies, deals, tickets, interactions, audits, members, tasks] = await Promise.all([
    p.contact.findMany({ where: { workspaceId }, orderBy: { number: "asc" } }),
    p.company.findMany({ where: { workspaceId }, orderBy: { number: "asc" } }),
    p.deal.findMany({ where: { workspaceId }, orderBy: { number: "asc" } }),
    p.ticket.findMany({ where: { workspaceId }, orderBy: { number: "asc" } }),
    p.interaction.count({ where: { workspaceId } }),
    p.auditLog.count({ where: { workspaceId } }),
    p.member.findMany({ where: { workspaceId }, orderBy: { createdAt: "asc" } }),
    p.task.findMany({ where: { workspaceId }, orderBy: { number: "asc" } }),
  ]);
  return JSON.stringify({ contacts, companies, deals, tickets, interactions, audits, members, tasks }, (_k, v) =>
    typeof v === "bigint" ? v.toString() : v,
  );
};

describe("another workspace", () => {
  it("every command of the registry is covered here", () => {
    const missing = commands.map((c) => c.path.join(" ")).filter((p) => !ATTACKS[p]);
    expect(missing).toEqual([]);
  });

  it("finds none of A's records by key, email or name, shows none of A's data, and changes nothing in A", async () => {
    const before = await snapshot(a.workspaceId);
    // commands that create records run last, so B's own new records cannot answer for A's keys
    const creating = ["deal new", "ticket new", "contact add", "company add", "task add"];
    const rank = (p: string) => creating.indexOf(p) + 1;
    const ordered = Object.entries(ATTACKS).sort(([x], [y]) => rank(x) - rank(y));
    for (const [path, texts] of ordered) {
      for (const text of texts) {
        const r = await b.run(text);
        // nothing of A may appear in B's answers
        for (const secret of [
          "Zyxa Quorn",
          "zyxa@quornco.test",
          "Quornco renewal",
          "Quornprinter broken",
          "Quorn intro call",
          "Quornco Labs",
          "Adaquorn",
          "Quornchase",
        ]) {
          if (text.includes(secret) || (secret === "Zyxa Quorn" && path === "contact add")) continue;
          expect(r.plain, `${text} leaked ${secret}`).not.toContain(secret);
        }
        if (/[CADTF]-1\b/.test(text) && !["contact add", "company add", "contact find", "search"].includes(path)) {
          expect(r.kind, `${text}: ${r.plain}`).toBe("error");
          expect(r.plain, text).toMatch(
            /No (contact|company|deal|ticket|task) [CADTF]-1 in this workspace|not in this workspace|No contact with email|No (contact|company|deal|ticket) matches "[^"]+" in this workspace|live in Slack or Discord|has no Slack connection|does not run Slack/,
          );
        }
      }
    }
    expect(await snapshot(a.workspaceId)).toBe(before);
  });

  it("B's own records are numbered in B's own sequence and A's views don't see them", async () => {
    const r = await b.run('deal new "B deal" 5k');
    const bDeals = await t.app.db.prisma.deal.count({ where: { workspaceId: b.workspaceId } });
    expect(r.plain).toContain(`D-${bDeals} · B deal`);
    expect((await a.run("deal show D-1")).plain).toContain("Quornco renewal");
    expect((await a.run("deal list")).plain).not.toContain("B deal");
  });
});
