// A pool of nodemailer SMTP connections (nodemailer's SMTPConnection, pooled by tarn). Each send is one
// SMTP transaction of an already composed message on an idle connection. nodemailer's own pooled
// transport (createTransport({ pool: true })) does the same but first runs every message through its
// Mailer: plugins, a MIME tree for even a raw text, a stream pipeline per message, two random
// Message-IDs it throws away. Measured here: ~200 µs of CPU per message through sendMail against ~100 µs
// this way (bench/README.md, "bench/campaign.ts"), and the campaign worker is bound by that CPU.
//
// Never resends: a connection that failed in any way is dropped, and the error goes to the caller, who
// decides (see classifySmtpError) whether the message may have been delivered.
import net from "node:net";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { parseConnectionUrl } from "nodemailer/lib/shared";
import { Pool, TimeoutError } from "tarn";

export interface SmtpPoolOptions {
  maxConnections: number;
  /** messages per connection before it is closed and replaced (as nodemailer's maxMessages) */
  maxMessages: number;
  connectionTimeoutMs: number;
  greetingTimeoutMs: number;
  socketTimeoutMs: number;
  /** an idle connection is closed after this long (relays drop idle clients themselves, often at 5 min) */
  idleTimeoutMs?: number;
}

interface Conn { smtp: SMTPConnection; sent: number; dead: boolean }

/**
 * A TCP socket that sends what is written to it during one turn of the event loop as one segment: the
 * first write corks it, a setImmediate uncorks it. nodemailer writes a message as two writes from a stream
 * pipe, the text and then the closing ".": uncorked, two syscalls and two packets, and the relay wakes up
 * twice; a loopback write costs about as much CPU as all of nodemailer's own work on a message. Handed to SMTPConnection as its
 * `socket` option, so nodemailer still resolves, connects, times out and upgrades to TLS as usual. The
 * write is wrapped once connected because net.Socket#connect puts the stock write back on the instance.
 */
export class CoalescingSocket extends net.Socket {
  constructor() {
    super();
    this.once("connect", () => {
      let corked = false;
      const flush = () => { corked = false; this.uncork(); };
      const write = this.write;
      this.write = ((...args: unknown[]) => {
        if (!corked) { corked = true; this.cork(); setImmediate(flush); }
        return (write as (...a: unknown[]) => boolean).apply(this, args);
      }) as net.Socket["write"];
    });
  }
}

/**
 * No connection could be had (refused, TLS or login failed, or none became free in time): nothing was
 * sent, so the caller may retry. The original error is the cause, its code is kept in originalCode.
 */
export class SmtpNotSentError extends Error {
  override name = "SmtpNotSentError";
  code = "ENOTSENT";
  originalCode?: string;
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.originalCode = (cause as { code?: string } | undefined)?.code;
  }
}

export class SmtpPool {
  private pool: Pool<Conn>;
  private readonly connOptions: SMTPConnection.Options;
  private readonly auth?: { user: string; pass: string };

  constructor(url: string, private readonly opts: SmtpPoolOptions) {
    const { auth, ...fromUrl } = parseConnectionUrl(url) as SMTPConnection.Options & { auth?: { user: string; pass: string } };
    this.auth = auth?.user || auth?.pass ? auth : undefined;
    this.connOptions = {
      ...fromUrl,
      connectionTimeout: opts.connectionTimeoutMs,
      greetingTimeout: opts.greetingTimeoutMs,
      socketTimeout: opts.socketTimeoutMs,
      logger: false,
    };
    this.pool = new Pool<Conn>({
      create: () => this.open(),
      destroy: (c) => { c.dead = true; c.smtp.quit(); },
      validate: (c) => !c.dead && c.sent < opts.maxMessages,
      min: 0,
      max: opts.maxConnections,
      // a send waits for a free connection at most as long as a send may take, then counts as not sent
      acquireTimeoutMillis: opts.connectionTimeoutMs + opts.socketTimeoutMs,
      idleTimeoutMillis: opts.idleTimeoutMs ?? 30_000,
      // a refused connection fails the waiting send at once (with its error) instead of timing out
      propagateCreateError: true,
    });
  }

  private open(): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const smtp = new SMTPConnection({ ...this.connOptions, socket: new CoalescingSocket() });
      const conn: Conn = { smtp, sent: 0, dead: false };
      let settled = false;
      const fail = (e: unknown) => { conn.dead = true; if (!settled) { settled = true; smtp.close(); reject(e); } };
      // after connecting, errors also reach the send callback; the listener only marks the connection
      // dead (an idle connection the relay closed, a timeout), so it is never handed out again
      smtp.on("error", fail);
      smtp.once("end", () => fail(Object.assign(new Error("Connection closed before the SMTP greeting finished"), { code: "ECONNECTION" })));
      smtp.connect((err) => {
        if (err) return fail(err);
        if (!this.auth) { settled = true; return resolve(conn); }
        smtp.login({ user: this.auth.user, pass: this.auth.pass }, (e) => {
          if (e) return fail(e);
          settled = true;
          resolve(conn);
        });
      });
    });
  }

  /** One transaction: envelope, then the raw RFC 5322 text. Rejects with nodemailer's error. */
  async send(envelope: { from: string; to: string[] }, raw: string): Promise<void> {
    let conn: Conn;
    try {
      conn = await this.pool.acquire().promise;
    } catch (e) {
      throw e instanceof TimeoutError
        ? new SmtpNotSentError("no SMTP connection became free in time", e)
        : new SmtpNotSentError((e as Error)?.message ?? String(e), e);
    }
    try {
      await new Promise<void>((resolve, reject) => conn.smtp.send(envelope, raw, (e) => (e ? reject(e) : resolve())));
      conn.sent++;
    } catch (e) {
      // its state after an error is not worth trusting: a new connection takes its place
      conn.dead = true;
      throw e;
    } finally {
      // a dead or used-up connection fails validation at its next acquire and is destroyed there
      this.pool.release(conn);
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
