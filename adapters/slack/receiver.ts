// Our Bolt receiver: an Express handler at POST /slack/events that verifies the signature (past AND
// future skew), answers Slack's url_verification and ssl_check, and hands every other request to Bolt
// with an ack that writes the HTTP response. A command or interactive payload whose signature was seen
// before (within the 5-minute window, i.e. a replay) gets 401 and does nothing: SET NX EX 300 in Redis.
import type { Request, Response } from "express";
import { ReplayGuard } from "../http/replayGuard.ts";
import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import type { Logger } from "../../src/log.ts";
import { verifySlackSignature } from "./verify.ts";

const ACK_TIMEOUT_MS = 3001;

export function parseSlackBody(raw: string, contentType = ""): Record<string, unknown> {
  if (contentType.includes("application/json")) return JSON.parse(raw);
  const form = Object.fromEntries(new URLSearchParams(raw));
  if (typeof form.payload === "string") return JSON.parse(form.payload);
  return form;
}

export class CrmSlackReceiver implements Receiver {
  private app?: App;
  private replay?: ReplayGuard;
  constructor(private opts: { signingSecret: string; logger: Logger; redisUrl?: string; prefix?: string }) {
    if (opts.redisUrl) this.replay = new ReplayGuard(opts.redisUrl, opts.prefix ?? "crm", "slack", opts.logger);
  }

  init(app: App): void {
    this.app = app;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {
    this.replay?.close();
  }

  /** Keyed on the signature's bytes ("v0=" then hex), so no other spelling of the same signature passes. */
  private async firstSeen(signature: string): Promise<boolean> {
    return this.replay ? this.replay.firstSeen(Buffer.from(signature.replace(/^v0=/, ""), "hex")) : true;
  }

  /** Express handler; needs the raw body (express.raw) so the signature covers the exact bytes. */
  handle = async (req: Request, res: Response): Promise<void> => {
    const raw = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
    const verdict = verifySlackSignature({
      signingSecret: this.opts.signingSecret,
      timestamp: req.header("x-slack-request-timestamp"),
      signature: req.header("x-slack-signature"),
      rawBody: raw,
    });
    if (!verdict.ok) {
      this.opts.logger.warn({ reason: verdict.reason }, "slack request refused");
      res.status(401).json({ error: "invalid signature" });
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = parseSlackBody(raw, req.header("content-type"));
    } catch {
      res.status(400).json({ error: "unreadable body" });
      return;
    }
    // a signed JSON body that is not an object (null, [], "x") is not a Slack request either
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      res.status(400).json({ error: "unreadable body" });
      return;
    }
    if (body.ssl_check) {
      res.status(200).end();
      return;
    }
    if (body.type === "url_verification") {
      res.json({ challenge: body.challenge });
      return;
    }
    // Slack never resends a command or an interactive payload (a button click, shortcut or form), so
    // the same signature twice inside the 5-minute window is a replay: refused like a bad signature.
    // Events are retried by Slack on purpose and are deduplicated by event_id further in.
    if (body.type !== "event_callback" && !(await this.firstSeen(req.header("x-slack-signature")!))) {
      this.opts.logger.warn({ type: body.type ?? body.command }, "replayed slack request refused");
      res.status(401).json({ error: "replayed request" });
      return;
    }

    let acked = false;
    const timer = setTimeout(() => {
      if (acked) return;
      acked = true;
      this.opts.logger.error({ type: body.type ?? body.command }, "no ack within 3 s");
      if (!res.headersSent) res.status(200).end();
    }, ACK_TIMEOUT_MS);
    const event: ReceiverEvent = {
      body,
      retryNum: req.header("x-slack-retry-num") ? Number(req.header("x-slack-retry-num")) : undefined,
      retryReason: req.header("x-slack-retry-reason") ?? undefined,
      ack: async (response?: unknown) => {
        if (acked) return;
        acked = true;
        clearTimeout(timer);
        if (response === undefined || response === "") res.status(200).end();
        else if (typeof response === "string") res.status(200).type("text").send(response);
        else res.status(200).json(response);
      },
    };
    try {
      await this.app!.processEvent(event);
    } catch (e) {
      this.opts.logger.error({ err: (e as Error).message }, "slack listener failed");
      if (!acked) {
        acked = true;
        clearTimeout(timer);
        res.status(200).end();
      }
    }
  };
}
