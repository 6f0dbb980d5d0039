// Who may reach the web console and its record links, over plain HTTP. Without ADMIN_TOKEN: only a
// browser on this machine talking straight to a loopback-bound server under a loopback name (every
// spelling of loopback counts, look-alikes and proxied requests do not). With ADMIN_TOKEN: a Bearer
// header or a 12-hour session cookie made by signing in once at /console?token=…; the cookie never
// holds the token and ?token= is read nowhere else. 404 when off; bad input never 500s.
import { spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import express from "express";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/env.ts";
import { isLoopbackAddress, isLoopbackHost } from "../src/config/loopback.ts";
import { consoleAccess } from "../adapters/console/access.ts";
import { notLocal } from "../adapters/console/local.ts";
import { ConsoleSessions, secureCookies, sessionCookie } from "../adapters/console/sessions.ts";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";

const TOKEN = "s3cret-admin-token-0123456789";
const ROOT = path.resolve(import.meta.dirname, "..");

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): any;
}

/** A raw request: no redirects followed, any header (Host included) sent as given; noHost sends none. */
function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; noHost?: boolean } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? "GET", headers: opts.headers, setHost: !opts.noHost }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => {
        text += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}
const postJson = (url: string, body: string, headers: Record<string, string> = {}) =>
  request(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
const bearer = { authorization: `Bearer ${TOKEN}` };
const listen = (server: http.Server, host: string) =>
  new Promise<number>((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
const close = (server: http.Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

let testDb: TestDb;
const apps: TestApp[] = [];
async function app(env: Record<string, string> = {}) {
  const t = await startTestApp(env, { testDb });
  apps.push(t);
  return t;
}
beforeAll(async () => {
  testDb = await createTestDb();
});
afterAll(async () => {
  for (const t of apps) await t.stop(); // deletes every key under each app's prefix, sessions included
  await testDb?.drop();
});

describe("what counts as loopback (src/config/loopback.ts)", () => {
  it("every spelling of a loopback host is loopback, with or without a port", () => {
    const loopback = [
      "127.0.0.1",
      "127.1",
      "127.0.0.2",
      "127.255.255.254",
      "0x7f.1",
      "2130706433",
      "127.0.0.01",
      "127.0.0.1.",
      "::1",
      "[::1]",
      "0:0:0:0:0:0:0:1",
      "[0:0:0:0:0:0:0:1]",
      "::ffff:127.0.0.1",
      "[::ffff:127.0.0.1]",
      "[::ffff:7f00:1]",
      "localhost",
      "LOCALHOST",
      "LocalHost",
      "localhost.",
      "LOCALHOST.",
      "127.0.0.1:3000",
      "127.1:80",
      "[::1]:3000",
      "localhost:3000",
      "localhost.:3000",
    ];
    expect(loopback.filter((h) => !isLoopbackHost(h))).toEqual([]);
  });

  it("look-alikes, wildcards, other addresses and malformed values are not", () => {
    const not = [
      "127.0.0.1.evil.example",
      "localhost.evil.example",
      "127.0.0.1.nip.io",
      "evil.example",
      "foo.localhost",
      "localhost..",
      "0.0.0.0",
      "::",
      "[::]",
      "10.0.0.1",
      "192.168.1.10",
      "128.0.0.1",
      "126.255.255.255",
      "::2",
      "fe80::1",
      "::ffff:10.0.0.1",
      "",
      " ",
      "localhost:abc",
      "127.0.0.1:99999",
      "127.0.0.1@evil.example",
      "evil.example@127.0.0.1",
      "127.0.0.1/x",
      "127.0.0.1#x",
      "local%68ost",
      "[::1",
      "1.2.3.4.5",
      "127.0.0.1 evil.example",
    ];
    expect(not.filter((h) => isLoopbackHost(h))).toEqual([]);
    expect(isLoopbackHost(undefined)).toBe(false);
  });

  it("a peer address is loopback only as a bare address in 127/8, ::1 or ::ffff:127/104", () => {
    for (const a of ["127.0.0.1", "127.0.0.2", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of [
      "10.0.0.1",
      "192.0.2.2",
      "::ffff:10.0.0.1",
      "::",
      "0.0.0.0",
      "localhost",
      "127.1",
      "[::1]",
      "fe80::1%lo",
      "",
      undefined,
    ]) {
      expect(isLoopbackAddress(a), String(a)).toBe(false);
    }
  });
});

describe("a direct request from this machine (adapters/console/local.ts)", () => {
  const req = (remoteAddress: string | undefined, headers: Record<string, string>) => ({ socket: { remoteAddress }, headers });
  it("passes only with a loopback bind, a loopback peer, a loopback Host and no proxy header", () => {
    expect(notLocal(true, req("127.0.0.1", { host: "127.0.0.1:3000" }))).toBeUndefined();
    expect(notLocal(true, req("::ffff:127.0.0.1", { host: "localhost:3000" }))).toBeUndefined();
    expect(notLocal(true, req("::1", { host: "[::1]:3000" }))).toBeUndefined();
    expect(notLocal(false, req("127.0.0.1", { host: "127.0.0.1:3000" }))).toContain("loopback HOST");
    expect(notLocal(true, req("192.0.2.7", { host: "127.0.0.1:3000" }))).toContain("not a proxy or another host");
    expect(notLocal(true, req("::ffff:10.0.0.1", { host: "127.0.0.1:3000" }))).toContain("not a proxy or another host");
    expect(notLocal(true, req(undefined, { host: "127.0.0.1:3000" }))).toContain("not a proxy or another host");
    expect(notLocal(true, req("127.0.0.1", { host: "evil.example" }))).toContain("localhost / 127.0.0.1");
    expect(notLocal(true, req("127.0.0.1", {}))).toContain("localhost / 127.0.0.1");
    for (const h of ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "via"]) {
      expect(notLocal(true, req("127.0.0.1", { host: "127.0.0.1", [h]: "127.0.0.1" })), h).toContain("not a proxy");
    }
  });
});

describe("CONSOLE and HOST at start-up (loadConfig)", () => {
  const LINE = "Invalid CONSOLE: on with HOST=0.0.0.0 needs ADMIN_TOKEN (the console acts as every member of every workspace)";

  it("CONSOLE=on on a non-loopback HOST without ADMIN_TOKEN refuses to start with one line", () => {
    expect(() => loadConfig({ CONSOLE: "on", HOST: "0.0.0.0" })).toThrow(new ConfigError(LINE));
    for (const HOST of ["::", "192.0.2.2", "crm.example.com", "127.0.0.1.nip.io"]) {
      expect(() => loadConfig({ CONSOLE: "on", HOST }), HOST).toThrow(`Invalid CONSOLE: on with HOST=${HOST} needs ADMIN_TOKEN`);
    }
    expect(loadConfig({ CONSOLE: "on", HOST: "0.0.0.0", ADMIN_TOKEN: TOKEN }).consoleEnabled).toBe(true);
  });

  it("CONSOLE=auto is on for a loopback HOST in any spelling, off for others unless ADMIN_TOKEN is set", () => {
    for (const HOST of [
      "127.0.0.1",
      "127.1",
      "127.0.0.2",
      "::1",
      "0:0:0:0:0:0:0:1",
      "::ffff:127.0.0.1",
      "localhost",
      "LOCALHOST",
      "localhost.",
    ]) {
      expect(loadConfig({ HOST }).consoleEnabled, HOST).toBe(true);
      expect(loadConfig({ CONSOLE: "on", HOST }).consoleEnabled, HOST).toBe(true);
    }
    for (const HOST of ["0.0.0.0", "::", "192.0.2.2", "127.0.0.1.evil.example", "localhost.evil.example"]) {
      expect(loadConfig({ HOST }).consoleEnabled, HOST).toBe(false);
      expect(loadConfig({ HOST, ADMIN_TOKEN: TOKEN }).consoleEnabled, HOST).toBe(true);
    }
  });

  it("npm start with CONSOLE=on HOST=0.0.0.0 and no ADMIN_TOKEN exits 1 with that line", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, CONSOLE: "on", HOST: "0.0.0.0" },
    });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    expect(code).toBe(1);
    expect(err.trim()).toBe(LINE);
  });
});

