// Do PostgreSQL and Redis answer where the tests connect (test/setup/global.ts: TEST_PG_ADMIN_URL,
// TEST_REDIS_URL)? Run by requirements.sh with plain node (no tsx: it must take milliseconds). Prints one
// tab-separated line per service that does not: `postgres|redis <TAB> down|refused <TAB> host <TAB> port <TAB> why`
// ("down": nothing answers at host:port; "refused": a server answers but the login or PING fails). Silent when both answer.
import pg from "pg";
import { Redis } from "ioredis";

const PG_URL = process.env.TEST_PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const TIMEOUT_MS = 2000;
// the connection itself failed (nothing listening, no route, no such host) rather than the server saying no
const UNREACHABLE = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/** host and port of a URL, the port defaulted; brackets kept off an IPv6 host */
function where(url, defaultPort) {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port: u.port || String(defaultPort) };
}

function state(e) {
  const code = e?.code ?? e?.errors?.[0]?.code;
  if (UNREACHABLE.has(code) || /timeout|timed out/i.test(e?.message ?? "")) return "down";
  return "refused";
}

async function postgres() {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: TIMEOUT_MS });
  c.on("error", () => {});
  try {
    await c.connect();
    await c.query("SELECT 1");
    return null;
  } catch (e) {
    // pg's words for a server that wants a password (Debian's default for TCP) when the URL has none
    const noPassword = /password must be a string/.test(e?.message ?? "");
    return { state: state(e), why: noPassword ? "it asks for a password, the URL has none" : e?.message || e?.code || String(e) };
  } finally {
    await c.end().catch(() => {});
  }
}

async function redis() {
  const r = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let cause; // with retries off, connect() rejects with "Connection is closed."; the socket's own error says why
  r.on("error", (e) => (cause ??= e));
  try {
    await r.connect();
    await r.ping();
    return null;
  } catch (e) {
    const err = cause ?? e;
    return { state: state(err), why: err?.message || err?.code || String(err) };
  } finally {
    r.disconnect();
  }
}

const [p, r] = await Promise.all([postgres(), redis()]);
const line = (name, url, port, f) => {
  const w = where(url, port);
  return [name, f.state, w.host, w.port, f.why.replace(/\s+/g, " ").replace(/\.$/, "")].join("\t");
};
const out = [];
if (p) out.push(line("postgres", PG_URL, 5432, p));
if (r) out.push(line("redis", REDIS_URL, 6379, r));
// exit once written: a refused ioredis connection leaves its connect timer running for TIMEOUT_MS
process.stdout.write(out.length ? out.join("\n") + "\n" : "", () => process.exit(0));
