// Find anything (#13 item 5) from the console: /crm search across kinds, contact find forgiving typos and
// accents, % and _ as text, and every list a page at a time with a More button whose command pages on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleReply, type ConsoleSession } from "./helpers/console.ts";

let t: TestApp;
let c: ConsoleSession;
beforeAll(async () => {
  t = await startTestApp();
  c = await consoleSession(t.url);
  for (const cmd of [
    "contact add Ana Lopez email:ana@acme.com company:Acme",
    "contact add Zoë Martin email:zoe@globex.io company:Globex",
    "contact add Bob Stone email:bob@initech.io company:Initech",
    "contact add Percy 100% Sure email:percy@initech.io",
    "contact add Ann_Marie Fox",
    'deal new "Acme renewal" 12k company:Acme contact:C-1 stage:proposal',
    'deal new "Zoë pilot" 3k company:Globex contact:C-2',
    'ticket new "Printer on fire" priority:urgent contact:C-1',
    'ticket new "Invoice for Zoe missing" contact:C-2',
  ])
    expect((await c.run(cmd)).kind, cmd).toBe("ok");
});
afterAll(async () => {
  await t.stop();
});

const more = (r: ConsoleReply) => r.blocks.flatMap((b) => (b.type === "actions" ? b.actions : [])).find((a) => a.label === "More");

describe("contact find", () => {
  it('forgives typos and accents: "Lopes" finds Lopez, "Anna" finds Ana, "zoe" finds Zoë', async () => {
    expect((await c.run("contact find Lopes")).plain).toContain("C-1 Ana Lopez · ana@acme.com · Acme");
    expect((await c.run("contact find Anna")).plain).toContain("C-1 Ana Lopez");
    const zoe = await c.run("contact find zoe");
    expect(zoe.plain).toContain("C-2 Zoë Martin · zoe@globex.io · Globex");
    expect(zoe.plain).not.toContain("Ana Lopez");
    // and the other way round: typed with the accent, stored without
    expect((await c.run("contact find Zoë")).plain).toContain("C-2 Zoë Martin");
  });

  it("reads % and _ as themselves: % finds only the name with a %, _ only the name with an _", async () => {
    const pct = await c.run("contact find %");
    expect(pct.plain).toContain("C-4 Percy 100% Sure");
    expect(pct.plain).not.toMatch(/Ana Lopez|Zoë Martin|Bob Stone|Ann_Marie/);
    const under = await c.run("contact find _");
    expect(under.plain).toContain("C-5 Ann_Marie Fox");
    expect(under.plain).not.toMatch(/Ana Lopez|Zoë Martin|Bob Stone|Percy/);
    // a _ is not "any one letter": "b_b" is not Bob
    expect((await c.run("contact find b_b")).plain).toContain('No contacts match "b_b"');
  });

  it("still finds by email prefix and by company, best match first", async () => {
    expect((await c.run("contact find bob@ini")).plain).toContain("C-3 Bob Stone");
    const initech = await c.run("contact find initech");
    // Bob works at Initech, Percy only has an initech.io email: both, the older key first on a tie
    expect(initech.plain).toBe(
      'Contacts matching "initech"\nC-3 Bob Stone · bob@initech.io · Initech\nC-4 Percy 100% Sure · percy@initech.io',
    );
    // the whole name typed beats an older contact it only resembles
    expect((await c.run("contact add Mariana Lopez")).plain).toContain("C-6 Mariana Lopez");
    const best = await c.run("contact find mariana lopez");
    expect(best.plain).toBe('Contacts matching "mariana lopez"\nC-6 Mariana Lopez\nC-1 Ana Lopez · ana@acme.com · Acme');
  });
});

describe("/crm search", () => {
  it("groups contacts, companies, deals and tickets with keys, accents and typos forgiven", async () => {
    const r = await c.run("search zoe");
    expect(r.kind).toBe("ok");
    // quoted reply (plain text of the console's answer)
    expect(r.plain).toContain('Search: "zoe"');
    expect(r.plain).toContain("Contacts\nC-2 Zoë Martin · zoe@globex.io · Globex");
    expect(r.plain).toContain("Deals\nD-2 Zoë pilot · $3,000 · lead");
    expect(r.plain).toContain("Tickets\nT-2 Invoice for Zoe missing · open · normal priority");
    expect(r.plain).not.toContain("Companies");
    expect(r.plain).toContain("[Show C-2](contact show C-2)");
    const typo = await c.run("search Globx");
    expect(typo.plain).toContain("Companies\nA-2 Globex");
    expect((await c.run("search renewl")).plain).toContain("Deals\nD-1 Acme renewal · $12,000 · proposal");
  });

  it("finds a record by its key, and says so when nothing matches", async () => {
    expect((await c.run("search T-1")).plain).toContain("Tickets\nT-1 Printer on fire · open · urgent priority");
    const none = await c.run("search qqqxxx");
    expect(none.kind).toBe("ok");
    expect(none.plain).toBe('Nothing matches "qqqxxx" in contacts, companies, deals or tickets.');
  });

  it("shows at most 5 per kind, the best first, and says more match", async () => {
    for (let i = 1; i <= 6; i++) expect((await c.run(`company add Quasar ${i}`)).kind).toBe("ok");
    const r = await c.run("search quasar");
    const lines = r.plain.split("\n").filter((l) => /^A-\d+ Quasar/.test(l));
    expect(lines).toHaveLength(5);
    expect(r.plain).toContain("More companies match; these are the best 5.");
  });
});

