// Bulk seeding for benches: rows are generated in JS (seeded PRNG, so runs are comparable) and written
// with one `INSERT … SELECT FROM unnest($1::text[], …)` per chunk: Prisma createMany is ~15× slower
// (10k rows on PostgreSQL: ~2.3 s, mostly client overhead, against ~150 ms for the unnest insert).
// KeyCounter is set to the max numbers so keys continue.
import type pg from "pg";

/** mulberry32, shared with the demo seed and the prediction generator. */
import { mulberry32 as rng } from "../../src/random.ts";

export { rng };
export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

export const FIRST_NAMES = [
  "James",
  "Mary",
  "John",
  "Patricia",
  "Robert",
  "Jennifer",
  "Michael",
  "Linda",
  "David",
  "Elizabeth",
  "William",
  "Barbara",
  "Richard",
  "Susan",
  "Joseph",
  "Jessica",
  "Thomas",
  "Sarah",
  "Charles",
  "Karen",
  "Daniel",
  "Lisa",
  "Matthew",
  "Nancy",
  "Anthony",
  "Betty",
  "Mark",
  "Margaret",
  "Steven",
  "Sandra",
  "Paul",
  "Ashley",
  "Andrew",
  "Kimberly",
  "Joshua",
  "Emily",
  "Kenneth",
  "Donna",
  "Kevin",
  "Michelle",
  "Brian",
  "Carol",
  "George",
  "Amanda",
  "Timothy",
  "Melissa",
  "Ronald",
  "Deborah",
  "Jason",
  "Stephanie",
  "Edward",
  "Rebecca",
  "Jeffrey",
  "Laura",
  "Ryan",
  "Sharon",
  "Jacob",
  "Cynthia",
  "Gary",
  "Kathleen",
  "Nicholas",
  "Amy",
  "Eric",
  "Angela",
  "Jonathan",
  "Shirley",
  "Stephen",
  "Anna",
  "Larry",
  "Brenda",
  "Justin",
  "Pamela",
  "Scott",
  "Emma",
  "Brandon",
  "Nicole",
  "Benjamin",
  "Helen",
  "Samuel",
  "Samantha",
  "Gregory",
  "Katherine",
  "Alexander",
  "Christine",
  "Ana",
  "Lucia",
  "Mateo",
  "Sofia",
  "Diego",
  "Valentina",
  "Carlos",
  "Camila",
  "Javier",
  "Isabella",
  "Luis",
  "Mariana",
  "Hiroshi",
  "Yuki",
  "Kenji",
  "Aiko",
  "Wei",
  "Mei",
  "Jun",
  "Li",
  "Arjun",
  "Priya",
  "Rahul",
  "Ananya",
  "Omar",
  "Fatima",
  "Ahmed",
  "Leila",
  "Lukas",
  "Hannah",
  "Felix",
  "Lena",
  "Jonas",
  "Mia",
  "Noah",
  "Olivia",
  "Liam",
  "Ava",
  "Ethan",
  "Chloe",
  "Zoe",
  "Ines",
  "Pierre",
  "Camille",
  "Hugo",
  "Chiara",
  "Marco",
  "Giulia",
  "Sven",
  "Ingrid",
  "Olga",
  "Dmitri",
  "Tomasz",
  "Zofia",
] as const;

