// Socket Mode: the same Bolt app fed from Slack's WebSocket instead of HTTP (no public URL needed).
import type { App, Receiver } from "@slack/bolt";
import { SocketModeClient } from "@slack/socket-mode";
import type { Logger } from "../../src/log.ts";

export class CrmSocketReceiver implements Receiver {
  private app?: App;
  readonly client: SocketModeClient;

  constructor(opts: { appToken: string; slackApiUrl?: string; logger: Logger }) {
    this.client = new SocketModeClient({
      appToken: opts.appToken,
      clientOptions: opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : undefined,
    });
    this.client.on("slack_event", async ({ ack, body, retry_num, retry_reason }) => {
      try {
        await this.app!.processEvent({ body, ack, retryNum: retry_num, retryReason: retry_reason });
      } catch (e) {
        opts.logger.error({ err: (e as Error).message }, "socket mode listener failed");
      }
    });
  }

  init(app: App): void {
    this.app = app;
  }
  async start(): Promise<void> {
    await this.client.start();
  }
  async stop(): Promise<void> {
    await this.client.disconnect();
  }
}
