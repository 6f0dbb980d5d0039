// A pool of SMTP connections for the campaign sender. Each send is one SMTP transaction of an already
// composed message. The connections are nodemailer's SMTPConnection (connect, TLS, login); on relays
// that offer PIPELINING each one carries a queue of messages pipelined across transactions
// (smtpSession.ts), so the pool hands a message to the least loaded connection, opening another while
// it has fewer than maxConnections. nodemailer's pooled transport (createTransport({ pool: true })) first
// runs every message through its Mailer (plugins, a MIME tree for even a raw text, a stream pipeline, two
// random Message-IDs it throws away) and sends one message per connection at a time: several times the
// CPU per message, and the campaign worker is bound by CPU (bench/README.md, "bench/campaign.ts").
//
// Never resends what may have reached the relay: a message is only moved to another connection when
// none of it was written (at most once), and every error goes to the caller, who decides (see
// classifySmtpError) whether the message may have been delivered.
import net from "node:net";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { parseConnectionUrl } from "nodemailer/lib/shared";
import { SmtpNotSentError, SmtpSession, type Tx } from "./smtpSession.ts";

export interface SmtpPoolOptions {
  maxConnections: number;
  /** messages queued on one pipelining connection before the next connection is used */
  pipelineDepth: number;
  /** messages per connection before it is closed and replaced (as nodemailer's maxMessages) */
  maxMessages: number;
  connectionTimeoutMs: number;
  greetingTimeoutMs: number;
  socketTimeoutMs: number;
  /** an idle connection is closed after this long (relays drop idle clients themselves, often at 5 min) */
  idleTimeoutMs?: number;
}

/**
 * A TCP socket that sends what is written to it during one turn of the event loop as one segment: the
 * first write corks it, a setImmediate uncorks it. nodemailer writes a message as two writes from a stream
 * pipe, the text and then the closing ".": uncorked, two syscalls and two packets, and the relay wakes up
 * twice; a loopback write costs about as much CPU as all of nodemailer's own work on a message. This
 * matters for relays without PIPELINING, sent through nodemailer; the pipelined path writes once per step.
 * Handed to SMTPConnection as its `socket` option, so nodemailer still resolves, connects, times out and upgrades to TLS as usual. The
 * write is wrapped once connected because net.Socket#connect puts the stock write back on the instance.
 */
export class CoalescingSocket extends net.Socket {
  constructor() {
    super();
    this.once("connect", () => {
      let corked = false;
      const flush = () => {
        corked = false;
        this.uncork();
      };
      const write = this.write;
      this.write = ((...args: unknown[]) => {
        if (!corked) {
          corked = true;
          this.cork();
          setImmediate(flush);
        }
        return (write as (...a: unknown[]) => boolean).apply(this, args);
      }) as net.Socket["write"];
    });
  }
}

export class SmtpPool {
  private sessions = new Set<SmtpSession>();
  private readonly connOptions: SMTPConnection.Options;
  private readonly auth?: { user: string; pass: string };
  private closing = false;

  constructor(
    url: string,
    private readonly opts: SmtpPoolOptions,
  ) {
    const { auth, ...fromUrl } = parseConnectionUrl(url) as SMTPConnection.Options & { auth?: { user: string; pass: string } };
    this.auth = auth?.user || auth?.pass ? auth : undefined;
    this.connOptions = {
      ...fromUrl,
      connectionTimeout: opts.connectionTimeoutMs,
      greetingTimeout: opts.greetingTimeoutMs,
      socketTimeout: opts.socketTimeoutMs,
      logger: false,
    };
  }

  /** A connected, logged-in SMTPConnection; rejects with nodemailer's error. */
  private open(): Promise<SMTPConnection> {
    return new Promise((resolve, reject) => {
      const smtp = new SMTPConnection({ ...this.connOptions, socket: new CoalescingSocket() });
      let settled = false;
      const fail = (e: unknown) => {
        if (!settled) {
          settled = true;
          smtp.close();
          reject(e);
        }
      };
      smtp.on("error", fail);
      smtp.once("end", () =>
        fail(Object.assign(new Error("Connection closed before the SMTP greeting finished"), { code: "ECONNECTION" })),
      );
      smtp.connect((err) => {
        if (err) return fail(err);
        const done = () => {
          settled = true;
          smtp.removeListener("error", fail);
          resolve(smtp);
        };
        if (!this.auth) return done();
        smtp.login({ user: this.auth.user, pass: this.auth.pass }, (e) => (e ? fail(e) : done()));
      });
    });
  }

  /**
   * Where the next message goes: the busiest connection that still has room (pipelineDepth messages on a
   * pipelining connection, one otherwise), so queues are deep enough for each write to carry a message's
   * text and the next one's envelope; then a new connection while there are fewer than maxConnections;
   * then the least loaded.
   */
  private pick(): SmtpSession {
    let fill: SmtpSession | undefined;
    let least: SmtpSession | undefined;
    for (const s of this.sessions) {
      if (s.dead || s.assigned >= this.opts.maxMessages) continue;
      const room = s.opened && !s.pipelined ? 1 : this.opts.pipelineDepth;
      if (s.load < room && (!fill || s.load > fill.load)) fill = s;
      if (!least || s.load < least.load) least = s;
    }
    if (fill) return fill;
    if (least && this.sessions.size >= this.opts.maxConnections) return least;
    const fresh = new SmtpSession(
      () => this.open(),
      this.opts.idleTimeoutMs ?? 30_000,
      (s, unsent) => this.retired(s, unsent),
    );
    this.sessions.add(fresh);
    return fresh;
  }

  private retired(s: SmtpSession, unsent: Tx[]): void {
    this.sessions.delete(s);
    // never written on that connection: safe to give to another one, once
    for (const tx of unsent) {
      if (tx.moved > 1 || this.closing) tx.reject(new SmtpNotSentError("the SMTP connection ended before the message was sent"));
      else this.pick().take(tx);
    }
  }

  /** One transaction: envelope, then the raw RFC 5322 text. Rejects with the relay's reply or the connection's error. */
  async send(envelope: { from: string; to: string[] }, raw: string): Promise<void> {
    if (this.closing) throw new SmtpNotSentError("the SMTP pool is closed");
    const s = this.pick();
    const p = s.send(envelope, raw);
    // used up: no new messages, and QUIT once the queued ones are done
    if (s.assigned >= this.opts.maxMessages) void s.quit();
    return p;
  }

  /** Waits for the messages in flight, then QUITs every connection. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.sessions].map((s) => s.quit()));
  }
}
