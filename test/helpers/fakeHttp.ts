// A recorder for fake HTTP APIs (Slack Web API, Discord REST, response_url…): records every request
// and answers with a per-route handler, so tests can assert what the bot sent and simulate 429s.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: unknown;
  at: number;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}
export type FakeHandler = (req: RecordedRequest) => FakeReply | Promise<FakeReply>;

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  on(method: string, path: string | RegExp, handler: FakeHandler): void;
  calls(path: string | RegExp): RecordedRequest[];
  waitFor(path: string | RegExp, count?: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

function parseBody(raw: string, type = ""): unknown {
  if (!raw) return undefined;
  if (type.includes("json")) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  if (type.includes("x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(raw));
  return raw;
}

const matches = (p: string | RegExp, path: string) => (typeof p === "string" ? p === path : p.test(path));

export async function startFakeServer(fallback: FakeHandler = () => ({ status: 404, body: { error: "no handler" } })): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const routes: { method: string; path: string | RegExp; handler: FakeHandler }[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const u = new URL(req.url ?? "/", "http://fake");
    const rec: RecordedRequest = {
      method: req.method ?? "GET",
      path: u.pathname,
      query: u.searchParams,
      headers: req.headers,
      raw,
      body: parseBody(raw, req.headers["content-type"]),
      at: Date.now(),
    };
    requests.push(rec);
    const route = [...routes].reverse().find((r) => (r.method === "*" || r.method === rec.method) && matches(r.path, rec.path));
    let reply: FakeReply;
    try {
      reply = await (route?.handler ?? fallback)(rec);
    } catch (e) {
      reply = { status: 500, body: { error: String(e) } };
    }
    const status = reply.status ?? 200;
    const headers = { ...(reply.headers ?? {}) };
    if (reply.body === undefined || status === 204) {
      res.writeHead(status, headers).end();
      return;
    }
    const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    if (!headers["content-type"]) headers["content-type"] = typeof reply.body === "string" ? "text/plain" : "application/json";
    res.writeHead(status, headers).end(text);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(method, path, handler) {
      routes.push({ method, path, handler });
    },
    calls(path) {
      return requests.filter((r) => matches(path, r.path));
    },
    async waitFor(path, count = 1, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = requests.filter((r) => matches(path, r.path));
        if (found.length >= count) return found;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(
        `fake server: expected ${count} call(s) to ${path}, saw ${requests.filter((r) => matches(path, r.path)).length}: ${requests.map((r) => r.path).join(", ")}`,
      );
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
