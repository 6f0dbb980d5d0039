// The queue dashboard (bull-board) at /admin/queues: every queue in the registry, with retry and clean.
// Only with ADMIN_TOKEN (Bearer header, or the console's session cookie: sign in at /console?token=… once);
// without it the route does not exist (404).
import { Router } from "express";
import type { Redis } from "ioredis";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Config } from "../../src/config/env.ts";
import { consoleAccess } from "../console/access.ts";
import { ConsoleSessions } from "../console/sessions.ts";
import { QUEUES, type QueueName } from "../../jobs/registry.ts";
import type { JobRuntime } from "../../jobs/runtime.ts";

export const ADMIN_QUEUES_PATH = "/admin/queues";

export function adminQueueRoutes(config: Config, jobs: JobRuntime, redis: Redis): Router {
  const r = Router();
  if (!config.ADMIN_TOKEN) return r;
  const board = new ExpressAdapter();
  board.setBasePath(ADMIN_QUEUES_PATH);
  createBullBoard({
    queues: (Object.keys(QUEUES) as QueueName[]).map((name) => new BullMQAdapter(jobs.queue(name))),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: "CRM queues" } },
  });
  // the console's token rules; the dashboard is on whenever ADMIN_TOKEN is set, whatever CONSOLE says
  r.use(
    ADMIN_QUEUES_PATH,
    consoleAccess(
      { ...config, consoleEnabled: true },
      new ConsoleSessions(redis, { prefix: config.QUEUE_PREFIX, adminToken: config.ADMIN_TOKEN }),
    ),
    board.getRouter(),
  );
  return r;
}