describe("console on a loopback HOST without ADMIN_TOKEN", () => {
  let t: TestApp;
  let port: string;
  beforeAll(async () => {
    t = await app();
    port = new URL(t.url).port;
  });

  it("serves the page with a strict content security policy", async () => {
    const r = await request(`${t.url}/console`);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^text\/html/);
    expect(r.text).toContain("<title>CRM console</title>");
    const csp = String(r.headers["content-security-policy"]);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(r.text).toContain(`<script nonce="${nonce}">`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers["set-cookie"]).toBeUndefined();
  });

  it("the API is usable", async () => {
    const c = await consoleSession(t.url, "Open Co", "Olga Open");
    expect((await c.run("/crm help")).kind).toBe("ok");
    const list = await request(`${t.url}/console/api/workspaces`);
    expect(list.status).toBe(200);
    expect(list.json().map((w: { name: string }) => w.name)).toContain("Open Co");
  });

  it("answers any loopback spelling of the Host header", async () => {
    for (const host of [
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `localhost.:${port}`,
      `127.0.0.1:${port}`,
      `127.1:${port}`,
      `127.0.0.2:${port}`,
      `[::1]:${port}`,
      `[0:0:0:0:0:0:0:1]:${port}`,
      `[::ffff:127.0.0.1]:${port}`,
      "localhost",
      "127.1",
    ]) {
      expect((await request(`${t.url}/console`, { headers: { host } })).status, host).toBe(200);
    }
  });

  it("refuses 403 a Host that is not loopback (a rebound DNS name gets nothing), or none", async () => {
    for (const host of [
      `evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `127.0.0.1.evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `0.0.0.0:${port}`,
      `192.0.2.2:${port}`,
      `127.0.0.1@evil.example:${port}`,
    ]) {
      for (const p of ["/console", "/console/api/workspaces", "/r/x/D-7"]) {
        const r = await request(`${t.url}${p}`, { headers: { host } });
        expect(r.status, `${host} ${p}`).toBe(403);
        expect(r.json().error).toContain("set ADMIN_TOKEN");
      }
    }
    // no Host at all: node refuses it on HTTP/1.1 (400); on HTTP/1.0, where Host is optional, the guard does
    expect((await request(`${t.url}/console`, { noHost: true })).status).toBe(400);
    const raw = await new Promise<string>((resolve, reject) => {
      let text = "";
      const s = net.connect(Number(port), "127.0.0.1", () => s.end("GET /console/api/workspaces HTTP/1.0\r\n\r\n"));
      s.setEncoding("utf8")
        .on("data", (d) => {
          text += d;
        })
        .on("end", () => resolve(text))
        .on("error", reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 403 /);
  });

  it("refuses 403 a request that a proxy relayed (Forwarded, X-Forwarded-For, X-Real-IP, X-Forwarded-Host, Via), whatever it claims", async () => {
    const signs: Record<string, string>[] = [
      { forwarded: "for=203.0.113.9" },
      { forwarded: "for=127.0.0.1" },
      { "x-forwarded-for": "203.0.113.9" },
      { "x-forwarded-for": "127.0.0.1" },
      { "x-real-ip": "127.0.0.1" },
      { "x-forwarded-host": "localhost" },
      { via: "1.1 nginx" },
    ];
    for (const sign of signs) {
      for (const p of ["/console", "/console/api/workspaces", "/r/x/D-7"]) {
        const r = await request(`${t.url}${p}`, { headers: { host: `127.0.0.1:${port}`, ...sign } });
        expect(r.status, `${JSON.stringify(sign)} ${p}`).toBe(403);
        expect(r.json().error).toContain("not a proxy");
      }
    }
  });

  it("refuses 403 through a reverse proxy on this machine that sets Host: 127.0.0.1 and X-Forwarded-For or Forwarded (as nginx does)", async () => {
    for (const forwardedHeader of ["x-forwarded-for", "forwarded"] as const) {
      const proxy = http.createServer((req, res) => {
        const from = req.socket.remoteAddress ?? "";
        const up = http.request(
          `${t.url}${req.url}`,
          {
            method: req.method,
            headers: {
              ...req.headers,
              host: `127.0.0.1:${port}`,
              [forwardedHeader]: forwardedHeader === "forwarded" ? `for="${from}"` : from,
            },
          },
          (upRes) => {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
          },
        );
        up.on("error", () => {
          res.writeHead(502).end();
        });
        req.pipe(up);
      });
      const proxyPort = await listen(proxy, "127.0.0.1");
      try {
        const via = `http://127.0.0.1:${proxyPort}`;
        expect((await request(`${via}/healthz`)).status).toBe(200); // the proxy does reach the app
        for (const p of ["/console", "/console/api/workspaces", "/r/x/D-7"]) {
          const r = await request(`${via}${p}`, { headers: { host: "crm.example.com" } });
          expect(r.status, `${forwardedHeader} ${p}`).toBe(403);
          expect(r.json().error).toContain("ADMIN_TOKEN");
        }
        expect((await postJson(`${via}/console/api/workspaces`, JSON.stringify({ name: "Proxied", adminName: "P" }))).status).toBe(403);
      } finally {
        await close(proxy);
      }
    }
    expect(await t.app.db.prisma.workspace.count({ where: { name: "Proxied" } })).toBe(0);
  });
});

describe("the bind address, in other loopback spellings and off loopback", () => {
  it("serves the console on HOST=127.1, 127.0.0.2, ::1 and LOCALHOST without ADMIN_TOKEN", async () => {
    for (const HOST of ["127.1", "127.0.0.2", "::1", "LOCALHOST"]) {
      const t = await app({ HOST });
      const r = await request(`${t.url}/console/api/workspaces`);
      expect(r.status, `${HOST} (${t.url})`).toBe(200);
      expect((await request(`${t.url}/console`, { headers: { host: "evil.example" } })).status).toBe(403);
      await t.stop();
      apps.splice(apps.indexOf(t), 1);
    }
  });

  // this machine's own non-loopback address, when it has one: a peer that is not loopback
  const lanIp = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === "IPv4")?.address;
  it.runIf(lanIp)(
    "refuses 403 a peer that is not loopback, even when the request names 127.0.0.1 (server reachable on all addresses)",
    async () => {
      const unused = new Redis({ lazyConnect: true }); // no ADMIN_TOKEN: sessions are never looked at
      const server = http.createServer(
        express().use(
          consoleAccess(loadConfig({ HOST: "127.0.0.1" }), new ConsoleSessions(unused, { prefix: "unused", adminToken: "" })),
          (_req, res) => {
            res.json({ ok: true });
          },
        ),
      );
      const port = await listen(server, "0.0.0.0");
      try {
        expect((await request(`http://127.0.0.1:${port}/console`)).status).toBe(200);
        const r = await request(`http://${lanIp}:${port}/console`, { headers: { host: `127.0.0.1:${port}` } });
        expect(r.status).toBe(403);
        expect(r.json().error).toContain("not a proxy or another host");
      } finally {
        await close(server);
        unused.disconnect();
      }
    },
  );

  it("on HOST=0.0.0.0 without ADMIN_TOKEN the console is off (404), also when reached by this machine's address", async () => {
    const off = await app({ HOST: "0.0.0.0" });
    const port = new URL(off.url).port;
    for (const base of [`http://127.0.0.1:${port}`, ...(lanIp ? [`http://${lanIp}:${port}`] : [])]) {
      for (const p of ["/console", "/console/api/workspaces", "/r/x/D-7"]) {
        const r = await request(`${base}${p}`, { headers: { host: `127.0.0.1:${port}` } });
        expect(r.status, `${base}${p}`).toBe(404);
        expect(r.json().error).toContain("console is off");
      }
    }
  });

  it("on HOST=0.0.0.0 with ADMIN_TOKEN it is on and needs the token", async () => {
    const on = await app({ HOST: "0.0.0.0", ADMIN_TOKEN: TOKEN });
    expect((await request(`${on.url}/console`)).status).toBe(401);
    expect((await request(`${on.url}/console`, { headers: bearer })).status).toBe(200);
  });
});

