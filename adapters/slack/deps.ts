// What the Slack adapter is built from (src/app.ts passes it in); every part of the adapter takes it.
import type { Config } from "../../src/config/env.ts";
import type { Command } from "../../src/commands/define.ts";
import type { Services } from "../../src/domain/services.ts";
import type { Logger } from "../../src/log.ts";
import type { Dispatch } from "../../src/commands/dispatch.ts";

export interface SlackDeps {
  config: Config;
  services: Services;
  commands: Command[];
  logger: Logger;
  /** runs a command by the one rule (src/commands/dispatch.ts): on a worker, or in this process */
  dispatch: Dispatch;
}
