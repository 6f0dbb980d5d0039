// A real SMTP server (the smtp-server package) on a random port that keeps every message it accepts,
// for the campaign tests. Not a test file itself (no .test.ts).
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface SunkMessage {
  from: string;
  to: string[];
  raw: string;
  headers: Map<string, string>;
  body: string;
  at: number;
}

export interface SmtpSink {
  url: string;
  port: number;
  messages: SunkMessage[];
  /** messages per recipient address */
  countTo(address: string): number;
  waitFor(n: number, timeoutMs?: number): Promise<SunkMessage[]>;
  close(): Promise<void>;
}

/** Unfolded headers (lower-case names) and the decoded text body (quoted-printable or 7bit). */
export function parseMessage(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  let body = raw.slice(split + 4);
  const enc = headers.get("content-transfer-encoding")?.toLowerCase();
  if (enc === "quoted-printable") {
    body = Buffer.from(
      body.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, h) => String.fromCharCode(parseInt(h, 16))),
      "latin1",
    ).toString("utf8");
  } else if (enc === "base64") {
    body = Buffer.from(body, "base64").toString("utf8");
  }
  return { headers, body: body.replace(/\r\n/g, "\n") };
}

export async function startSmtpSink(opts: { reject?: (to: string) => { code: number; message: string } | null } = {}): Promise<SmtpSink> {
  const messages: SunkMessage[] = [];
  const perRecipient = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    size: 1024 * 1024,
    closeTimeout: 500,
    onRcptTo(address, _session, cb) {
      const r = opts.reject?.(address.address);
      if (r) {
        const e = new Error(r.message) as Error & { responseCode: number };
        e.responseCode = r.code;
        return cb(e);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to,
          raw,
          ...parseMessage(raw),
          at: Date.now(),
        });
        for (const t of to) perRecipient.set(t, (perRecipient.get(t) ?? 0) + 1);
        cb();
      });
    },
  });
  server.on("error", () => {
    /* a client that drops mid-message (killed worker) is expected */
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  return {
    url: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
    port,
    messages,
    countTo: (a) => perRecipient.get(a.toLowerCase()) ?? 0,
    async waitFor(n, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      while (messages.length < n) {
        if (Date.now() > end) throw new Error(`smtp sink: expected ${n} messages, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return messages;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
