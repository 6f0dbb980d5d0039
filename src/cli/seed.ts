// `npm run seed [-- --reset] [--scale large]`: fills the demo workspace "Demo Co" in DATABASE_URL (or the
// embedded PGlite under DATA_DIR). Running it again changes nothing; --reset deletes the demo workspace first.
// --scale large fills "Large Co" instead: 100k contacts, 50k deals, 1M interactions, 100k tickets (bulk SQL).
import { pathToFileURL } from "node:url";
import { ConfigError, loadConfig } from "../config/env.ts";
import { openDatabase } from "../db/client.ts";
import { seedDemo, type SeedResult } from "../seed/demo.ts";
import { seedLarge, type LargeSeedResult } from "../seed/large.ts";

const USAGE = "Usage: npm run seed [-- --reset] [--scale large]";

/** scale is absent for the standard demo */
export type SeedArgs = { ok: true; reset: boolean; scale?: "large" } | { ok: false; message: string };

export function parseSeedArgs(argv: string[]): SeedArgs {
  let reset = false;
  let scale: "large" | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--reset") {
      reset = true;
      continue;
    }
    if (a === "--scale" || a.startsWith("--scale=")) {
      const value = a.includes("=") ? a.slice("--scale=".length) : (argv[++i] ?? "");
      if (value === "large") {
        scale = "large";
        continue;
      }
      return {
        ok: false,
        message: `--scale ${JSON.stringify(value)} is not a scale; use --scale large (or nothing for the standard demo).`,
      };
    }
    if (a === "--help" || a === "-h") return { ok: false, message: USAGE };
    return { ok: false, message: `Unknown option ${JSON.stringify(a)}. ${USAGE}` };
  }
  return scale ? { ok: true, reset, scale } : { ok: true, reset };
}

export function largeSummary(r: LargeSeedResult, where: string): string {
  const c = r.counts;
  const head =
    r.status === "exists"
      ? `"${r.name}" already exists in ${where}; nothing changed. Run \`npm run seed -- --scale large --reset\` to recreate it.`
      : `Seeded "${r.name}" in ${where} in ${(r.ms / 1000).toFixed(1)} s${r.deleted ? " (replaced the previous one)" : ""}.`;
  return [
    head,
    `  ${c.members} members, ${c.companies} companies, ${c.contacts} contacts, ${c.interactions} interactions`,
    `  ${c.deals} deals (${c.stageChanges} stage changes), ${c.tickets} tickets`,
    `Try \`/crm digest month\` in "${r.name}".`,
  ].join("\n");
}

export function summary(r: SeedResult, where: string, consoleUrl: string): string {
  const c = r.counts;
  const team = r.members.map((m) => `${m.name} (${m.role}${m.onCall ? ", on call" : ""})`).join(", ");
  const stages = Object.entries(r.dealsByStage)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  const statuses = Object.entries(r.ticketsByStatus)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  const head =
    r.status === "exists"
      ? `"${r.name}" already exists in ${where}; nothing changed. Run \`npm run seed -- --reset\` to recreate it.`
      : `Seeded "${r.name}" in ${where}${r.deleted ? ` (replaced the previous one)` : ""}.`;
  return [
    head,
    `  Team: ${team}`,
    `  ${c.companies} companies, ${c.contacts} contacts, ${c.interactions} interactions`,
    `  ${c.deals} deals: ${stages} (${c.stageChanges} stage changes)`,
    `  ${c.tickets} tickets: ${statuses} (${c.ticketEvents} events)`,
    `Next: \`npm start\`, then open ${consoleUrl} and pick "${r.name}".`,
  ].join("\n");
}

async function main(): Promise<number> {
  const args = parseSeedArgs(process.argv.slice(2));
  if (!args.ok) {
    console.error(args.message);
    return args.message === USAGE ? 0 : 1;
  }
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: config.DATABASE_POOL_SIZE });
  try {
    const where = db.kind === "postgres" ? "PostgreSQL (DATABASE_URL)" : `the embedded database under ${config.DATA_DIR}`;
    if (args.scale === "large") {
      const verbose = process.env.SEED_VERBOSE === "1";
      const large = await seedLarge(db.prisma, {
        reset: args.reset,
        onStep: verbose ? (l, ms) => console.error(`  ${l}: ${(ms / 1000).toFixed(1)} s`) : undefined,
      });
      console.log(largeSummary(large, where));
      return 0;
    }
    const result = await seedDemo(db.prisma, { reset: args.reset });
    const host = config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
    console.log(summary(result, where, `http://${host}:${config.PORT || 3000}/console`));
    return 0;
  } finally {
    await db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`Seeding failed: ${e.message}`);
      process.exit(1);
    },
  );
}
