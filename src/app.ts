// Composition root: config → database → Redis → HTTP routes (+ workers). Used by main.ts and by tests
// (which start the whole app in-process on a random port).
import http from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import type { Config } from "./config/env.ts";
import { openDatabase, type OpenedDb } from "./db/client.ts";
import { createLogger, safeUrl, type Logger } from "./log.ts";
import { createProbeRedis, createRedis } from "./redis.ts";
import { createMetrics, healthRoutes } from "./server/health.ts";
import type { Redis } from "ioredis";
import { commands } from "./commands/registry.ts";
import { digestReply } from "./commands/digestReply.ts";
import { createServices, type Services } from "./domain/services.ts";
import { consoleRoutes } from "../adapters/console/routes.ts";
import { discordSurface } from "../adapters/discord/surface.ts";
import { discordDeliveryEnabled, discordGatewayEnabled } from "../adapters/discord/enabled.ts";
import { loadDiscord, loadSlack } from "./platforms.ts";
import { consoleSurface } from "../adapters/console/surface.ts";
import { commandRunner } from "./commands/runner.ts";
import { commandDispatcher, type Dispatch } from "./commands/dispatch.ts";
import { PlatformChannels } from "./delivery/channels.ts";
import { JobRuntime } from "../jobs/runtime.ts";
import { bullOutbox } from "../jobs/outbox.ts";
import { commandQueue } from "../jobs/commandQueue.ts";
import { startWorkers } from "../jobs/workers.ts";
import { bullEventNudge } from "../jobs/domainEvents.ts";
import type { Ports } from "./delivery/port.ts";
import { bullPredictJobs } from "../jobs/predict.ts";
import { bullSlaTimers } from "../jobs/sla.ts";
import { bullTaskReminders } from "../jobs/tasks.ts";
import { bullReportScheduler } from "../jobs/reports.ts";
import { bullCampaignJobs } from "../jobs/campaignQueue.ts";
import { unsubscribeRoutes } from "../adapters/email/unsubscribe.ts";
import { unsubscribeSecret } from "./domain/campaigns/email.ts";

export type Role = "all" | "server" | "worker";

/** how long close() waits for one part (HTTP, workers, Redis, database) before going on */
const CLOSE_PART_MS = 8000;

export interface App {
  config: Config;
  logger: Logger;
  db: OpenedDb;
  redis: Redis;
  services: Services;
  jobs: JobRuntime;
  server?: http.Server;
  url?: string;
  /** the inbound SMTP listener's port (INBOUND_SMTP_PORT; 0 picks a free one), when it runs */
  inboundSmtpPort?: number;
  close(): Promise<void>;
}

export interface Closable {
  name: string;
  close(): Promise<void>;
}

