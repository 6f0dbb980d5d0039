// What the Slack adapter is built from (src/app.ts passes it in); every part of the adapter takes it.
import type { Config } from "../../src/config/env.ts";
import type { Command } from "../../src/commands/define.ts";
import type { Services } from "../../src/domain/services.ts";
import type { Logger } from "../../src/log.ts";
import type { SlashJob } from "../../jobs/slashQueue.ts";

export interface SlackDeps {
  config: Config;
  services: Services;
  commands: Command[];
  logger: Logger;
  /** hands a /crm command to the worker processes (the slack-commands queue); without it the server runs it */
  enqueueSlash?: (job: SlashJob) => Promise<void>;
}
