// Entry point: `npm start` (server + workers), `npm start -- --role=server|worker` for scaled deployments.
import { ConfigError, loadConfig } from "./config/env.ts";
import { startApp, type Role } from "./app.ts";
import { createLogger } from "./log.ts";

function parseRole(argv: string[]): Role {
  const arg = argv.find((a) => a.startsWith("--role"));
  if (!arg) return "all";
  const value = arg.includes("=") ? arg.split("=")[1] : argv[argv.indexOf(arg) + 1];
  if (value === "all" || value === "server" || value === "worker") return value;
  console.error(`Invalid --role: expected all, server or worker (got ${JSON.stringify(value ?? "")})`);
  process.exit(1);
}

async function main() {
  const role = parseRole(process.argv.slice(2));
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const app = await startApp(config, { role, logger }).catch((e: Error) => {
    logger.fatal({ err: e.message }, "start-up failed");
    console.error(`Start-up failed: ${e.message}`);
    process.exit(1);
  });
  if (app.url && config.consoleEnabled) console.log(`\n  CRM console: ${app.url}/console\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => { logger.error("shutdown took over 10 s; exiting"); process.exit(1); }, 10_000);
    force.unref();
    app.close().then(() => { clearTimeout(force); process.exit(0); });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main();
