// The queue dashboard: /admin/queues exists only with ADMIN_TOKEN, and then only for the token
// (Bearer header or the console's session cookie), listing every queue of the registry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { QUEUES } from "../jobs/registry.ts";

const TOKEN = "admin-token-0123456789abcdef";
let on: TestApp;
let off: TestApp;
beforeAll(async () => {
  // one after the other: start-up checks migrations with a schema engine that is not re-entrant
  on = await startTestApp({ ADMIN_TOKEN: TOKEN });
  off = await startTestApp();
});
afterAll(async () => {
  await on?.stop();
  await off?.stop();
});

describe("/admin/queues", () => {
  it("is 404 when ADMIN_TOKEN is unset", async () => {
    expect((await fetch(`${off.url}/admin/queues`)).status).toBe(404);
    expect((await fetch(`${off.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });

  it("is 401 without the token or with a wrong one", async () => {
    expect((await fetch(`${on.url}/admin/queues`)).status).toBe(401);
    expect(
      (await fetch(`${on.url}/admin/queues/api/queues`, { headers: { authorization: "Bearer wrong-token-0123456789abc" } })).status,
    ).toBe(401);
    expect((await fetch(`${on.url}/admin/queues/api/queues`, { headers: { cookie: "crm_console=nope" } })).status).toBe(401);
    // a cookie holding the token itself (as the console once set) is not a session
    expect(
      (await fetch(`${on.url}/admin/queues/api/queues`, { headers: { cookie: `crm_console=${encodeURIComponent(TOKEN)}` } })).status,
    ).toBe(401);
  });

  it("serves the dashboard and every registry queue with a Bearer token or the console's session cookie", async () => {
    const page = await fetch(`${on.url}/admin/queues`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("CRM queues");
    await on.app.jobs.add("sla", "probe", { hello: 1 }, { delay: 60_000, jobId: "probe-job" });
    const signIn = await fetch(`${on.url}/console?token=${TOKEN}`, { redirect: "manual" });
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0];
    const api = await fetch(`${on.url}/admin/queues/api/queues?activeQueue=sla&status=delayed`, { headers: { cookie } });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string; counts: Record<string, number> }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(Object.keys(QUEUES).sort());
    expect(body.queues.find((q) => q.name === "sla")?.counts.delayed).toBeGreaterThanOrEqual(1);
  });

  it("does not read ?token= (only the console's sign-in route does): 401 and no cookie", async () => {
    const res = await fetch(`${on.url}/admin/queues?token=${TOKEN}`);
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
  });
});
