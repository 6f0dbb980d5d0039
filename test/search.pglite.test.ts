// Find anything on the embedded database (no DATABASE_URL, the default of `npm start`): PGlite loads pg_trgm and
// unaccent, the search migration applies, and the console's search forgives accents and typos there too.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { loadConfig } from "../src/config/env.ts";
import { startApp, type App } from "../src/app.ts";
import { createLogger } from "../src/log.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import { deleteKeys, testPrefix } from "./helpers/redis.ts";

let app: App;
let dir: string;
let c: ConsoleSession;
const prefix = testPrefix();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "crm-search-pglite-"));
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dir, REDIS_URL: inject("redisUrl"), QUEUE_PREFIX: prefix });
  app = await startApp(config, { logger: createLogger("silent") });
  expect(app.db.kind).toBe("pglite");
  expect(app.db.appliedMigrations).toContain("20261207105100_search_unaccent");
  c = await consoleSession(app.url!);
}, 120_000);
afterAll(async () => {
  await app?.close();
  await deleteKeys(prefix);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("search on PGlite", () => {
  it("zoe finds Zoë, Lopes finds Lopez, % is literal, and contact list pages with More", async () => {
    for (const cmd of [
      "contact add Zoë Martin email:zoe@globex.io",
      "contact add Ana Lopez email:ana@acme.com company:Acme",
      'deal new "Acme renewal" 12k company:Acme',
    ])
      expect((await c.run(cmd)).kind, cmd).toBe("ok");
    expect((await c.run("contact find zoe")).plain).toBe('Contacts matching "zoe"\nC-1 Zoë Martin · zoe@globex.io');
    expect((await c.run("contact find Lopes")).plain).toContain("C-2 Ana Lopez · ana@acme.com · Acme");
    expect((await c.run("contact find %")).plain).toBe('No contacts match "%".');
    const all = await c.run("search acme");
    expect(all.plain).toContain("Contacts\nC-2 Ana Lopez · ana@acme.com · Acme");
    expect(all.plain).toContain("Companies\nA-1 Acme");
    expect(all.plain).toContain("Deals\nD-1 Acme renewal · $12,000 · lead");
    // 20 more contacts in one insert (PGlite is slow to add them one command at a time; paging is under test here)
    await app.db.prisma.contact.createMany({
      data: Array.from({ length: 20 }, (_, i) => ({ workspaceId: c.workspaceId, number: i + 3, name: `Filler ${i + 1}` })),
    });
    const list = await c.run("contact list");
    expect(list.plain).toContain("[More](contact list after:C-20)");
    expect((await c.run("contact list after:C-20")).plain).toMatch(/^Contacts after C-20 \(22\)\nC-21 Filler 19\nC-22 Filler 20$/);
    // the trigram index on the unaccented name exists here too
    const idx = await app.db.prisma.$queryRaw<
      { indexname: string }[]
    >`SELECT indexname FROM pg_indexes WHERE indexname = 'Contact_search_trgm_idx'`;
    expect(idx).toHaveLength(1);
  }, 240_000);
});