describe("lists with a More button", () => {
  it("contact list pages by key: 20, then More runs contact list after:C-20 for the rest", async () => {
    for (let i = 1; i <= 20; i++) expect((await c.run(`contact add Pager Person${i}`)).kind).toBe("ok");
    const total = await t.app.db.prisma.contact.count({ where: { workspaceId: c.workspaceId } });
    const first = await c.run("contact list");
    expect(first.plain).toContain(`Contacts (${total})`);
    expect(first.plain).toContain("C-1 Ana Lopez · ana@acme.com · Acme");
    expect(first.plain).not.toContain("Showing");
    expect(first.plain).toContain(`${total} contacts in all. More shows the ones after C-20: /crm contact list after:C-20`);
    expect(more(first)?.command).toBe("contact list after:C-20");
    const second = await c.run(more(first)!.command);
    expect(second.plain).toContain("Contacts after C-20");
    expect(second.plain).toContain("C-21 Pager Person15");
    expect(second.plain).toContain(`C-${total} Pager Person20`);
    expect(second.plain).not.toMatch(/^C-20 /m);
    expect(more(second)).toBeUndefined();
  });

  it("company list pages the same way", async () => {
    for (let i = 1; i <= 12; i++) await c.run(`company add Pageco ${i}`);
    const first = await c.run("company list");
    expect(first.plain).toContain("A-1 Acme · 1 contact");
    expect(more(first)?.command).toBe("company list after:A-20");
    const second = await c.run("company list after:A-20");
    expect(second.plain).toContain("A-21 Pageco 12");
    expect(more(second)).toBeUndefined();
  });

  it("deal list keeps its filters and its largest-first order across pages", async () => {
    for (let i = 1; i <= 22; i++) expect((await c.run(`deal new "Stack ${i}" ${i}k stage:qualified`)).kind).toBe("ok");
    const first = await c.run("deal list stage:qualified");
    expect(first.plain).toContain("Open deals in qualified (22)");
    expect(first.plain.indexOf("Stack 22")).toBeLessThan(first.plain.indexOf("Stack 21"));
    const cmd = more(first)?.command;
    // the 20th largest of 22..1 is Stack 3 (D-5 + 2)
    expect(cmd).toBe("deal list stage:qualified after:D-5");
    const second = await c.run(cmd!);
    expect(second.plain).toContain("Open deals in qualified after D-5");
    expect(second.plain).toMatch(/D-4 Stack 2 · \$2,000[\s\S]*D-3 Stack 1 · \$1,000/);
    expect(second.plain).not.toContain("Stack 3 ");
    expect(more(second)).toBeUndefined();
    // mine keeps mine
    expect(more(await c.run("deal list mine"))?.command).toMatch(/^deal list mine after:D-\d+$/);
  });

  it("ticket list resolved and all exist, newest first, with More", async () => {
    for (let i = 1; i <= 21; i++) {
      expect((await c.run(`ticket new "Batch ${i}"`)).kind).toBe("ok");
      expect((await c.run(`ticket resolve T-${i + 2} done`)).kind).toBe("ok");
    }
    const resolved = await c.run("ticket list resolved");
    expect(resolved.plain).toContain("Resolved tickets (21)");
    expect(resolved.plain.split("\n")[1]).toBe("T-23 Batch 21 · normal · resolved · unassigned");
    expect(resolved.plain).not.toContain("Printer on fire");
    expect(more(resolved)?.command).toBe("ticket list resolved after:T-4");
    const rest = await c.run("ticket list resolved after:T-4");
    expect(rest.plain).toContain("T-3 Batch 1");
    expect(more(rest)).toBeUndefined();
    const all = await c.run("ticket list all");
    expect(all.plain).toContain("All tickets (23)");
    expect(more(all)?.command).toBe("ticket list all after:T-4");
    expect((await c.run("ticket list all after:T-4")).plain).toMatch(/T-3 Batch 1[\s\S]*T-2 Invoice[\s\S]*T-1 Printer on fire/);
    // the default view still lists unresolved ones only, most urgent first
    expect((await c.run("ticket list")).plain).toMatch(/Open tickets \(2\)\nT-1 Printer on fire · urgent[\s\S]*T-2 Invoice/);
  });

  it("a bad after: is refused with the right form and a key of another kind is named", async () => {
    const wrong = await c.run("contact list after:D-3");
    expect(wrong.kind).toBe("error");
    expect(wrong.plain).toContain('after: takes the contact key the page ended with, like after:C-20; "D-3" is not one.');
    const gone = await c.run("deal list after:D-999");
    expect(gone.kind).toBe("error");
    expect(gone.plain).toContain("No deal D-999 in this workspace.");
  });
});