export const LAST_NAMES = [
  "Smith",
  "Johnson",
  "Williams",
  "Brown",
  "Jones",
  "Garcia",
  "Miller",
  "Davis",
  "Rodriguez",
  "Martinez",
  "Hernandez",
  "Lopez",
  "Gonzalez",
  "Wilson",
  "Anderson",
  "Thomas",
  "Taylor",
  "Moore",
  "Jackson",
  "Martin",
  "Lee",
  "Perez",
  "Thompson",
  "White",
  "Harris",
  "Sanchez",
  "Clark",
  "Ramirez",
  "Lewis",
  "Robinson",
  "Walker",
  "Young",
  "Allen",
  "King",
  "Wright",
  "Scott",
  "Torres",
  "Nguyen",
  "Hill",
  "Flores",
  "Green",
  "Adams",
  "Nelson",
  "Baker",
  "Hall",
  "Rivera",
  "Campbell",
  "Mitchell",
  "Carter",
  "Roberts",
  "Gomez",
  "Phillips",
  "Evans",
  "Turner",
  "Diaz",
  "Parker",
  "Cruz",
  "Edwards",
  "Collins",
  "Reyes",
  "Stewart",
  "Morris",
  "Morales",
  "Murphy",
  "Cook",
  "Rogers",
  "Gutierrez",
  "Ortiz",
  "Morgan",
  "Cooper",
  "Peterson",
  "Bailey",
  "Reed",
  "Kelly",
  "Howard",
  "Ramos",
  "Kim",
  "Cox",
  "Ward",
  "Richardson",
  "Watson",
  "Brooks",
  "Chavez",
  "Wood",
  "James",
  "Bennett",
  "Gray",
  "Mendoza",
  "Ruiz",
  "Hughes",
  "Price",
  "Alvarez",
  "Castillo",
  "Sanders",
  "Patel",
  "Myers",
  "Long",
  "Tanaka",
  "Suzuki",
  "Sato",
  "Wang",
  "Zhang",
  "Chen",
  "Liu",
  "Singh",
  "Kumar",
  "Shah",
  "Haddad",
  "Khan",
  "Mueller",
  "Schmidt",
  "Schneider",
  "Fischer",
  "Weber",
  "Dubois",
  "Laurent",
  "Rossi",
  "Russo",
  "Bianchi",
  "Larsen",
  "Nielsen",
  "Kowalski",
  "Nowak",
  "Ivanov",
  "Novak",
  "Silva",
  "Santos",
  "Costa",
  "Oliveira",
  "Fernandes",
  "OBrien",
  "Murray",
  "Byrne",
] as const;

const CO_A = [
  "Acme",
  "Globex",
  "Initech",
  "Umbrella",
  "Stark",
  "Wayne",
  "Wonka",
  "Soylent",
  "Cyberdyne",
  "Tyrell",
  "Hooli",
  "Vandelay",
  "Pied",
  "Aperture",
  "Black Mesa",
  "Blue Sun",
  "Oscorp",
  "Gringotts",
  "Monarch",
  "Nakatomi",
  "Northwind",
  "Contoso",
  "Fabrikam",
  "Tailspin",
  "Litware",
  "Adventure",
  "Alpine",
  "Coho",
  "Lucerne",
  "Margie",
  "Proseware",
  "Wingtip",
  "Fourth",
  "Blue Yonder",
  "Silver",
  "Granite",
  "Cedar",
  "Harbor",
  "Summit",
  "Pioneer",
  "Atlas",
  "Beacon",
  "Crescent",
  "Evergreen",
  "Falcon",
  "Horizon",
  "Keystone",
  "Liberty",
  "Meridian",
  "Orion",
  "Polar",
  "Quantum",
  "Redwood",
  "Sterling",
  "Titan",
  "Vertex",
  "Zenith",
  "Apex",
];
const CO_B = [
  "Logistics",
  "Labs",
  "Systems",
  "Foods",
  "Health",
  "Energy",
  "Analytics",
  "Robotics",
  "Media",
  "Capital",
  "Retail",
  "Software",
  "Networks",
  "Biotech",
  "Motors",
  "Consulting",
  "Security",
  "Travel",
  "Studios",
  "Supply",
  "Holdings",
  "Partners",
  "Cloud",
  "Dynamics",
  "Works",
  "Solutions",
  "Group",
  "Industries",
  "Ventures",
  "Digital",
];
const CO_SUFFIX = ["", "", "", " Inc", " LLC", " Ltd", " GmbH", " SA", " Co"];
const TITLES = [
  "CEO",
  "CTO",
  "VP Sales",
  "Head of Ops",
  "Engineer",
  "Buyer",
  "Procurement Lead",
  "Founder",
  "Product Manager",
  "Director",
  null,
  null,
];
const DEAL_KIND = ["renewal", "expansion", "pilot", "new logo", "upsell", "annual plan", "enterprise", "POC", "seats", "support plan"];
const FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com"];

