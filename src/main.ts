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
  // handlers go in before start-up so a signal during start-up still shuts down cleanly
  let app: Awaited<ReturnType<typeof startApp>> | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      logger.error("shutdown took over 10 s; exiting");
      process.exit(1);
    }, 10_000);
    force.unref();
    await starting.catch(() => undefined);
    await app?.close();
    clearTimeout(force);
    process.exit(0);
  };
  // a bug in a listener or a library callback must not take the whole service down: log it and go on
  // (state lives in PostgreSQL and Redis, and every job is idempotent)
  process.on("unhandledRejection", (e) =>
    logger.error({ err: (e as Error)?.message ?? String(e), stack: (e as Error)?.stack }, "unhandled rejection"),
  );
  process.on("uncaughtException", (e) => logger.error({ err: e.message, stack: e.stack }, "uncaught exception"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  const starting = startApp(config, { role, logger });
  app = await starting.catch((e: Error) => {
    logger.fatal({ err: e.message }, "start-up failed");
    console.error(`Start-up failed: ${e.message}`);
    process.exit(1);
  });
  if (app.url && config.consoleEnabled && !stopping) console.log(`\n  CRM console: ${app.url}/console\n`);
  // start-up leaves tens of MB of garbage (compiling every module, the migration check) that V8 keeps
  // resident in an idle process; one full collection once started hands it back (npm start passes
  // --expose-gc for this; without the flag this does nothing)
  (globalThis as { gc?: () => void }).gc?.();
}

main();
