// Find anything on the embedded database (no DATABASE_URL, the default of `npm start`): PGlite loads pg_trgm and
// unaccent, the search migration applies, and the console's search forgives accents and typos there too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.ts";
import type { ConsoleSession } from "./helpers/console.ts";
import { startPgliteApp, type PgliteApp } from "./helpers/pgliteApp.ts";

let running: PgliteApp;
let app: App;
let c: ConsoleSession;

beforeAll(async () => {
  running = await startPgliteApp("search-pglite");
  ({ app, session: c } = running);
  expect(app.db.appliedMigrations).toContain("20261207105100_search_unaccent");
}, 120_000);
afterAll(async () => {
  await running?.close();
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
