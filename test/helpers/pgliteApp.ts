// The app on the embedded database (no DATABASE_URL, npm start's default): PGlite in a temporary folder, its
// own Redis prefix, a console session; close() removes all three.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, inject } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { startApp, type App } from "../../src/app.ts";
import { createLogger } from "../../src/log.ts";
import { consoleSession, type ConsoleSession } from "./console.ts";
import { deleteKeys, testPrefix } from "./redis.ts";

export interface PgliteApp {
  app: App;
  session: ConsoleSession;
  close(): Promise<void>;
}

export async function startPgliteApp(name: string): Promise<PgliteApp> {
  const dir = await mkdtemp(path.join(tmpdir(), `crm-${name}-`));
  const prefix = testPrefix();
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dir, REDIS_URL: inject("redisUrl"), QUEUE_PREFIX: prefix });
  const app = await startApp(config, { logger: createLogger("silent") });
  const close = async () => {
    await app.close();
    await deleteKeys(prefix);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    expect(app.db.kind).toBe("pglite");
    return { app, session: await consoleSession(app.url!), close };
  } catch (e) {
    await close();
    throw e;
  }
}
