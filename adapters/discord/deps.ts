// What the Discord adapter is built from (src/app.ts passes it in); the HTTP and gateway transports share it.
import type { Redis } from "ioredis";
import type { Config } from "../../src/config/env.ts";
import type { Command } from "../../src/commands/define.ts";
import type { Dispatch } from "../../src/commands/dispatch.ts";
import type { Services } from "../../src/domain/services.ts";
import type { Logger } from "../../src/log.ts";

export interface DiscordDeps {
  config: Config;
  services: Services;
  commands: Command[];
  logger: Logger;
  redis: Redis;
  /** runs a command by the one rule (src/commands/dispatch.ts): on a worker, or in this process */
  dispatch: Dispatch;
}