describe("console with ADMIN_TOKEN", () => {
  let t: TestApp;
  let c: ConsoleSession;
  let redis: Redis;
  const sessionKey = (id: string) => `${t.prefix}:console-session:${createHmac("sha256", TOKEN).update(id).digest("base64url")}`;
  /** signs in with ?token= and returns the Set-Cookie header and the cookie to send back */
  async function signIn(query = "") {
    const r = await request(`${t.url}/console?${query}token=${encodeURIComponent(TOKEN)}`);
    expect(r.status).toBe(200);
    expect(r.headers.location).toBeUndefined();
    const setCookie = String(r.headers["set-cookie"]);
    // a same-origin page moves on (a 302 at the end of a cross-site click would arrive without the Strict cookie)
    const next = /<meta http-equiv="refresh" content="0; url=([^"]*)">/.exec(r.text)?.[1]?.replaceAll("&#38;", "&");
    return { r, next, setCookie, cookie: setCookie.split(";")[0], id: setCookie.split(";")[0].split("=")[1] };
  }
  beforeAll(async () => {
    t = await app({ ADMIN_TOKEN: TOKEN });
    c = await consoleSession(t.url, "Token Co", "Tom Token", bearer);
    redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: 1 });
  });
  afterAll(() => {
    redis?.disconnect();
  });

  it("answers 401 without the token, on the page and every API route", async () => {
    const cmd = JSON.stringify({ workspaceId: c.workspaceId, memberId: c.adminId, text: "contact add Eve" });
    const responses = [
      await request(`${t.url}/console`),
      await request(`${t.url}/console/api/workspaces`),
      await request(`${t.url}/console/api/workspaces/${c.workspaceId}/members`),
      await postJson(`${t.url}/console/api/workspaces`, JSON.stringify({ name: "X", adminName: "Y" })),
      await postJson(`${t.url}/console/api/command`, cmd),
      await postJson(`${t.url}/console/api/command`, "{not json"), // refused before the body is read
    ];
    for (const r of responses) {
      expect(r.status).toBe(401);
      expect(r.json().error).toContain("ADMIN_TOKEN");
      expect(r.text).not.toContain(TOKEN);
    }
    expect(await t.app.db.prisma.contact.count({ where: { workspaceId: c.workspaceId } })).toBe(0);
    expect(await t.app.db.prisma.workspace.count({ where: { name: "X" } })).toBe(0);
  });

  it("answers 200 with Authorization: Bearer <token>", async () => {
    expect((await request(`${t.url}/console`, { headers: bearer })).status).toBe(200);
    const list = await request(`${t.url}/console/api/workspaces`, { headers: bearer });
    expect(list.status).toBe(200);
    expect(list.json().map((w: { name: string }) => w.name)).toContain("Token Co");
    expect((await c.run("contact add Ana Lopez")).plain).toContain("C-1 Ana Lopez");
  });

  it("a wrong token is refused, however it is sent, and sets no cookie", async () => {
    const wrong = `${TOKEN.slice(0, -1)}X`;
    const cases = [
      await request(`${t.url}/console`, { headers: { authorization: `Bearer ${wrong}` } }),
      await request(`${t.url}/console`, { headers: { authorization: "Bearer short" } }),
      await request(`${t.url}/console`, { headers: { authorization: TOKEN } }), // not a Bearer
      await request(`${t.url}/console?token=${encodeURIComponent(wrong)}`),
      await request(`${t.url}/console?token=`),
      await request(`${t.url}/console?token=${encodeURIComponent(TOKEN)}&token=${encodeURIComponent(TOKEN)}`),
      await request(`${t.url}/console/api/workspaces`, { headers: { cookie: `crm_console=${encodeURIComponent(wrong)}` } }),
    ];
    for (const r of cases) {
      expect(r.status).toBe(401);
      expect(r.headers["set-cookie"]).toBeUndefined();
    }
  });

  it("?token= on /console signs in: a session cookie (not the token; HttpOnly, SameSite=Strict, 12 h, no Secure on http) and a same-origin page that moves on without the token", async () => {
    const { r, next, setCookie, cookie, id } = await signIn(`ws=${c.workspaceId}&`);
    expect(next).toBe(`/console?ws=${c.workspaceId}`);
    expect(r.text).not.toContain(TOKEN);
    expect(r.headers["referrer-policy"]).toBe("no-referrer");
    expect(setCookie).toMatch(/^crm_console=[A-Za-z0-9_-]{43}; /);
    const attributes = setCookie.split("; ").slice(1);
    expect(attributes.sort()).toEqual(["HttpOnly", "Max-Age=43200", "Path=/", "SameSite=Strict"]);
    expect(setCookie).not.toContain(TOKEN);
    expect(setCookie).not.toContain(encodeURIComponent(TOKEN));
    expect(Buffer.from(id, "base64url")).toHaveLength(32);
    // the cookie works on the page and the API
    expect((await request(`${t.url}/console`, { headers: { cookie } })).status).toBe(200);
    const list = await request(`${t.url}/console/api/workspaces`, { headers: { cookie: `other=1; ${cookie}` } });
    expect(list.status).toBe(200);
    const run = await postJson(
      `${t.url}/console/api/command`,
      JSON.stringify({ workspaceId: c.workspaceId, memberId: c.adminId, text: "contact show C-1" }),
      { cookie },
    );
    expect(run.status).toBe(200);
    expect(run.json().reply.kind).toBe("ok");
    // each sign-in is a new random session
    expect((await signIn()).id).not.toBe(id);
  });

  it("the session is kept in Redis under the app's prefix as an HMAC of its id, expiring in 12 hours", async () => {
    const { id } = await signIn();
    const key = sessionKey(id);
    expect(key.startsWith(`${t.prefix}:`)).toBe(true); // so the app's prefix clean-up removes it
    expect(await redis.exists(key)).toBe(1);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(43_100);
    expect(ttl).toBeLessThanOrEqual(43_200);
    const keys = await redis.keys(`${t.prefix}:console-session:*`);
    expect(keys.some((k) => k.includes(id))).toBe(false);
    for (const k of keys) expect(await redis.get(k)).not.toContain(id);
  });

  it("a session made on one replica works on another sharing the Redis prefix, and on none once ADMIN_TOKEN changes", async () => {
    const { cookie } = await signIn();
    const replica = await app({ ADMIN_TOKEN: TOKEN, QUEUE_PREFIX: t.prefix });
    const rotated = await app({ ADMIN_TOKEN: `${TOKEN}-rotated`, QUEUE_PREFIX: t.prefix });
    expect((await request(`${replica.url}/console/api/workspaces`, { headers: { cookie } })).status).toBe(200);
    expect((await request(`${rotated.url}/console/api/workspaces`, { headers: { cookie } })).status).toBe(401);
  });

  it("an expired, unknown, tampered or old-style (raw token) session cookie answers 401", async () => {
    const { id, cookie } = await signIn();
    const flipped = `${id.slice(0, 10)}${id[10] === "A" ? "B" : "A"}${id.slice(11)}`;
    const bad = [
      `crm_console=${flipped}`,
      `crm_console=${randomBytes(32).toString("base64url")}`,
      `crm_console=${id}x`,
      `crm_console=${id.slice(1)}`,
      `crm_console=${encodeURIComponent(TOKEN)}`,
      `crm_console=${TOKEN}`,
      "crm_console=",
      "crm_console=%",
      `crm_console=${"A".repeat(5000)}`,
      `crm_console=${id.toLowerCase()}`,
    ];
    for (const c2 of bad) {
      const r = await request(`${t.url}/console/api/workspaces`, { headers: { cookie: c2 } });
      expect(r.status, c2.slice(0, 60)).toBe(401);
    }
    expect((await request(`${t.url}/console/api/workspaces`, { headers: { cookie } })).status).toBe(200);
    await redis.pexpire(sessionKey(id), 1); // as Redis does after 12 hours
    await new Promise((r) => setTimeout(r, 20));
    expect((await request(`${t.url}/console/api/workspaces`, { headers: { cookie } })).status).toBe(401);
    expect((await request(`${t.url}/console`, { headers: { cookie } })).status).toBe(401);
  });

  it("?token= is ignored everywhere but the sign-in route: 401 on the API, no cookie", async () => {
    for (const p of ["/console/api/workspaces", `/console/api/workspaces/${c.workspaceId}/members`]) {
      const r = await request(`${t.url}${p}?token=${encodeURIComponent(TOKEN)}`);
      expect(r.status, p).toBe(401);
      expect(r.headers["set-cookie"]).toBeUndefined();
    }
    const post = await postJson(
      `${t.url}/console/api/workspaces?token=${encodeURIComponent(TOKEN)}`,
      JSON.stringify({ name: "ViaQuery", adminName: "Q" }),
    );
    expect(post.status).toBe(401);
    expect(await t.app.db.prisma.workspace.count({ where: { name: "ViaQuery" } })).toBe(0);
  });

  it("POST /console/api/logout ends the session: the key leaves Redis, the cookie is cleared and then refused", async () => {
    const { id, cookie } = await signIn();
    const out = await request(`${t.url}/console/api/logout`, { method: "POST", headers: { cookie } });
    expect(out.status).toBe(204);
    expect(String(out.headers["set-cookie"])).toMatch(/^crm_console=; .*Max-Age=0/);
    expect(await redis.exists(sessionKey(id))).toBe(0);
    expect((await request(`${t.url}/console/api/workspaces`, { headers: { cookie } })).status).toBe(401);
    expect((await request(`${t.url}/console/api/logout`, { method: "POST" })).status).toBe(401);
  });

  it("record links: with credentials a redirect to the record; without, a page that moves on from this origin (so the Strict cookie is sent) and reveals nothing", async () => {
    const link = `/r/${c.workspaceId}/D-7`;
    const target = `/console?ws=${c.workspaceId}&cmd=deal%20show%20D-7`;
    const withHeader = await request(`${t.url}${link}`, { headers: bearer });
    expect(withHeader.status).toBe(302);
    expect(withHeader.headers.location).toBe(target);
    const { cookie } = await signIn();
    const withCookie = await request(`${t.url}${link}`, { headers: { cookie } });
    expect(withCookie.status).toBe(302);
    expect(withCookie.headers.location).toBe(target);
    // as a link clicked in Slack arrives: no cookie (and a ?token= is not read here)
    for (const p of [link, `${link}?token=${encodeURIComponent(TOKEN)}`]) {
      const bounce = await request(`${t.url}${p}`);
      expect(bounce.status).toBe(200);
      expect(bounce.headers["content-type"]).toMatch(/^text\/html/);
      expect(bounce.headers["set-cookie"]).toBeUndefined();
      expect(bounce.headers.location).toBeUndefined();
      expect(bounce.headers["cache-control"]).toBe("no-store");
      expect(bounce.headers["content-security-policy"]).toContain("default-src 'none'");
      const href = target.replace("&", "&#38;");
      expect(bounce.text).toContain(`<meta http-equiv="refresh" content="0; url=${href}">`);
      expect(bounce.text).toContain(`<a href="${href}">`);
      expect(bounce.text).not.toContain(TOKEN);
      expect(bounce.text).not.toMatch(/Token Co|Tom Token|Ana Lopez/);
    }
    // the page it leads to still needs the session
    expect((await request(`${t.url}${target}`)).status).toBe(401);
    expect((await request(`${t.url}${target}`, { headers: { cookie } })).status).toBe(200);
    const odd = await request(`${t.url}/r/${encodeURIComponent('"><script>x</script>')}/D-7`);
    expect(odd.text).not.toContain("<script>");
    expect((await request(`${t.url}/r/${c.workspaceId}/X-1`)).status).toBe(404);
  });

  it("with the token, any Host name is fine", async () => {
    const port = new URL(t.url).port;
    expect((await request(`${t.url}/console`, { headers: { ...bearer, host: `crm.example.com:${port}` } })).status).toBe(200);
    const { cookie } = await signIn();
    expect(
      (
        await request(`${t.url}/console/api/workspaces`, {
          headers: { cookie, host: `crm.example.com:${port}`, "x-forwarded-for": "203.0.113.9" },
        })
      ).status,
    ).toBe(200);
  });
});

