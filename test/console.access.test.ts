// Who may reach the web console and its record links, over plain HTTP: open on loopback, ADMIN_TOKEN when
// set (header, one-time ?token= that becomes an HttpOnly cookie), 404 when off; bad input never 500s.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession, type ConsoleSession } from "./helpers/console.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";

const TOKEN = "s3cret-admin-token-0123456789";

interface Res { status: number; headers: http.IncomingHttpHeaders; text: string; json(): any }

/** A raw request: no redirects followed, any header (Host included) sent as given. */
function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? "GET", headers: opts.headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => { text += c; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}
const postJson = (url: string, body: string, headers: Record<string, string> = {}) =>
  request(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
const bearer = { authorization: `Bearer ${TOKEN}` };

let testDb: TestDb;
const apps: TestApp[] = [];
async function app(env: Record<string, string> = {}) {
  const t = await startTestApp(env, { testDb });
  apps.push(t);
  return t;
}
beforeAll(async () => { testDb = await createTestDb(); });
afterAll(async () => {
  for (const t of apps) await t.stop();
  await testDb?.drop();
});

describe("console on a loopback HOST without ADMIN_TOKEN", () => {
  let t: TestApp;
  beforeAll(async () => { t = await app(); });

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

  it("answers only to loopback names (a rebound DNS name gets nothing)", async () => {
    const port = new URL(t.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await request(`${t.url}/console`, { headers: { host } })).status).toBe(200);
    }
    for (const path of ["/console", "/console/api/workspaces", "/r/x/D-7"]) {
      const r = await request(`${t.url}${path}`, { headers: { host: `evil.example:${port}` } });
      expect(r.status).toBe(403);
      expect(r.json().error).toContain("ADMIN_TOKEN");
    }
  });
});

describe("console with ADMIN_TOKEN", () => {
  let t: TestApp;
  let c: ConsoleSession;
  beforeAll(async () => {
    t = await app({ ADMIN_TOKEN: TOKEN });
    c = await consoleSession(t.url, "Token Co", "Tom Token", bearer);
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

  it("a wrong token is refused, however it is sent", async () => {
    const wrong = `${TOKEN.slice(0, -1)}X`;
    const cases = [
      await request(`${t.url}/console`, { headers: { authorization: `Bearer ${wrong}` } }),
      await request(`${t.url}/console`, { headers: { authorization: "Bearer short" } }),
      await request(`${t.url}/console`, { headers: { authorization: TOKEN } }), // not a Bearer
      await request(`${t.url}/console?token=${encodeURIComponent(wrong)}`),
      await request(`${t.url}/console/api/workspaces`, { headers: { cookie: `crm_console=${encodeURIComponent(wrong)}` } }),
      await request(`${t.url}/r/${c.workspaceId}/D-7?token=${encodeURIComponent(wrong)}`),
    ];
    for (const r of cases) {
      expect(r.status).toBe(401);
      expect(r.headers["set-cookie"]).toBeUndefined();
    }
  });

  it("?token= sets an HttpOnly cookie, drops the token from the address, and the cookie then works", async () => {
    const r = await request(`${t.url}/console?ws=${c.workspaceId}&token=${encodeURIComponent(TOKEN)}`);
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe(`/console?ws=${c.workspaceId}`);
    const setCookie = String(r.headers["set-cookie"]);
    expect(setCookie).toMatch(/^crm_console=[^;]+; /);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Lax");
    expect(setCookie).toContain("Path=/");
    const cookie = setCookie.split(";")[0];
    expect((await request(`${t.url}/console`, { headers: { cookie } })).status).toBe(200);
    const list = await request(`${t.url}/console/api/workspaces`, { headers: { cookie: `other=1; ${cookie}` } });
    expect(list.status).toBe(200);
    const run = await postJson(`${t.url}/console/api/command`, JSON.stringify({ workspaceId: c.workspaceId, memberId: c.adminId, text: "contact show C-1" }), { cookie });
    expect(run.status).toBe(200);
    expect(run.json().reply.kind).toBe("ok");
    // on the API, ?token= works too (no redirect)
    const api = await request(`${t.url}/console/api/workspaces?token=${encodeURIComponent(TOKEN)}`);
    expect(api.status).toBe(200);
    expect(String(api.headers["set-cookie"])).toContain("HttpOnly");
  });

  it("record links are guarded exactly like the console", async () => {
    const path = `/r/${c.workspaceId}/D-7`;
    const target = `/console?ws=${c.workspaceId}&cmd=deal%20show%20D-7`;
    expect((await request(`${t.url}${path}`)).status).toBe(401);
    const withHeader = await request(`${t.url}${path}`, { headers: bearer });
    expect(withHeader.status).toBe(302);
    expect(withHeader.headers.location).toBe(target);
    const withQuery = await request(`${t.url}${path}?token=${encodeURIComponent(TOKEN)}`);
    expect(withQuery.status).toBe(302);
    expect(withQuery.headers.location).toBe(target); // the token is not carried along
    const cookie = String(withQuery.headers["set-cookie"]).split(";")[0];
    expect((await request(`${t.url}${path}`, { headers: { cookie } })).status).toBe(302);
  });

  it("with the token, any Host name is fine", async () => {
    const port = new URL(t.url).port;
    expect((await request(`${t.url}/console`, { headers: { ...bearer, host: `crm.example.com:${port}` } })).status).toBe(200);
  });
});

describe("console turned off", () => {
  it("CONSOLE=off answers 404 on the page, the API and record links, token or not", async () => {
    const t = await app({ CONSOLE: "off", ADMIN_TOKEN: TOKEN });
    for (const path of ["/console", "/console/api/workspaces", "/r/ws/D-7"]) {
      for (const headers of [{}, bearer]) {
        const r = await request(`${t.url}${path}`, { headers });
        expect(r.status).toBe(404);
        expect(r.json().error).toContain("console is off");
      }
    }
    expect((await postJson(`${t.url}/console/api/command`, "{}", bearer)).status).toBe(404);
  });

  it("a non-loopback HOST without ADMIN_TOKEN keeps it off; with ADMIN_TOKEN it is on and guarded", async () => {
    const off = await app({ HOST: "0.0.0.0" });
    expect((await request(`${off.url}/console`)).status).toBe(404);
    const on = await app({ HOST: "0.0.0.0", ADMIN_TOKEN: TOKEN });
    expect((await request(`${on.url}/console`)).status).toBe(401);
    expect((await request(`${on.url}/console`, { headers: bearer })).status).toBe(200);
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
    const cases: [string, string][] = [["D-7", "deal show D-7"], ["c-12", "contact show C-12"], ["A-3", "company show A-3"], ["T-42", "ticket show T-42"]];
    for (const [key, cmd] of cases) {
      const r = await request(`${t.url}/r/${a.workspaceId}/${key}`);
      expect(r.status).toBe(302);
      expect(r.headers.location).toBe(`/console?ws=${a.workspaceId}&cmd=${encodeURIComponent(cmd)}`);
    }
    const odd = await request(`${t.url}/r/${encodeURIComponent("a&b=c")}/D-7`);
    expect(odd.headers.location).toBe("/console?ws=a%26b%3Dc&cmd=deal%20show%20D-7");
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
    for (const [workspaceId, memberId] of [[a.workspaceId, b.adminId], [b.workspaceId, a.adminId], ["no-such-ws", a.adminId], [a.workspaceId, "no-such-member"]]) {
      const r = await postJson(`${t.url}/console/api/command`, JSON.stringify({ workspaceId, memberId, text: "/crm contact add Eve Intruder" }));
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
