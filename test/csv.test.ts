// An admin moves contacts between workspaces with `npm run crm -- export/import`: quoted fields survive the
// round trip, a file with bad rows imports nothing and says which rows and why, --skip-invalid imports the
// good ones.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { createWorkspaceDefaults } from "../src/domain/workspaces/defaults.ts";
import { importContacts, formatReport } from "../src/domain/csv/import.ts";
import { parseCrmArgs } from "../src/cli/crm.ts";

const run = promisify(execFile);
const ROOT = new URL("..", import.meta.url).pathname;
let testDb: TestDb;
let dir: string;
let source: string, target: string;
const db = () => testDb.db.prisma;

async function crm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATABASE_URL: testDb.url, LOG_LEVEL: "silent" };
  try {
    const r = await run("npx", ["tsx", "src/cli/crm.ts", ...args], { env, cwd: ROOT, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

async function workspace(name: string) {
  const w = await db().workspace.create({ data: { name } });
  await db().$transaction((tx) => createWorkspaceDefaults(tx, w.id));
  return w.id;
}

const TRICKY = [
  {
    name: "Ana Lopez",
    email: "ana@acme.example",
    phone: "+1 555 0101",
    title: "VP Sales, EMEA",
    company: "Acme, Inc.",
    tags: ["vip", "partner"],
  },
  { name: 'Ben "the closer" Okoro', email: "ben@globex.example", phone: null, title: "Buyer\nsecond line", company: "Globex", tags: [] },
  { name: "=SUM(A1:A9)", email: null, phone: "-42", title: "@risk", company: null, tags: ["trial"] },
  { name: "Zoë Ünal", email: "zoe@exämple.de", phone: null, title: null, company: "Acme, Inc.", tags: [] },
];

beforeAll(async () => {
  testDb = await createTestDb();
  dir = await mkdtemp(path.join(tmpdir(), "crm-csv-"));
  source = await workspace("Source Co");
  target = await workspace("Target Co");
  const acme = await db().company.create({ data: { workspaceId: source, number: 1, name: "Acme, Inc." } });
  const globex = await db().company.create({ data: { workspaceId: source, number: 2, name: "Globex" } });
  const owner = await db().member.create({ data: { workspaceId: source, name: "Maya Chen", role: "admin" } });
  await db().contact.createMany({
    data: TRICKY.map((c, i) => ({
      workspaceId: source,
      number: i + 1,
      name: c.name,
      email: c.email,
      phone: c.phone,
      title: c.title,
      tags: c.tags,
      ownerId: owner.id,
      companyId: c.company === "Acme, Inc." ? acme.id : c.company === "Globex" ? globex.id : null,
    })),
  });
  const pipeline = await db().pipeline.findFirstOrThrow({ where: { workspaceId: source }, include: { stages: true } });
  await db().deal.create({
    data: {
      workspaceId: source,
      number: 1,
      title: "Acme, renewal",
      amount: "12000.50",
      currency: "EUR",
      pipelineId: pipeline.id,
      stageId: pipeline.stages[0].id,
      companyId: acme.id,
    },
  });
  await db().ticket.create({ data: { workspaceId: source, number: 1, subject: 'Login "loop"', priority: "high" } });
});
afterAll(async () => {
  await testDb.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("export", () => {
  it("writes quoted CSV with a header; formulas are defused with an apostrophe", async () => {
    const out = path.join(dir, "contacts.csv");
    const r = await crm("export", "contacts", "--workspace", source, "--out", out);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Exported 4 contacts");
    const text = await readFile(out, "utf8");
    expect(text.split("\n")[0]).toBe("key,name,email,phone,title,company,tags,owner,created_at,last_interaction_at");
    expect(text).toContain('C-1,Ana Lopez,ana@acme.example,\'+1 555 0101,"VP Sales, EMEA","Acme, Inc.","vip,partner",Maya Chen,');
    expect(text).toContain('"Ben ""the closer"" Okoro"');
    expect(text).toContain('"Buyer\nsecond line"');
    expect(text).toContain("'=SUM(A1:A9)");
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows.map((x) => x.name)).toEqual(TRICKY.map((c) => (c.name.startsWith("=") ? `'${c.name}` : c.name)));
  });

  it("deals and tickets go to stdout by workspace name", async () => {
    const deals = await crm("export", "deals", "--workspace", "Source Co");
    expect(deals.code).toBe(0);
    expect(deals.stdout).toBe(
      "key,title,amount,currency,stage,owner,company,contact,expected_close,created_at,closed_at,lost_reason\n" +
        `D-1,"Acme, renewal",12000.50,EUR,lead,,"Acme, Inc.",,,${(await db().deal.findFirstOrThrow({ where: { workspaceId: source } })).createdAt.toISOString()},,\n`,
    );
    const tickets = await crm("export", "tickets", "-w", "Source Co");
    expect(tickets.stdout.split("\n")[1]).toMatch(/^T-1,"Login ""loop""",open,high,,,no,\d{4}-/);
  });

  it("explains a wrong command line", async () => {
    expect(() => parseCrmArgs(["export", "companies", "--workspace", "x"])).toThrow("export what? contacts, deals, tickets");
    expect(() => parseCrmArgs(["import", "contacts", "--workspace", "x"])).toThrow("needs the CSV file");
    expect(parseCrmArgs(["import", "contacts", "a.csv", "-w", "x", "--skip-invalid"])).toEqual({
      cmd: "import",
      file: "a.csv",
      workspace: "x",
      skipInvalid: true,
      dryRun: false,
    });
    const r = await crm("export", "contacts", "--workspace", "No Such Co");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no workspace with id or name "No Such Co"');
  });
});

describe("import", () => {
  it("round trip: what was exported imports into another workspace unchanged", async () => {
    const file = path.join(dir, "contacts.csv");
    const r = await crm("import", "contacts", file, "--workspace", target);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Imported 4 of 4 contacts");
    expect(r.stderr).toContain("(2 new companies)");
    expect(r.stderr).toContain("Columns not imported: created_at, last_interaction_at.");
    const back = await crm("export", "contacts", "--workspace", target);
    const strip = (t: string) =>
      (parse(t, { columns: true }) as Record<string, string>[]).map(({ key, name, email, phone, title, company, tags }) => ({
        key,
        name,
        email,
        phone,
        title,
        company,
        tags,
      }));
    expect(strip(back.stdout)).toEqual(strip(await readFile(file, "utf8")));
    const zoe = await db().contact.findFirstOrThrow({
      where: { workspaceId: target, email: "zoe@exämple.de" },
      include: { company: true },
    });
    expect(zoe).toMatchObject({ number: 4, company: { name: "Acme, Inc.", number: 1 } });
    expect((await db().contact.findFirstOrThrow({ where: { workspaceId: target, number: 3 } })).name).toBe("=SUM(A1:A9)");
    // later keys continue after the imported ones
    expect(
      await db().keyCounter.findMany({ where: { workspaceId: target }, orderBy: { kind: "asc" }, select: { kind: true, value: true } }),
    ).toEqual([
      { kind: "company", value: 2 },
      { kind: "contact", value: 4 },
    ]);
  });

  const BAD = [
    "name,email,phone,company,tags",
    "Carla Diaz,carla@initech.example,+1 555 0199,Initech,lead",
    "Dan,not-an-email,,,",
    ",erin@x.example,,,",
    "Fay,ana@acme.example,,,", // already in the workspace
    "Gus,gus@x.example,,,",
    "Hal,GUS@x.example,,,", // same address as the row above
    '"Ivy, Jr.",ivy@x.example,,"Umbrella, Corp",',
    "Jon,jon@x.example,extra,,,field",
  ].join("\n");

  it("a file with bad rows imports nothing and reports each rejected row with its reasons", async () => {
    const file = path.join(dir, "bad.csv");
    await writeFile(file, BAD);
    const before = await db().contact.count({ where: { workspaceId: target } });
    const r = await crm("import", "contacts", file, "--workspace", target);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "Nothing was imported: 5 of 8 rows were rejected. Fix them, or run again with --skip-invalid to import the 3 valid rows.",
    );
    expect(r.stderr).toContain('line 3 (Dan): bad email "not-an-email"');
    expect(r.stderr).toContain("line 4: missing name");
    expect(r.stderr).toContain("line 5 (Fay): duplicate: C-1 already has ana@acme.example");
    expect(r.stderr).toContain("line 7 (Hal): duplicate email gus@x.example (also on line 6)");
    expect(r.stderr).toContain("line 9 (Jon): has 6 fields, the header has 5");
    expect(await db().contact.count({ where: { workspaceId: target } })).toBe(before);
    expect(await db().company.count({ where: { workspaceId: target, name: "Initech" } })).toBe(0);
  });

  it("--skip-invalid imports the valid rows in one go and still reports the others", async () => {
    const report = await importContacts(db(), target, BAD, { skipInvalid: true });
    expect(report).toMatchObject({ rows: 8, imported: 3, companiesCreated: 2, committed: true });
    expect(report.rejected.map((x) => x.line)).toEqual([3, 4, 5, 7, 9]);
    const names = (await db().contact.findMany({ where: { workspaceId: target, number: { gt: 4 } }, orderBy: { number: "asc" } })).map(
      (c) => [c.number, c.name, c.tags],
    );
    expect(names).toEqual([
      [5, "Carla Diaz", ["lead"]],
      [6, "Gus", []],
      [7, "Ivy, Jr.", []],
    ]);
    expect(formatReport(report, "bad.csv")).toContain("Imported 3 of 8 contacts from bad.csv (2 new companies).\nRejected rows (5):");
    // the same file again: everything valid is now a duplicate, nothing changes
    const again = await importContacts(db(), target, BAD, { skipInvalid: true });
    expect(again.imported).toBe(0);
    expect(again.rejected).toHaveLength(8);
  });

  it("a file that is not CSV (unclosed quote) or has no name column imports nothing", async () => {
    const broken = await importContacts(db(), target, 'name,email\n"Kim,kim@x.example\n');
    expect(broken.fileError).toMatch(/quote/i);
    expect(formatReport(broken, "x.csv")).toContain("Nothing was imported");
    expect((await importContacts(db(), target, "email\nx@y.example")).fileError).toContain('no "name" column');
    const dry = await importContacts(db(), target, "name\nLou", { dryRun: true });
    expect(dry).toMatchObject({ rows: 1, imported: 0, committed: false, rejected: [] });
  });
});