describe("session cookie Secure flag and Redis outages", () => {
  it("the cookie carries Secure exactly when PUBLIC_URL is https", async () => {
    const t = await app({ ADMIN_TOKEN: TOKEN, PUBLIC_URL: "https://crm.example.com" });
    const r = await request(`${t.url}/console?token=${encodeURIComponent(TOKEN)}`);
    expect(r.status).toBe(200);
    expect(String(r.headers["set-cookie"]).split("; ")).toContain("Secure");
    expect(secureCookies("https://crm.example.com")).toBe(true);
    expect(secureCookies("http://crm.example.com")).toBe(false);
    expect(secureCookies(undefined)).toBe(false);
    expect(sessionCookie("x", false)).not.toContain("Secure");
  });

  it("when Redis does not answer, a session cookie or a sign-in gets 503 with a clear error, never 500 nor a pass", async () => {
    const dead = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on("error", () => undefined);
    const config = loadConfig({ ADMIN_TOKEN: TOKEN });
    const sessions = new ConsoleSessions(dead, { prefix: "unused", adminToken: TOKEN });
    const web = express().use(consoleAccess(config, sessions), (_req, res) => {
      res.json({ ok: true });
    });
    const server = http.createServer(web);
    const port = await listen(server, "127.0.0.1");
    try {
      const r = await request(`http://127.0.0.1:${port}/console/api/workspaces`, {
        headers: { cookie: `crm_console=${randomBytes(32).toString("base64url")}` },
      });
      expect(r.status).toBe(503);
      expect(r.json().error).toContain("Redis is not answering");
      expect((await request(`http://127.0.0.1:${port}/x`, { headers: bearer })).status).toBe(200); // Bearer needs no Redis
      await expect(sessions.create()).rejects.toThrow();
    } finally {
      await close(server);
      dead.disconnect();
    }
  });
});