export async function startApp(config: Config, opts: { role?: Role; logger?: Logger } = {}): Promise<App> {
  const role = opts.role ?? "all";
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: config.DATABASE_POOL_SIZE });
  logger.info(
    { database: db.kind === "postgres" ? safeUrl(config.DATABASE_URL) : `pglite:${config.DATA_DIR}`, applied: db.appliedMigrations },
    "database ready",
  );
  // platform libraries load only when configured (src/platforms.ts)
  const [slack, discord] = await Promise.all([loadSlack(config), loadDiscord(config)]);
  const jobs = new JobRuntime({ redisUrl: config.REDIS_URL, prefix: config.QUEUE_PREFIX, logger, tuning: config });
  // which channels are the workspace's own: asked by commands (server and worker roles) and deliveries
  const channels = new PlatformChannels();
  const services = createServices(db.prisma, {
    channels,
    encryptionKey: config.ENCRYPTION_KEY,
    stateSecret: config.SLACK_STATE_SECRET,
    outbox: bullOutbox(jobs),
    slaTimers: bullSlaTimers(jobs),
    reportScheduler: bullReportScheduler(jobs),
    predictJobs: bullPredictJobs(jobs),
    logger,
    renderDigest: digestReply,
    identityTtlMs: config.IDENTITY_TTL_MS,
    campaigns: { jobs: bullCampaignJobs(jobs), email: campaignEmail(config) },
    eventNudge: bullEventNudge(jobs),
    taskReminders: bullTaskReminders(jobs),
    inboundDomain: config.inboundDomain,
    replyDomain: config.SMTP_URL ? (config.inboundDomain ?? mailDomain(config.MAIL_FROM)) : undefined,
    mailboxProbe: { check: async (s) => (await import("../adapters/email/inbound/imap.ts")).imapProbe.check(s) },
    rawSql: db.rawSql,
  });
  // who becomes a member: Slack is asked about new people (guests and other teams never join)
  services.identity.configure({
    directory: slack ? { slackProfile: slack.slackPeople(config, services) } : undefined,
    slackAdmins: new Set(config.SLACK_ADMIN_USERS),
    slackOAuth: config.slackOAuth,
    warn: (msg, fields) => logger.warn(fields, msg),
  });
  const redis = createRedis(config.REDIS_URL, logger);
  const probeRedis = createProbeRedis(config.REDIS_URL, logger);
  // shut down in reverse order of start
  const closables: Closable[] = [
    { name: "database", close: () => db.close() },
    {
      name: "redis",
      close: async () => {
        redis.disconnect();
        probeRedis.disconnect();
      },
    },
    { name: "jobs", close: () => jobs.close() },
  ];
  if (slack) channels.use("slack", slack.createSlackChannels(config, services));
  if (discord && discordDeliveryEnabled(config)) {
    const discordChannels = discord.createDiscordChannels(config, services);
    channels.use("discord", discordChannels);
    closables.push({ name: "discord channel checks", close: () => discordChannels.close() });
  }
  // the one command runner, with every surface this process can identify people of (src/commands/runner.ts)
  const runCommand = commandRunner({
    services,
    commands,
    logger,
    publicUrl: config.PUBLIC_URL,
    surfaces: {
      console: consoleSurface(services),
      discord: discordSurface(services),
      ...(slack ? { slack: slack.slackSurface({ config, services, logger }) } : {}),
    },
  });
  if (role !== "server") {
    const ports: Ports = {};
    if (slack) ports.slack = slack.createSlackDelivery(config, services, { logger });
    if (discord && discordDeliveryEnabled(config)) {
      const discordPort = discord.createDiscordDelivery(config, services, {
        buttons: new discord.ButtonStore(redis, config.QUEUE_PREFIX),
        logger,
      });
      ports.discord = discordPort;
      closables.push({ name: "discord delivery", close: () => discordPort.close() });
    }
    const mail = campaignEmail(config);
    startWorkers(jobs, {
      services,
      ports,
      logger,
      commands: runCommand,
      email: config.SMTP_URL
        ? (await import("../adapters/email/transport.ts")).createSmtpSender(config.SMTP_URL, {
            maxConnections: config.SMTP_MAX_CONNECTIONS,
            pipelineDepth: config.SMTP_PIPELINE_DEPTH,
          })
        : undefined,
      ledger: db.rawSql,
      mailFrom: config.MAIL_FROM,
      // the workers' port to Discord threads (jobs/ imports no adapter)
      openTicketThread: async (job) =>
        (await import("../adapters/discord/threads.ts")).openTicketThread(ports.discord, services, job, logger),
      // the workspaces' support mailboxes over IMAP, every IMAP_POLL_SECONDS (jobs/mailboxes.ts)
      pollMailbox: async (workspaceId) =>
        (await import("../adapters/email/inbound/imapPoller.ts")).pollMailbox(
          { services, logger, maxBytes: config.INBOUND_MAX_BYTES },
          workspaceId,
        ),
      emailSettings:
        mail.from && mail.publicUrl && mail.secret ? { from: mail.from, publicUrl: mail.publicUrl, secret: mail.secret } : undefined,
    });
  }

  let server: http.Server | undefined;
  let url: string | undefined;
  let inboundSmtpPort: number | undefined;
  if (role !== "worker") {
    const metrics = createMetrics();
    const web = express();
    web.disable("x-powered-by");
    web.use((req, res, next) => {
      const end = metrics.httpDuration.startTimer({ method: req.method });
      res.on("finish", () => end({ route: req.route?.path ?? req.path.split("/").slice(0, 2).join("/"), status: res.statusCode }));
      next();
    });
    // commands from every surface go to the worker processes (role all runs one here too) by the one rule
    // of src/commands/dispatch.ts; the server verifies, identifies the request and answers the platform
    const queue = commandQueue(jobs, logger);
    closables.push({ name: "commands queue", close: queue.close });
    const dispatch: Dispatch = commandDispatcher({ run: runCommand, queue, concurrency: config.SLACK_COMMAND_CONCURRENCY, logger });
    // Slack first: its 3-second window is the tightest, so its requests skip the other routers
    if (slack) {
      const app = slack.createSlack({ config, services, commands, logger, dispatch });
      web.use(app.router);
      await app.start().catch((e: Error) => logger.error({ err: e.message }, "slack socket mode could not connect; it keeps retrying"));
      closables.push({ name: "slack", close: () => app.stop() });
    }
    web.use(
      healthRoutes(
        [
          {
            name: "database",
            // on the pool, not through Prisma: a server that only verifies, acks and queues (--role=server) then never
            // instantiates Prisma's query compiler, ~50 MB of its idle memory (bench/README.md, "bench/footprint.ts")
            check: async () => {
              await db.rawSql.$queryRaw`SELECT 1`;
            },
          },
          {
            name: "redis",
            check: async () => {
              await probeRedis.ping();
            },
          },
        ],
        metrics.registry,
      ),
    );
    web.use(consoleRoutes({ config, services, commands, logger, redis, dispatch }));
    web.use(unsubscribeRoutes({ services, logger }));
    // the queue board (bull-board) only with ADMIN_TOKEN, which it needs
    if (config.ADMIN_TOKEN) web.use((await import("../adapters/admin/queues.ts")).adminQueueRoutes(config, jobs, redis));
    if (config.DISCORD_GATEWAY === "on" && !config.DISCORD_BOT_TOKEN)
      logger.warn("DISCORD_GATEWAY=on needs DISCORD_BOT_TOKEN; the Discord gateway stays off");
    if (discord && (config.discordEnabled || discordGatewayEnabled(config))) {
      const app = discord.createDiscord({ config, services, commands, logger, redis, dispatch });
      web.use(app.router);
      app.start(); // the gateway, when DISCORD_GATEWAY=on: connects (and reconnects) in the background
      closables.push({ name: "discord", close: () => app.close() });
    }
    web.use((_req, res) => {
      res.status(404).json({ error: "not found" });
    });
    web.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      logger.error({ err: err.message }, "unhandled request error");
      if (!res.headersSent) res.status(500).json({ error: "internal error" });
    });
    server = http.createServer(web);
    await new Promise<void>((resolve, reject) => {
      server!.once("error", reject);
      server!.listen(config.PORT, config.HOST, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    url = `http://${host}:${addr.port}`;
    const s = server;
    closables.push({
      name: "http",
      close: () =>
        new Promise<void>((res) => {
          s.close(() => res());
          s.closeAllConnections();
        }),
    });
    logger.info({ url }, "http server listening");
    // mail to the workspaces' addresses (src/domain/conversations), when INBOUND_SMTP_PORT is set
    if (config.INBOUND_SMTP_PORT !== undefined) {
      if (!config.inboundDomain) logger.warn("INBOUND_SMTP_PORT is set but neither INBOUND_DOMAIN nor PUBLIC_URL: no address is ours");
      const { startInboundSmtp } = await import("../adapters/email/inbound/smtpListener.ts");
      const listener = await startInboundSmtp({
        services,
        logger,
        port: config.INBOUND_SMTP_PORT,
        host: config.HOST,
        maxBytes: config.INBOUND_MAX_BYTES,
      });
      inboundSmtpPort = listener.port;
      closables.push({ name: "inbound smtp", close: () => listener.close() });
    }
  }

  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    db,
    redis,
    services,
    jobs,
    server,
    url,
    inboundSmtpPort,
    close() {
      closing ??= (async () => {
        for (const c of [...closables].reverse()) {
          // one stuck part (a connection that never answers) must not keep the others open
          const closed = c.close().then(
            () => true,
            (e) => {
              logger.warn({ err: (e as Error).message, part: c.name }, "error while closing");
              return true;
            },
          );
          const inTime = await Promise.race([closed, new Promise<false>((r) => setTimeout(() => r(false), CLOSE_PART_MS).unref())]);
          if (!inTime) logger.warn({ part: c.name, ms: CLOSE_PART_MS }, "still closing; going on with the rest");
        }
      })();
      return closing;
    },
  };
}

/** What email campaigns need from the environment; the unsubscribe key is derived from ENCRYPTION_KEY. */
function campaignEmail(config: Config) {
  return {
    smtp: Boolean(config.SMTP_URL),
    from: config.MAIL_FROM,
    publicUrl: config.PUBLIC_URL,
    secret: config.ENCRYPTION_KEY ? unsubscribeSecret(config.ENCRYPTION_KEY) : undefined,
  };
}

/** "Acme <news@acme.test>" → acme.test */
function mailDomain(from: string | undefined): string | undefined {
  const at = from?.lastIndexOf("@") ?? -1;
  if (!from || at < 0) return undefined;
  const domain = from
    .slice(at + 1)
    .split(">")[0]
    .trim()
    .toLowerCase();
  return domain || undefined;
}
