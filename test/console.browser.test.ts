// The web console in a real browser: create a workspace through the page's own prompts, pick a member,
// type commands, click a reply's button, follow a record link, and check user content stays text.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Dialog, type Page } from "playwright-core";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { consoleSession } from "./helpers/console.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let t: TestApp;
let browser: Browser;
let page: Page;
let wsId = "";
const prompts: string[] = []; // answers for the next prompt() dialogs, in order
const dialogs: { type: string; message: string }[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH. This test is never skipped.`,
    );
  }
  t = await startTestApp();
  await consoleSession(t.url, "Globex Ops", "Gil Globex"); // another workspace, made through the API
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on("dialog", (d: Dialog) => {
    dialogs.push({ type: d.type(), message: d.message() });
    const answer = d.type() === "prompt" ? prompts.shift() : undefined;
    void (answer !== undefined ? d.accept(answer) : d.dismiss());
  });
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(m.text());
  });
  page.on("response", (r) => {
    if (r.status() >= 400) pageErrors.push(`${r.status()} ${r.url()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** Everything in the log except "you" bubbles: one entry per answer. */
const answers = () => page.locator("#log > div:not(.you)");

async function waitForNextAnswer(before: number): Promise<string> {
  await page.waitForFunction((n) => document.querySelectorAll("#log > div:not(.you)").length > n, before, { timeout: 10_000 });
  return answers().last().innerText();
}

async function send(text: string): Promise<string> {
  const before = await answers().count();
  await page.locator("#text").fill(text);
  await page.locator("#text").press("Enter");
  return waitForNextAnswer(before);
}

describe("web console in chromium", () => {
  it("creates a workspace through the page's prompts and selects it with its admin", async () => {
    await page.goto(`${t.url}/console`);
    await page.waitForFunction(() => (document.getElementById("ws") as HTMLSelectElement).options.length === 1);
    prompts.push("Acme Sales", "Ada Admin");
    await page.locator("#newWs").click();
    await page.waitForFunction(() => (document.getElementById("ws") as HTMLSelectElement).options.length === 2);
    await page.waitForFunction(() =>
      (document.getElementById("member") as HTMLSelectElement).selectedOptions[0]?.text.startsWith("Ada Admin"),
    );
    expect(await page.locator("#ws option:checked").innerText()).toBe("Acme Sales");
    expect(await page.locator("#member option:checked").innerText()).toBe("Ada Admin · admin");
    expect(dialogs.map((d) => d.type)).toEqual(["prompt", "prompt"]);
    wsId = await page.locator("#ws").inputValue();
    expect(wsId).not.toBe("");
  });

  it("picks the workspace and a member (added through the API) in the selects after a reload", async () => {
    const res = await fetch(`${t.url}/console/api/workspaces/${wsId}/members`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Rita Rep", role: "agent" }),
    });
    expect(res.status).toBe(201);
    const rita = (await res.json()).id as string;
    await page.reload();
    await page.waitForFunction(() => (document.getElementById("member") as HTMLSelectElement).options.length > 0);
    expect(await page.locator("#ws option:checked").innerText()).toBe("Globex Ops"); // first workspace by default
    await page.locator("#ws").selectOption(wsId);
    await page.waitForFunction(() => (document.getElementById("member") as HTMLSelectElement).options.length === 2);
    await page.locator("#member").selectOption(rita);
    expect(await page.locator("#member option:checked").innerText()).toBe("Rita Rep · agent");
  });

  it("runs a typed command and shows the reply", async () => {
    const reply = await send("/crm contact add Ana Lopez email:ana@acme.com");
    expect(reply).toContain("C-1");
    expect(reply).toContain("Ana Lopez");
    expect(await page.locator("#log .you").last().innerText()).toBe("/crm contact add Ana Lopez email:ana@acme.com");
    expect(await page.locator("#text").inputValue()).toBe(""); // the input is cleared after sending
  });

  it("creates a deal and moves it with the reply's button", async () => {
    const reply = await send('/crm deal new "Acme renewal" 12k contact:C-1');
    expect(reply).toContain("D-1");
    expect(reply).toContain("Acme renewal");
    const button = answers().last().locator('button[data-command="deal move D-1 qualified"]');
    expect(await button.innerText()).toBe("Move to qualified");
    const before = await answers().count();
    await button.click();
    const moved = await waitForNextAnswer(before);
    expect(moved).toContain("moved lead → qualified");
    expect(await page.locator("#log .you").last().innerText()).toBe("/crm deal move D-1 qualified");
    const row = await t.app.db.prisma.deal.findFirstOrThrow({ where: { workspaceId: wsId, number: 1 }, include: { stage: true } });
    expect(row.stage.name).toBe("qualified");
  });

  it("a campaign's 'Write the message' puts the command in the box to finish, and sending it saves the message", async () => {
    const agent = await page.locator("#member").inputValue();
    await page.locator("#member").selectOption({ label: "Ada Admin · admin" }); // campaigns are for managers and admins
    const reply = await send('/crm campaign new "Spring" segment:all channel:slack');
    expect(reply).toContain("K-1");
    const write = answers().last().locator('button[data-fill="campaign message K-1"]');
    expect(await write.innerText()).toBe("Write the message");
    const before = await answers().count();
    await write.click();
    expect(await page.locator("#text").inputValue()).toBe("/crm campaign message K-1 ");
    expect(await answers().count()).toBe(before); // nothing ran
    await page.locator("#text").press("End");
    await page.locator("#text").pressSequentially("Hi {{first_name}}");
    await page.locator("#text").press("Enter");
    expect(await waitForNextAnswer(before)).toContain("saved");
    const k = await t.app.db.prisma.campaign.findFirstOrThrow({ where: { workspaceId: wsId, number: 1 } });
    expect(k.message).toBe("Hi {{first_name}}");
    await page.locator("#member").selectOption(agent);
  });

  it("shows user content as text: no element, no script, no dialog", async () => {
    const evil = "<img src=x onerror=alert(1)>";
    const dialogsBefore = dialogs.length;
    const reply = await send(`/crm contact add ${evil}`);
    expect(reply).toContain("C-2");
    expect(reply).toContain(evil); // shown literally
    const shown = await send("/crm contact show C-2");
    expect(shown).toContain(evil);
    await page.waitForTimeout(300); // give a (wrongly) injected onerror a chance to fire
    expect(await page.locator("#log img").count()).toBe(0);
    expect(dialogs.length).toBe(dialogsBefore);
    const html = await page.locator("#log").innerHTML();
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    await page.screenshot({ path: "/tmp/console.png", fullPage: true });
  });

  it("a record link opens the console on the workspace and shows the record", async () => {
    await page.goto(`${t.url}/r/${wsId}/d-1`);
    expect(new URL(page.url()).pathname).toBe("/console");
    await page.waitForFunction(() => document.querySelectorAll("#log > div.out").length === 1, undefined, { timeout: 10_000 });
    expect(await page.locator("#ws").inputValue()).toBe(wsId);
    const text = await answers().last().innerText();
    expect(text).toContain("D-1");
    expect(text).toContain("Acme renewal");
    expect(text).toContain("qualified");
  });

  it("a link with another command only fills the input; nothing runs", async () => {
    const contacts = () => t.app.db.prisma.contact.count({ where: { workspaceId: wsId } });
    const before = await contacts();
    await page.goto(`${t.url}/console?ws=${wsId}&cmd=${encodeURIComponent("contact add Mallory")}`);
    await page.waitForFunction(() => (document.getElementById("text") as HTMLInputElement).value !== "");
    expect(await page.locator("#text").inputValue()).toBe("/crm contact add Mallory");
    expect(await page.locator("#log .you").count()).toBe(0);
    expect(await contacts()).toBe(before);
  });

  it("a link to a workspace the console does not have says so", async () => {
    await page.goto(`${t.url}/r/no-such-workspace/C-1`);
    await page.waitForFunction(() => document.querySelectorAll("#log .reply.error").length === 1);
    expect(await page.locator("#log .reply.error").innerText()).toContain("workspace this console does not have");
    expect(await page.locator("#log .you").count()).toBe(0);
  });

  it("raised no page errors and no alert", () => {
    expect(pageErrors).toEqual([]);
    expect(dialogs.filter((d) => d.type !== "prompt")).toEqual([]);
  });
});