const alpha = "abcdefghijklmnopqrstuvwxyz0123456789";
/** cuid-shaped id (25 chars, starts with c) so index sizes look like production. */
export const fakeId = (r: () => number) => {
  let s = "c";
  for (let i = 0; i < 24; i++) s += alpha[Math.floor(r() * 36)];
  return s;
};
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "");

/** One column of a bulk insert: its values go in as one array parameter; sql maps the unnested value when the
 *  column cannot travel as a plain array (unnest flattens text[][], so tags go as "a,b" text). */
type Col = { name: string; type: string; values: unknown[]; sql?: (v: string) => string };

/** INSERT INTO table (cols) SELECT … FROM unnest($1::t1[], $2::t2[], …), chunked. */
export async function insertUnnest(c: pg.ClientBase, tableName: string, cols: Col[], chunk = 25_000): Promise<void> {
  const n = cols[0].values.length;
  const list = cols.map((x) => `"${x.name}"`).join(", ");
  const args = cols.map((x, i) => `$${i + 1}::${x.type}[]`).join(", ");
  const alias = cols.map((_, i) => `c${i}`);
  const select = cols.map((x, i) => (x.sql ? x.sql(alias[i]) : alias[i])).join(", ");
  for (let off = 0; off < n; off += chunk) {
    await c.query(
      `INSERT INTO "${tableName}" (${list}) SELECT ${select} FROM unnest(${args}) AS u(${alias.join(", ")})`,
      cols.map((x) => x.values.slice(off, off + chunk)),
    );
  }
}

/**
 * Drops the secondary indexes of tables (all but primary keys, which foreign keys need) and returns a function
 * that builds them again from their saved definitions: one sorted build per index instead of 100k random inserts
 * into each (about 2× faster for Contact). Unique indexes are checked when rebuilt. Use inside a transaction.
 */
export async function dropSecondaryIndexes(c: pg.ClientBase, tables: string[]): Promise<() => Promise<void>> {
  const { rows } = await c.query<{ name: string; def: string }>(
    `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
     WHERE i.schemaname = current_schema() AND i.tablename = ANY($1)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)`,
    [tables],
  );
  for (const x of rows) await c.query(`DROP INDEX "${x.name.replaceAll('"', '""')}"`);
  return async () => {
    for (const x of rows) await c.query(x.def);
  };
}

export interface SeedSpec {
  workspaceId: string;
  adminId: string;
  contacts: number;
  companies: number;
  deals: number;
  agents: number;
  seed?: number;
}
export interface SeedResult {
  openStages: { id: string; name: string }[];
  /** index into openStages for deal number n at dealStage[n] (kept current by the bench as it moves deals) */
  dealStage: Uint8Array;
  ms: Record<string, number>;
}