describe("console turned off", () => {
  it("CONSOLE=off answers 404 on the page, the API and record links, token or not", async () => {
    const t = await app({ CONSOLE: "off", ADMIN_TOKEN: TOKEN });
    for (const p of ["/console", "/console/api/workspaces", "/r/ws/D-7", `/console?token=${TOKEN}`]) {
      for (const headers of [{}, bearer]) {
        const r = await request(`${t.url}${p}`, { headers });
        expect(r.status).toBe(404);
        expect(r.json().error).toContain("console is off");
        expect(r.headers["set-cookie"]).toBeUndefined();
      }
    }
    expect((await postJson(`${t.url}/console/api/command`, "{}", bearer)).status).toBe(404);
  });
});

describe("record links and bad input", () => {
  let t: TestApp;
  let a: ConsoleSession;
  let b: ConsoleSession;
  beforeAll(async () => {
    t = await app();
    a = await consoleSession(t.url, "Alpha", "Al Alpha");
    b = await consoleSession(t.url, "Beta", "Bo Beta");
  });

  it("GET /r/<ws>/<key> redirects to the console with the record's show command", async () => {
    const cases: [string, string][] = [
      ["D-7", "deal show D-7"],
      ["c-12", "contact show C-12"],
      ["A-3", "company show A-3"],
      ["T-42", "ticket show T-42"],
    ];
    for (const [key, cmd] of cases) {
      const r = await request(`${t.url}/r/${a.workspaceId}/${key}`);
      expect(r.status).toBe(302);
      expect(r.headers.location).toBe(`/console?ws=${a.workspaceId}&cmd=${encodeURIComponent(cmd)}`);
    }
    const odd = await request(`${t.url}/r/${encodeURIComponent("a&b=c")}/D-7`);
    expect(odd.headers.location).toBe("/console?ws=a%26b%3Dc&cmd=deal%20show%20D-7");
  });

  it("a ?token= on /console without ADMIN_TOKEN is dropped from the address", async () => {
    const r = await request(`${t.url}/console?ws=${a.workspaceId}&token=whatever`);
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe(`/console?ws=${a.workspaceId}`);
    expect(r.headers["set-cookie"]).toBeUndefined();
  });

  it("a key that is not a record key answers 404", async () => {
    for (const key of ["X-1", "D-", "D-x", "D-1234567890", "DD-1", "D-1;drop"]) {
      const r = await request(`${t.url}/r/${a.workspaceId}/${encodeURIComponent(key)}`);
      expect(r.status).toBe(404);
      expect(r.json().error).toContain("not a record key");
    }
  });

  it("malformed or unexpected bodies answer 400 with a clear JSON error, never 500", async () => {
    const url = `${t.url}/console/api/command`;
    const bad = [
      await postJson(url, "{not json"),
      await postJson(url, '{"workspaceId": '),
      await postJson(url, "null"),
      await postJson(url, "[]"),
      await postJson(url, "{}"),
      await postJson(url, JSON.stringify({ workspaceId: a.workspaceId, memberId: a.adminId, text: 42 })),
      await request(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "contact add Eve" }),
      await postJson(`${t.url}/console/api/workspaces`, "{oops"),
      await postJson(`${t.url}/console/api/workspaces/${a.workspaceId}/members`, JSON.stringify({ name: "Z", role: "owner" })),
    ];
    for (const r of bad) {
      expect(r.status).toBe(400);
      expect(r.headers["content-type"]).toMatch(/^application\/json/);
      expect(r.json().error).toMatch(/^Send /);
    }
    expect(bad[0].json().error).toContain("JSON");
    expect(bad[4].json().error).toContain('"workspaceId"');
    const huge = await postJson(url, JSON.stringify({ workspaceId: a.workspaceId, memberId: a.adminId, text: "x".repeat(70_000) }));
    expect(huge.status).toBe(413);
    expect(huge.json().error).toContain("64 kB");
    expect((await request(`${t.url}/console/api/nope`)).status).toBe(404);
  });

  it("a command as a member of another workspace is an error reply and writes nothing", async () => {
    const counts = async () => ({
      contacts: await t.app.db.prisma.contact.count(),
      audit: await t.app.db.prisma.auditLog.count(),
    });
    const before = await counts();
    for (const [workspaceId, memberId] of [
      [a.workspaceId, b.adminId],
      [b.workspaceId, a.adminId],
      ["no-such-ws", a.adminId],
      [a.workspaceId, "no-such-member"],
    ]) {
      const r = await postJson(
        `${t.url}/console/api/command`,
        JSON.stringify({ workspaceId, memberId, text: "/crm contact add Eve Intruder" }),
      );
      expect(r.status).toBe(200);
      const { reply, html } = r.json();
      expect(reply.kind).toBe("error");
      expect(reply.summary).toContain("No such member in this workspace");
      expect(html).toContain('class="reply error');
    }
    expect(await counts()).toEqual(before);
    // the same command as a real member works
    expect((await a.run("contact add Eve Insider")).plain).toContain("C-1 Eve Insider");
  });
});
