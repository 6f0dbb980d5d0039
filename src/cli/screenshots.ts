// `npm run docs:screenshots`: the pictures of the docs, taken from the running app so one command refreshes them.
// Starts the whole app on a throwaway embedded database (PGlite in a temporary directory) and its own Redis key
// prefix, seeds the demo workspace, and drives Chromium (CHROMIUM_PATH, else Debian's /usr/bin/chromium) through
// playwright-core as test/console.browser.test.ts does:
//   docs/images/console.png     the web console after a few commands, as a manager of "Demo Co"
//   docs/images/slack-card.png  a deal card as Slack shows it, drawn from the Block Kit the Slack adapter
//                               produces for that reply (src/cli/slackPreview.ts): a rendering, not Slack itself
// Everything it started or wrote outside docs/images (database directory, Redis keys) is removed at the end.
// Needs Redis (REDIS_URL, default redis://127.0.0.1:6379); no PostgreSQL. Emoji in replies (⏰ on a button) need an
// emoji font where Chromium runs (Debian: fonts-noto-color-emoji), else they show as empty boxes.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import { chromium, type Browser, type Page } from "playwright-core";
import { ConfigError, loadConfig } from "../config/env.ts";
import { startApp, type App } from "../app.ts";
import { createLogger } from "../log.ts";
import { seedDemo } from "../seed/demo.ts";
import { fromWire, type WireReply } from "../reply/wire.ts";
import { renderSlack } from "../../adapters/slack/render.ts";
import { shareCommandFor } from "../../adapters/slack/share.ts";
import { slackMessagePage } from "./slackPreview.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const IMAGES = path.join(ROOT, "docs/images");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const WIDTH = 1200;
/** who runs the commands: the demo's manager (sees revenue, may do everything a deal needs) */
const MEMBER = "Jonas Weber";
/** PNGs larger than this fail the run: the docs stay light to clone */
const MAX_BYTES = 200 * 1024;

/** The commands typed in the console picture, about the deal of the Slack card. */
const consoleCommands = (deal: Deal) => [
  "/crm pipeline",
  `/crm search ${deal.company.split(" ")[0].toLowerCase()}`,
  `/crm deal show ${deal.key}`,
];

interface Deal {
  key: string;
  company: string;
}

async function json<T>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, body ? { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {});
  if (!res.ok) throw new Error(`${res.status} from ${url}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** The Block Kit the Slack adapter sends for `/crm <text>` typed by the member, as adapters/slack/surface.ts sends it. */
async function slackAnswer(app: App, workspaceId: string, memberId: string, text: string) {
  const { reply: wire } = await json<{ reply: WireReply }>(`${app.url}/console/api/command`, { workspaceId, memberId, text });
  const reply = fromWire(wire);
  if (reply.kind !== "ok") throw new Error(`${text} answered an error: ${reply.summary}`);
  return { reply, message: renderSlack(reply, { shareCommand: shareCommandFor(undefined, text, reply) }) };
}

async function typeCommand(page: Page, text: string): Promise<void> {
  const answers = "#log > div:not(.you)";
  const before = await page.locator(answers).count();
  await page.locator("#text").fill(text);
  await page.locator("#text").press("Enter");
  await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel as string).length > (n as number), [answers, before] as const, {
    timeout: 15_000,
  });
}

async function consoleShot(browser: Browser, app: App, workspaceId: string, deal: Deal, file: string): Promise<void> {
  const page = await browser.newPage({ viewport: { width: WIDTH, height: 860 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${app.url}/console?ws=${encodeURIComponent(workspaceId)}`);
  await page.waitForFunction(() => (document.getElementById("member") as HTMLSelectElement).options.length > 1);
  await page.locator("#member").selectOption({ label: `${MEMBER} · manager` });
  for (const c of consoleCommands(deal)) await typeCommand(page, c);
  if (errors.length) throw new Error(`the console page raised: ${errors.join("; ")}`);
  await page.screenshot({ path: file, fullPage: true });
  await page.close();
}

async function slackShot(browser: Browser, app: App, workspaceId: string, memberId: string, deal: Deal, file: string): Promise<void> {
  const typed = `/crm deal show ${deal.key}`;
  const { reply, message } = await slackAnswer(app, workspaceId, memberId, typed);
  const html = slackMessagePage(message, {
    channel: "sales",
    who: MEMBER,
    typed,
    ephemeral: reply.ephemeral,
    footer:
      "A rendering of the Block Kit the Slack adapter (adapters/slack/render.ts) produces for this answer, drawn by npm run docs:screenshots; not a screenshot of Slack.",
  });
  const page = await browser.newPage({ viewport: { width: WIDTH, height: 400 } });
  await page.setContent(html);
  await page.screenshot({ path: file, fullPage: true });
  await page.close();
}

/** The demo deal the pictures show: the largest one in negotiation, which has a company, a contact and an owner. */
async function pickDeal(app: App, workspaceId: string): Promise<Deal> {
  const deal = await app.db.prisma.deal.findFirst({
    where: { workspaceId, stage: { name: "negotiation" }, companyId: { not: null }, contactId: { not: null }, ownerId: { not: null } },
    orderBy: [{ amount: "desc" }, { number: "asc" }],
    include: { company: true },
  });
  if (!deal) throw new Error("the demo workspace has no deal in negotiation with a company, a contact and an owner");
  return { key: `D-${deal.number}`, company: deal.company?.name ?? "" };
}

async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
}

async function main(): Promise<number> {
  if (!existsSync(CHROMIUM)) {
    console.error(`Chromium not found at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH.`);
    return 1;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "crm-screenshots-"));
  const prefix = `crmdocs_${randomBytes(5).toString("hex")}`;
  let app: App | undefined;
  let browser: Browser | undefined;
  try {
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: "silent",
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    });
    app = await startApp(config, { logger: createLogger("silent") });
    const seeded = await seedDemo(app.db.prisma);
    const members = await json<{ id: string; name: string }[]>(`${app.url}/console/api/workspaces/${seeded.workspaceId}/members`);
    const member = members.find((m) => m.name === MEMBER);
    if (!member) throw new Error(`the demo workspace has no member ${MEMBER}`);
    const deal = await pickDeal(app, seeded.workspaceId);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    mkdirSync(IMAGES, { recursive: true });
    const shots = [path.join(IMAGES, "console.png"), path.join(IMAGES, "slack-card.png")];
    await consoleShot(browser, app, seeded.workspaceId, deal, shots[0]);
    await slackShot(browser, app, seeded.workspaceId, member.id, deal, shots[1]);
    let ok = true;
    for (const file of shots) {
      const kb = Math.round(statSync(file).size / 1024);
      console.log(`Wrote ${path.relative(process.cwd(), file)} (${kb} KB)`);
      if (statSync(file).size > MAX_BYTES) {
        console.error(`${path.basename(file)} is over ${MAX_BYTES / 1024} KB: make the picture smaller.`);
        ok = false;
      }
    }
    return ok ? 0 : 1;
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  } finally {
    await browser?.close();
    await app?.close();
    if (app) await deleteKeys(app.config.REDIS_URL, prefix);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`Screenshots failed: ${e.message}`);
      process.exit(1);
    },
  );
}