export async function seedWorkspace(c: pg.ClientBase, spec: SeedSpec): Promise<SeedResult> {
  const r = rng(spec.seed ?? 42);
  const ws = spec.workspaceId;
  const times: Record<string, number> = {};
  const step = async (label: string, fn: () => Promise<void>) => {
    const t = performance.now();
    await fn();
    times[label] = performance.now() - t;
  };

  const { rows: stages } = await c.query<{ id: string; name: string; pipelineId: string }>(
    `SELECT s.id, s.name, s."pipelineId" FROM "Stage" s JOIN "Pipeline" p ON p.id = s."pipelineId"
     WHERE s."workspaceId" = $1 AND p."isDefault" AND NOT s."isWon" AND NOT s."isLost" ORDER BY s.position`,
    [ws],
  );
  const pipelineId = stages[0].pipelineId;
  const now = Date.now(),
    DAY = 86_400_000;
  const past = (days: number) => new Date(now - Math.floor(r() * days * DAY));

  await c.query("BEGIN");
  try {
    // the rows are generated consistent; skipping the per-row FK triggers makes the load ~2× faster (needs superuser)
    await c
      .query("SAVEPOINT fk; SET LOCAL session_replication_role = replica; RELEASE SAVEPOINT fk")
      .catch(() => c.query("ROLLBACK TO SAVEPOINT fk"));
    // members: the admin plus a few agents, so owners are spread the way a team's are
    const rebuildIndexes = await dropSecondaryIndexes(c, ["Company", "Contact", "Deal", "DealStageChange", "AuditLog"]);
    const memberIds = [spec.adminId];
    await step("members", async () => {
      const ids = Array.from({ length: spec.agents }, () => fakeId(r));
      memberIds.push(...ids);
      await insertUnnest(c, "Member", [
        { name: "id", type: "text", values: ids },
        { name: "workspaceId", type: "text", values: ids.map(() => ws) },
        { name: "name", type: "text", values: ids.map(() => `${pick(r, FIRST_NAMES)} ${pick(r, LAST_NAMES)}`) },
        { name: "role", type: '"Role"', values: ids.map(() => "agent") },
      ]);
    });

    const companyIds: string[] = [],
      companyDomain: string[] = [],
      companyName: string[] = [];
    await step("companies", async () => {
      const created: Date[] = [];
      for (let i = 0; i < spec.companies; i++) {
        const name = `${pick(r, CO_A)} ${pick(r, CO_B)}${pick(r, CO_SUFFIX)}`;
        companyIds.push(fakeId(r));
        companyName.push(name);
        companyDomain.push(`${slug(name)}${i}.com`);
        created.push(past(900));
      }
      await insertUnnest(c, "Company", [
        { name: "id", type: "text", values: companyIds },
        { name: "workspaceId", type: "text", values: companyIds.map(() => ws) },
        { name: "number", type: "int4", values: companyIds.map((_, i) => i + 1) },
        { name: "name", type: "text", values: companyName },
        { name: "domain", type: "text", values: companyDomain },
        { name: "createdAt", type: "timestamp", values: created },
        { name: "updatedAt", type: "timestamp", values: created },
      ]);
    });

    const contactIds: string[] = [],
      contactCompany: number[] = []; // company index or -1
    await step("contacts", async () => {
      const names: string[] = [],
        emails: (string | null)[] = [],
        phones: (string | null)[] = [],
        titles: (string | null)[] = [];
      const owners: (string | null)[] = [],
        created: Date[] = [],
        scores: (number | null)[] = [],
        tags: (string | null)[] = [];
      const seen = new Set<string>();
      for (let i = 0; i < spec.contacts; i++) {
        const first = pick(r, FIRST_NAMES),
          last = pick(r, LAST_NAMES);
        const co = r() < 0.8 ? Math.floor(r() * spec.companies) : -1; // ~80 % work somewhere we know
        const domain = co >= 0 ? companyDomain[co] : pick(r, FREE_MAIL);
        let email: string | null = r() < 0.95 ? `${first}.${last}@${domain}`.toLowerCase() : null;
        if (email && seen.has(email)) email = `${first}.${last}${i}@${domain}`.toLowerCase();
        if (email) seen.add(email);
        contactIds.push(fakeId(r));
        contactCompany.push(co);
        names.push(`${first} ${last}`);
        emails.push(email);
        phones.push(r() < 0.6 ? `+1 555 ${String(Math.floor(r() * 10_000)).padStart(4, "0")}` : null);
        titles.push(pick(r, TITLES));
        owners.push(r() < 0.9 ? pick(r, memberIds) : null);
        created.push(past(900));
        scores.push(r() < 0.5 ? Math.floor(r() * 100) : null);
        const t = r();
        tags.push(t < 0.1 ? "vip" : t < 0.2 ? "lead,webinar" : t < 0.3 ? "customer" : null);
      }
      await insertUnnest(c, "Contact", [
        { name: "id", type: "text", values: contactIds },
        { name: "workspaceId", type: "text", values: contactIds.map(() => ws) },
        { name: "number", type: "int4", values: contactIds.map((_, i) => i + 1) },
        { name: "name", type: "text", values: names },
        { name: "email", type: "text", values: emails },
        { name: "phone", type: "text", values: phones },
        { name: "title", type: "text", values: titles },
        { name: "companyId", type: "text", values: contactCompany.map((i) => (i >= 0 ? companyIds[i] : null)) },
        { name: "ownerId", type: "text", values: owners },
        { name: "score", type: "int4", values: scores },
        { name: "tags", type: "text", values: tags, sql: (v) => `coalesce(string_to_array(${v}, ','), '{}')` },
        { name: "createdAt", type: "timestamp", values: created },
        { name: "updatedAt", type: "timestamp", values: created },
      ]);
    });

    const dealStage = new Uint8Array(spec.deals + 1);
    await step("deals", async () => {
      const ids: string[] = [],
        titles: string[] = [],
        amounts: string[] = [],
        stageIds: string[] = [],
        owners: (string | null)[] = [];
      const companies: (string | null)[] = [],
        contacts: (string | null)[] = [],
        created: Date[] = [],
        entered: Date[] = [],
        close: (Date | null)[] = [];
      for (let n = 1; n <= spec.deals; n++) {
        const ci = Math.floor(r() * spec.contacts);
        const si = Math.floor(r() * stages.length);
        dealStage[n] = si;
        const co = contactCompany[ci];
        ids.push(fakeId(r));
        titles.push(`${co >= 0 ? companyName[co] : "Direct"} ${pick(r, DEAL_KIND)}`);
        amounts.push((Math.round(500 + r() * r() * 200_000) + 0.5 * Math.floor(r() * 2)).toFixed(2));
        stageIds.push(stages[si].id);
        owners.push(pick(r, memberIds));
        companies.push(co >= 0 ? companyIds[co] : null);
        contacts.push(contactIds[ci]);
        const c0 = past(400);
        created.push(c0);
        entered.push(new Date(c0.getTime() + Math.floor(r() * (now - c0.getTime()))));
        close.push(r() < 0.7 ? new Date(now + Math.floor((r() - 0.3) * 120 * DAY)) : null);
      }
      await insertUnnest(c, "Deal", [
        { name: "id", type: "text", values: ids },
        { name: "workspaceId", type: "text", values: ids.map(() => ws) },
        { name: "number", type: "int4", values: ids.map((_, i) => i + 1) },
        { name: "title", type: "text", values: titles },
        { name: "amount", type: "numeric", values: amounts },
        { name: "currency", type: "bpchar", values: ids.map(() => "USD") },
        { name: "pipelineId", type: "text", values: ids.map(() => pipelineId) },
        { name: "stageId", type: "text", values: stageIds },
        { name: "ownerId", type: "text", values: owners },
        { name: "companyId", type: "text", values: companies },
        { name: "contactId", type: "text", values: contacts },
        { name: "expectedCloseAt", type: "timestamp", values: close },
        { name: "stageEnteredAt", type: "timestamp", values: entered },
        { name: "createdAt", type: "timestamp", values: created },
        { name: "updatedAt", type: "timestamp", values: entered },
      ]);
    });

    // history the app would have written: one stage change and one audit row per created deal
    await step("history", async () => {
      await c.query(
        `INSERT INTO "DealStageChange" (id, "workspaceId", "dealId", "fromStageId", "toStageId", "actorId", at)
        SELECT 'c' || substr(md5(d.id || 'sc'), 1, 24), d."workspaceId", d.id, NULL, d."stageId", d."ownerId", d."createdAt"
        FROM "Deal" d WHERE d."workspaceId" = $1`,
        [ws],
      );
      await c.query(
        `INSERT INTO "AuditLog" (id, "workspaceId", "actorId", action, entity, "entityId", after, at)
        SELECT 'c' || substr(md5(d.id || 'au'), 1, 24), d."workspaceId", d."ownerId", 'deal.create', 'deal', d.id,
               jsonb_build_object('title', d.title, 'amount', d.amount::text), d."createdAt"
        FROM "Deal" d WHERE d."workspaceId" = $1`,
        [ws],
      );
    });

    await step("indexes", rebuildIndexes);
    await c.query(
      `INSERT INTO "KeyCounter" ("workspaceId", kind, value) VALUES ($1, 'contact', $2), ($1, 'company', $3), ($1, 'deal', $4)
      ON CONFLICT ("workspaceId", kind) DO UPDATE SET value = EXCLUDED.value`,
      [ws, spec.contacts, spec.companies, spec.deals],
    );
    await c.query("COMMIT");
    await step("analyze", async () => {
      await c.query("VACUUM ANALYZE");
    });
    return { openStages: stages.map(({ id, name }) => ({ id, name })), dealStage, ms: times };
  } catch (e) {
    await c.query("ROLLBACK").catch(() => {});
    throw e;
  }
}
