// One SMTP connection of the pool (smtpPool.ts), carrying any number of queued messages.
//
// nodemailer's SMTPConnection sets the session up: DNS, connect, greeting, EHLO, STARTTLS, login. What no
// npm SMTP client does is pipeline *across* messages (RFC 2920): a message's text, its closing dot and the
// next message's MAIL/RCPT/DATA are one group, so once the queue is full each message costs one write and
// one reply packet each way instead of two. nodemailer waits for a message's last reply before it starts
// the next. So when the relay offers PIPELINING, the transactions are driven here, on the socket nodemailer
// opened (its `_socket`, its extensions list; both checked, and any doubt falls back to nodemailer's own
// send, one message at a time). DATA is always the last command of a group: its 354 is awaited before the
// text, as the RFC requires, so at most one message per connection is between DATA and its 354.
//
// Failure rules, which the campaign's exactly-once ledger relies on:
// - a 4xx/5xx reply rejects that message only (the error carries responseCode); the session goes on (RSET);
// - a message whose text was never written cannot have been delivered: SmtpNotSentError;
// - a message whose text was written but not answered may have been delivered: a plain error (ECONNECTION);
// - anything unexpected on the wire (a reply nobody waits for, 421, a broken or timed-out socket) ends the
//   session and fails every message on it by the two rules above.
import type net from "node:net";
import SMTPConnection from "nodemailer/lib/smtp-connection";

export interface Envelope {
  from: string;
  to: string[];
}

/**
 * Nothing of the message reached the relay (no connection, or the connection ended before its text was
 * written), so it may be sent again. The original error is the cause, its code is kept in originalCode.
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

type Reply = (code: number, text: string) => void;

/** The parts of SMTPConnection this file relies on that its typings leave out. */
type Internals = { _socket?: net.Socket | false | null; _onSocketData?: (chunk: Buffer) => void; _supportedExtensions?: string[] };

const MAX_REPLY_BUFFER = 64 * 1024;
const NON_ASCII = /[\x80-\uFFFF]/;
const BAD_ADDRESS = /[\r\n<>]/;

function rejection(code: number, text: string, command: string): Error {
  return Object.assign(new Error(`${command} rejected: ${code} ${text}`), {
    code: command === "DATA" ? "EMESSAGE" : "EENVELOPE",
    response: `${code} ${text}`,
    responseCode: code,
    command,
  });
}

/** RFC 5321 §4.5.2: a line of the text that starts with "." gets another; the text ends with CRLF "." CRLF. */
function dataBlock(raw: string): string {
  let s = /\r(?!\n)|(?<!\r)\n/.test(raw) ? raw.replace(/\r\n|\r|\n/g, "\r\n") : raw;
  if (s.startsWith(".") || s.includes("\n.")) s = s.replace(/(^|\n)\./g, "$1..");
  return s.endsWith("\r\n") || s === "" ? `${s}.\r\n` : `${s}\r\n.\r\n`;
}

export interface Tx {
  envelope: Envelope;
  raw: string;
  resolve(): void;
  reject(e: unknown): void;
  textSent: boolean;
  settled: boolean;
  error?: Error;
  accepted: number;
  moved: number;
}

export class SmtpSession {
  /** messages handed to this session that have not settled */
  load = 0;
  /** messages ever handed to this session (the pool retires it at maxMessages) */
  assigned = 0;
  dead = false;
  pipelined = false;
  /** connected: `pipelined` is known */
  opened = false;
  private smtp?: SMTPConnection;
  private socket?: net.Socket;
  private smtp8 = false;
  private queue: Tx[] = [];
  private inPipe: Tx[] = [];
  private replies: Reply[] = [];
  private awaitingData = false;
  private needRset = false;
  private buf = "";
  private multiline = "";
  private busy = false; // nodemailer mode: a send in progress
  private idle: (() => void)[] = [];
  private idleTimer?: NodeJS.Timeout;

  /**
   * open: a connected (and logged-in) SMTPConnection. onDead gets the messages that never reached the
   * wire, which the pool may hand to another session; a session that could not connect gets none back.
   */
  constructor(
    open: () => Promise<SMTPConnection>,
    private readonly idleMs: number,
    private readonly onDead: (s: SmtpSession, unsent: Tx[]) => void,
  ) {
    open().then(
      (smtp) => this.ready(smtp),
      (e: unknown) => {
        const err = e as Error;
        if (this.dead) return;
        this.dead = true;
        for (const tx of this.queue.splice(0)) this.settle(tx, new SmtpNotSentError(err?.message ?? String(e), e));
        this.onDead(this, []);
      },
    );
  }

