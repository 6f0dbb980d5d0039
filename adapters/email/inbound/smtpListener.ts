// The SMTP listener for mail to the workspaces' addresses (INBOUND_SMTP_PORT), with smtp-server: RCPT of
// an address that is not one of ours gets 550, a message over the size limit 552, and the final 250 is
// sent only after every recipient's copy is committed (services.inbox.receiveMany). A failure before that
// answers 451, so the sending server keeps the message and tries again: mail we accepted is never lost.
// Messages arriving on several connections at once are committed together (groupCommit.ts): one
// transaction for what came in while the last one ran, each connection answered when its mail is in.
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import type { AddressInfo } from "node:net";
import type { Services } from "../../../src/domain/services.ts";
import type { Logger } from "../../../src/log.ts";
import type { MailIn } from "../../../src/domain/conversations/inboxBatch.ts";
import { groupCommit } from "./groupCommit.ts";
import { parseMail } from "./parse.ts";

/** What a listener accepts in one message (RFC 5321 SIZE); more gets 552. */
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

export interface InboundListener {
  port: number;
  close(): Promise<void>;
}

export async function startInboundSmtp(opts: {
  services: Pick<Services, "inbox">;
  logger: Logger;
  port: number;
  host: string;
  maxBytes?: number;
}): Promise<InboundListener> {
  const { services, logger } = opts;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const log = logger.child({ component: "inbound-smtp" });
  type Target = NonNullable<Awaited<ReturnType<Services["inbox"]["recipient"]>>>;
  /** the workspaces RCPT found, for this connection's DATA (no second lookup) */
  const targets = new WeakMap<SMTPServerSession, Map<string, Target>>();
  const store = groupCommit((items: MailIn[]) =>
    services.inbox.receiveMany(items, (e, mails) =>
      log.warn({ err: e.message, mails }, "inbound batch not committed together; storing its mails one at a time"),
    ),
  );
  const server = new SMTPServer({
    name: services.inbox.domain,
    banner: "CRM inbound mail",
    size: maxBytes,
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    async onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      try {
        const target = await services.inbox.recipient(address.address);
        if (target) targets.set(session, (targets.get(session) ?? new Map<string, Target>()).set(address.address, target));
        callback(target ? null : smtpError(550, `5.1.1 <${address.address.slice(0, 200)}>: no such mailbox here`));
      } catch (e) {
        log.warn({ err: (e as Error).message }, "could not look up a recipient");
        callback(smtpError(451, "4.3.0 Try again later"));
      }
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => {
        if (!stream.sizeExceeded) chunks.push(c);
      });
      stream.on("end", () => {
        if (stream.sizeExceeded) {
          callback(smtpError(552, `5.3.4 Message too big: at most ${maxBytes} bytes`));
          return;
        }
        void accept(Buffer.concat(chunks), session).then(
          () => callback(),
          (e: Error) => {
            log.error({ err: e.message }, "inbound mail not stored; the sender was told to try again");
            callback(smtpError(451, "4.3.0 Could not store the message; try again later"));
          },
        );
      });
    },
  });

  /** Every recipient's copy committed, or a throw (and 451). */
  async function accept(raw: Buffer, session: SMTPServerSession): Promise<void> {
    const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
    const mail = await parseMail(raw, envelopeFrom);
    const known = targets.get(session);
    for (const rcpt of session.envelope.rcptTo) {
      const target = known?.get(rcpt.address) ?? (await services.inbox.recipient(rcpt.address));
      if (!target) continue; // refused at RCPT already
      const r = await store({ workspaceId: target.workspaceId, target, mail });
      if ("error" in r) throw r.error;
      log.info({ workspaceId: target.workspaceId, outcome: r.outcome, ...("ticket" in r ? { ticket: r.ticket } : {}) }, "inbound mail");
    }
  }

  server.on("error", (e) => log.warn({ err: e.message }, "smtp listener error"));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  log.info({ port }, "inbound SMTP listening");
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}
