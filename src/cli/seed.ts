// `npm run seed [-- --reset]`: fills the demo workspace "Demo Co" in DATABASE_URL (or the embedded
// PGlite under DATA_DIR). Running it again changes nothing; --reset deletes the demo workspace first.
import { pathToFileURL } from "node:url";
import { ConfigError, loadConfig } from "../config/env.ts";
import { openDatabase } from "../db/client.ts";
import { seedDemo, type SeedResult } from "../domain/seed/demo.ts";

const USAGE = "Usage: npm run seed [-- --reset]";

export type SeedArgs = { ok: true; reset: boolean } | { ok: false; message: string };

export function parseSeedArgs(argv: string[]): SeedArgs {
  let reset = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--reset") { reset = true; continue; }
    if (a === "--scale" || a.startsWith("--scale=")) {
      const value = a.includes("=") ? a.slice("--scale=".length) : argv[++i] ?? "";
      if (value === "large") return { ok: false, message: "--scale large is not available yet: it comes with the analytics issue. Run `npm run seed` for the standard demo workspace." };
      return { ok: false, message: `--scale ${JSON.stringify(value)} is not a scale; only the standard demo exists (--scale large comes with the analytics issue).` };
    }
    if (a === "--help" || a === "-h") return { ok: false, message: USAGE };
    return { ok: false, message: `Unknown option ${JSON.stringify(a)}. ${USAGE}` };
  }
  return { ok: true, reset };
}

export function summary(r: SeedResult, where: string, consoleUrl: string): string {
  const c = r.counts;
  const team = r.members.map((m) => `${m.name} (${m.role}${m.onCall ? ", on call" : ""})`).join(", ");
  const stages = Object.entries(r.dealsByStage).map(([s, n]) => `${n} ${s}`).join(", ");
  const statuses = Object.entries(r.ticketsByStatus).map(([s, n]) => `${n} ${s}`).join(", ");
  const head = r.status === "exists"
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
  if (!args.ok) { console.error(args.message); return args.message === USAGE ? 0 : 1; }
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) { console.error(e.message); return 1; }
    throw e;
  }
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    const result = await seedDemo(db.prisma, { reset: args.reset });
    const where = db.kind === "postgres" ? "PostgreSQL (DATABASE_URL)" : `the embedded database under ${config.DATA_DIR}`;
    const host = config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
    console.log(summary(result, where, `http://${host}:${config.PORT || 3000}/console`));
    return 0;
  } finally {
    await db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then((code) => process.exit(code), (e: Error) => {
    console.error(`Seeding failed: ${e.message}`);
    process.exit(1);
  });
}