  private ready(smtp: SMTPConnection): void {
    // closed (pool.close()) while it was connecting
    if (this.dead) return void smtp.close();
    this.smtp = smtp;
    this.opened = true;
    const inner = smtp as unknown as Internals;
    const ext = inner._supportedExtensions;
    const socket = inner._socket || undefined;
    this.pipelined = Array.isArray(ext) && ext.includes("PIPELINING") && !!socket && typeof inner._onSocketData === "function";
    this.smtp8 = Array.isArray(ext) && ext.includes("SMTPUTF8");
    const closed = () => this.fail(Object.assign(new Error("the SMTP connection closed"), { code: "ECONNECTION" }));
    // nodemailer reports a timeout, a socket error or the end of the connection on its own object
    smtp.on("error", (e: Error) => this.fail(e));
    smtp.once("end", closed);
    if (this.pipelined && socket) {
      this.socket = socket;
      // from here on the replies are read here; nodemailer keeps its timeout, error and close handling
      socket.removeListener("data", inner._onSocketData!);
      socket.on("data", (chunk: Buffer) => this.onData(chunk));
      socket.once("close", closed);
      const first = this.queue.shift();
      if (first) this.write(this.envelopeOf(first));
    } else {
      this.pumpNodemailer();
    }
    this.armIdle();
  }

