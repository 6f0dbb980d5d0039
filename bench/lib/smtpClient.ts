// A bare SMTP client for benches: one connection, one transaction at a time (EHLO, then MAIL, RCPT, DATA
// each awaited, as nodemailer does without pipelining). It writes a message's text and its closing "."
// in one write and times from that write to the server's reply, so a bench can tell "DATA end → 250"
// apart from the envelope's round trips. Not for production mail: no TLS, no AUTH, no retries.
import net from "node:net";
import { performance } from "node:perf_hooks";

export interface SmtpReply {
  code: number;
  text: string;
}

export interface SentMessage {
  /** the final reply to the message (250 accepted), or the first refusal of its envelope */
  code: number;
  text: string;
  /** from writing the text and its "." line to the reply; NaN when the envelope was refused */
  dataMs: number;
  /** from MAIL FROM to the final reply */
  totalMs: number;
}

export class RawSmtpConnection {
  private buf = "";
  private lines: string[] = [];
  private waiting: ((r: SmtpReply) => void) | undefined;
  private failed: Error | undefined;

  private constructor(private sock: net.Socket) {
    sock.setNoDelay(true);
    sock.setEncoding("latin1");
    sock.on("data", (chunk: string) => this.onData(chunk));
    sock.on("error", (e) => this.fail(e));
    sock.on("close", () => this.fail(new Error("connection closed")));
  }

  static async open(port: number, host = "127.0.0.1", name = "bench-client.example"): Promise<RawSmtpConnection> {
    const sock = net.connect(port, host);
    await new Promise<void>((resolve, reject) => {
      sock.once("connect", resolve);
      sock.once("error", reject);
    });
    const c = new RawSmtpConnection(sock);
    const greeting = await c.next();
    if (greeting.code !== 220) throw new Error(`greeting ${greeting.code} ${greeting.text}`);
    const ehlo = await c.command(`EHLO ${name}`);
    if (ehlo.code !== 250) throw new Error(`EHLO answered ${ehlo.code} ${ehlo.text}`);
    return c;
  }

  private onData(chunk: string) {
    this.buf += chunk;
    for (let nl = this.buf.indexOf("\r\n"); nl >= 0; nl = this.buf.indexOf("\r\n")) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 2);
      this.lines.push(line);
      // "250-…" continues a reply, "250 …" ends it
      if (line.length < 4 || line[3] !== "-") {
        const reply = { code: Number(line.slice(0, 3)), text: this.lines.map((l) => l.slice(4)).join("\n") };
        this.lines = [];
        const w = this.waiting;
        this.waiting = undefined;
        w?.(reply);
      }
    }
  }

  private fail(e: Error) {
    this.failed ??= e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.({ code: 0, text: e.message });
  }

  private next(): Promise<SmtpReply> {
    if (this.failed) return Promise.resolve({ code: 0, text: this.failed.message });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  private command(line: string): Promise<SmtpReply> {
    const reply = this.next();
    this.sock.write(`${line}\r\n`);
    return reply;
  }

  /** One transaction. `message` is the RFC 5322 text with CRLF line ends; it is dot-stuffed here. */
  async send(from: string, to: string, message: string): Promise<SentMessage> {
    const t0 = performance.now();
    const refused = async (r: SmtpReply): Promise<SentMessage> => {
      if (r.code) await this.command("RSET");
      return { ...r, dataMs: NaN, totalMs: performance.now() - t0 };
    };
    const mail = await this.command(`MAIL FROM:<${from}>`);
    if (mail.code !== 250) return refused(mail);
    const rcpt = await this.command(`RCPT TO:<${to}>`);
    if (rcpt.code !== 250) return refused(rcpt);
    const data = await this.command("DATA");
    if (data.code !== 354) return refused(data);
    const reply = this.next();
    const text = message.replace(/(^|\r\n)\./g, "$1..");
    const tData = performance.now();
    this.sock.write(`${text}${text.endsWith("\r\n") ? "" : "\r\n"}.\r\n`);
    const end = await reply;
    const t1 = performance.now();
    return { ...end, dataMs: t1 - tData, totalMs: t1 - t0 };
  }

  async quit(): Promise<void> {
    if (!this.failed) await this.command("QUIT");
    this.sock.destroy();
  }
}
