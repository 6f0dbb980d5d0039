// Starts the whole app in-process on a random port with its own database and Redis prefix.
import { inject } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { startApp, type App, type Role } from "../../src/app.ts";
import { createLogger, type Logger } from "../../src/log.ts";
import { createTestDb, type TestDb } from "./db.ts";
import { deleteKeys, testPrefix } from "./redis.ts";

export interface TestApp {
  app: App;
  url: string;
  testDb: TestDb;
  prefix: string;
  stop(): Promise<void>;
}

export async function startTestApp(
  env: Record<string, string> = {},
  opts: { role?: Role; testDb?: TestDb; logger?: Logger } = {},
): Promise<TestApp> {
  const testDb = opts.testDb ?? (await createTestDb());
  const prefix = testPrefix();
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: testDb.url,
    REDIS_URL: inject("redisUrl"),
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    ...env,
  });
  const app = await startApp(config, { role: opts.role, logger: opts.logger ?? createLogger(config.LOG_LEVEL) });
  return {
    app,
    url: app.url ?? "",
    testDb,
    prefix,
    async stop() {
      await app.close();
      if (!opts.testDb) await testDb.drop();
      await deleteKeys(prefix);
    },
  };
}