  /** One transaction on this session; settles with its reply (see the failure rules above). */
  send(envelope: Envelope, raw: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const bad = [envelope.from, ...envelope.to].find((a) => BAD_ADDRESS.test(a));
      if (bad !== undefined || !envelope.to.length) {
        return reject(Object.assign(new Error(`invalid envelope address ${JSON.stringify(bad ?? "")}`), { code: "EENVELOPE" }));
      }
      this.take({ envelope, raw, resolve, reject, textSent: false, settled: false, accepted: 0, moved: 0 });
    });
  }

  /** A message for this session: written at once when the wire is free, queued otherwise. */
  take(tx: Tx): void {
    if (this.dead) return tx.reject(new SmtpNotSentError("the SMTP connection had closed"));
    this.load++;
    this.assigned++;
    clearTimeout(this.idleTimer);
    if (!this.smtp) {
      this.queue.push(tx);
      return;
    }
    if (!this.pipelined) {
      this.queue.push(tx);
      return this.pumpNodemailer();
    }
    if (this.awaitingData) this.queue.push(tx);
    else this.write(this.envelopeOf(tx));
  }

  /** Resolves when no message is pending on this session. */
  drained(): Promise<void> {
    return this.load === 0 || this.dead ? Promise.resolve() : new Promise((r) => this.idle.push(r));
  }

  /** QUIT once drained; the connection is gone when this resolves. */
  async quit(): Promise<void> {
    await this.drained();
    if (this.dead) return;
    this.dead = true;
    clearTimeout(this.idleTimer);
    if (this.socket) {
      const socket = this.socket;
      const done = new Promise<void>((r) => {
        socket.once("close", () => r());
        setTimeout(r, 1000).unref();
      });
      socket.end("QUIT\r\n");
      await done;
      this.smtp?.close();
    } else {
      this.smtp?.quit();
    }
    this.onDead(this, []);
  }

  /** An idle session is closed after idleMs (relays drop idle clients themselves, often at 5 min). */
  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.load === 0 && !this.dead)
      this.idleTimer = setTimeout(() => {
        if (this.load === 0) void this.quit();
      }, this.idleMs).unref();
  }

  /** MAIL, RCPT and DATA for one message (after an RSET if the previous transaction failed half way). */
  private envelopeOf(tx: Tx): string {
    this.inPipe.push(tx);
    let out = "";
    if (this.needRset) {
      this.needRset = false;
      out += "RSET\r\n";
      this.replies.push((code, text) => {
        if (code >= 400) this.fail(rejection(code, text, "RSET"));
      });
    }
    const { from, to } = tx.envelope;
    const utf8 = this.smtp8 && [from, ...to].some((a) => NON_ASCII.test(a));
    out += `MAIL FROM:<${from}>${utf8 ? " SMTPUTF8" : ""}\r\n`;
    this.replies.push((code, text) => {
      if (code >= 400) tx.error ??= rejection(code, text, "MAIL FROM");
    });
    for (const rcpt of to) {
      out += `RCPT TO:<${rcpt}>\r\n`;
      // as nodemailer: the message goes to the recipients that were accepted; it fails if none was
      this.replies.push((code, text) => {
        if (code >= 400) tx.error ??= rejection(code, text, "RCPT TO");
        else tx.accepted++;
      });
    }
    out += "DATA\r\n";
    this.awaitingData = true;
    this.replies.push((code, text) => this.onDataReply(tx, code, text));
    return out;
  }

  private onDataReply(tx: Tx, code: number, text: string): void {
    this.awaitingData = false;
    let out = "";
    if (code === 354 && tx.accepted > 0) {
      out = dataBlock(tx.raw);
      tx.textSent = true;
      this.replies.push((c, t) => {
        this.inPipe.shift();
        if (c >= 400) this.settle(tx, rejection(c, t, "DATA"));
        else this.settle(tx);
      });
    } else {
      this.inPipe.shift();
      if (code === 354) {
        // DATA went through although the envelope did not: end an empty text, nothing is delivered
        out = ".\r\n";
        this.replies.push(() => undefined);
      }
      this.needRset = true;
      this.settle(tx, tx.error ?? (code >= 400 ? rejection(code, text, "DATA") : rejection(554, "no valid recipients", "RCPT TO")));
    }
    const next = this.queue.shift();
    if (next) out += this.envelopeOf(next);
    if (out) this.write(out);
  }

  private onData(chunk: Buffer): void {
    this.buf += chunk.toString("utf8");
    let nl: number;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.charCodeAt(nl - 1) === 13 ? this.buf.slice(0, nl - 1) : this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      const code = Number(line.slice(0, 3));
      if (!(code >= 200 && code < 600))
        return this.fail(Object.assign(new Error(`unexpected reply from the SMTP server: ${line.slice(0, 100)}`), { code: "EPROTOCOL" }));
      if (line.charCodeAt(3) === 45 /* "-" */) {
        this.multiline += `${line.slice(4)}\n`;
        continue;
      }
      const text = this.multiline + line.slice(4);
      this.multiline = "";
      // 421: the server is closing the session; the replies still expected will not come
      if (code === 421) return this.fail(Object.assign(rejection(code, text, "CONN"), { code: "ECONNECTION" }));
      const handler = this.replies.shift();
      if (!handler)
        return this.fail(Object.assign(new Error(`a reply no command waited for: ${code} ${text.slice(0, 100)}`), { code: "EPROTOCOL" }));
      handler(code, text);
      if (this.dead) return;
    }
    if (this.buf.length > MAX_REPLY_BUFFER) this.fail(Object.assign(new Error("SMTP reply too long"), { code: "EPROTOCOL" }));
  }

  private write(out: string): void {
    if (!this.dead) this.socket!.write(out);
  }

  /** nodemailer's own transaction, one at a time, for relays without PIPELINING. */
  private pumpNodemailer(): void {
    if (this.busy || this.dead) return;
    const tx = this.queue.shift();
    if (!tx) return;
    this.busy = true;
    this.inPipe.push(tx);
    // nodemailer writes the text right after the DATA reply: from here on it may be delivered
    tx.textSent = true;
    this.smtp!.send(tx.envelope, tx.raw, (e) => {
      this.busy = false;
      this.inPipe.shift();
      if (e) {
        // its state after an error is not worth trusting: the session ends, the pool opens another
        this.settle(tx, e);
        this.fail(Object.assign(new Error("SMTP connection retired after an error"), { code: "ECONNECTION" }));
      } else {
        this.settle(tx);
        this.pumpNodemailer();
      }
    });
  }

  private settle(tx: Tx, e?: unknown): void {
    if (tx.settled) return;
    tx.settled = true;
    this.load--;
    if (e) tx.reject(e);
    else tx.resolve();
    if (this.load === 0) {
      for (const r of this.idle.splice(0)) r();
      this.armIdle();
    }
  }

  /**
   * Ends the session. Text written → may have been delivered; envelope written, text not → not sent; never
   * written → handed back to the pool, which may give it to another session.
   */
  fail(e: Error): void {
    if (this.dead && !this.inPipe.length && !this.queue.length) return;
    this.dead = true;
    clearTimeout(this.idleTimer);
    for (const tx of this.inPipe.splice(0)) {
      this.settle(
        tx,
        tx.textSent
          ? Object.assign(new Error(`the SMTP connection ended before the relay confirmed the message: ${e.message}`), {
              code: "ECONNECTION",
              cause: e,
            })
          : new SmtpNotSentError(`the SMTP connection ended before the message was sent: ${e.message}`, e),
      );
    }
    const unsent = this.queue.splice(0);
    for (const tx of unsent) {
      this.load--;
      tx.moved++;
    }
    for (const r of this.idle.splice(0)) r();
    this.replies = [];
    this.smtp?.close();
    this.onDead(this, unsent);
  }
}
