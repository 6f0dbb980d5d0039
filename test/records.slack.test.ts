// Merge, history, undo, delete and restore (#13 item 3) on Slack through the real path: /crm requests and
// block_actions clicks on the buttons the bot drew, signed exactly as Slack signs them, answered in the ack or
// on the request's response_url, with the worker in the same process and a fake Slack Web API. An agent (not
// the installer) adds the same name twice, merges with the warning's Merge button, reads the kept contact's
// history, undoes the merge, deletes a deal and brings it back with the Restore button.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import type { FakeServer } from "./helpers/fakeHttp.ts";
import { buttonClick, interactive, slackEnv, slashText, startFakeSlack, type Who } from "./helpers/slack.ts";

let t: TestApp;
let fake: FakeServer;
let ws: string;
let agentId: string;

const AGENT: Who = { user: "W222", userName: "rep" };
const db = () => t.app.db.prisma;
const contactNo = (number: number) => db().contact.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws, number } } });
/** the agent's name as the CRM shows it now (taken from Slack when they first use it) */
const agentName = async () => (await db().member.findUniqueOrThrow({ where: { id: agentId } })).name;
const dealNo = (number: number) => db().deal.findUniqueOrThrow({ where: { workspaceId_number: { workspaceId: ws, number } } });

/** the agent's /crm, its answer as Slack got it (ack body or response_url post) */
const asAgent = async (text: string): Promise<any> => JSON.parse(await slashText(t.url, text, fake, AGENT));
const shown = (msg: any) => JSON.stringify(msg.blocks);
const button = (msg: any, label: string) => {
  const all = msg.blocks.filter((b: any) => b.type === "actions").flatMap((b: any) => b.elements);
  const found = all.find((e: any) => e.text.text === label);
  expect(found, `a ${label} button among ${all.map((e: any) => e.text.text).join(", ")}`).toBeTruthy();
  return found;
};
/** the agent clicks a button of ours: a signed block_actions payload; the answer goes to the click's response_url */
async function click(b: { action_id: string; value: string }): Promise<any> {
  const body = buttonClick(fake, { action_id: b.action_id, value: b.value }, AGENT);
  expect((await interactive(t.url, body)).status).toBe(200);
  const [answer] = await fake.waitFor(new URL(body.response_url).pathname, 1, 15_000);
  return answer.body;
}

beforeAll(async () => {
  fake = await startFakeSlack();
  t = await startTestApp(slackEnv(fake));
  // W111 is the first person (admin); W222 joins as a viewer and is made an agent
  expect(await slashText(t.url, "role <@W222> agent", fake)).toContain("is now agent");
  ws = (await db().platformLink.findFirstOrThrow({ where: { platform: "slack", externalId: "T111" } })).workspaceId;
  const agent = await db().member.findFirstOrThrow({ where: { workspaceId: ws, slackUserId: "W222" } });
  expect(agent.role).toBe("agent");
  agentId = agent.id;
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await fake?.close();
});

describe("records on Slack, by an agent", () => {
  it("a second contact with the same name warns with the first one's key and a Merge button; the button merges them", async () => {
    expect(shown(await asAgent("contact add Ana Lopez email:ana@acme.test"))).toContain("C-1");
    const second = await asAgent('contact add Ana Lopez phone:"+1 555 0100"');
    expect(shown(second)).toContain("C-2");
    expect(shown(second)).toContain("⚠️ Same name as C-1 Ana Lopez. If it is the same person: /crm contact merge C-2 into C-1");
    expect(shown(await asAgent("log note C-2 Met at the fair"))).toContain("C-2");
    const merge = button(second, "Merge into C-1");
    expect(merge.value).toBe("contact merge C-2 into C-1");

    const merged = await click(merge);
    expect(merged.replace_original).toBe(true);
    expect(shown(merged)).toContain("🔀 Merged *C-2* Ana Lopez into *C-1* Ana Lopez: moved 1 interaction.");
    expect(shown(merged)).toMatch(/C-2 is archived and points to C-1; C-1 got its phone[,.]/);
    const [dup, kept] = [await contactNo(2), await contactNo(1)];
    expect(dup.mergedIntoId).toBe(kept.id);
    expect(dup.archivedAt).not.toBeNull();
    expect(kept.phone).toBe("+1 555 0100");
    expect(await db().interaction.count({ where: { workspaceId: ws, contactId: kept.id } })).toBe(1);
    const row = await db().auditLog.findFirstOrThrow({ where: { workspaceId: ws, action: "contact.merge", entityId: dup.id } });
    expect(row.actorId).toBe(agentId);
  });

  it("history of the kept contact shows the merge in: by the agent, the phone it got, and the add before it", async () => {
    const h = shown(await asAgent("history C-1"));
    const name = await agentName();
    expect(h).toContain("History of C-1 Ana Lopez");
    expect(h).toContain(`*contact.merged-in* by ${name}`);
    expect(h).toContain("phone: — → +1 555 0100");
    expect(h).toContain(`*contact.add* by ${name}`);
    expect(h.indexOf("contact.merged-in")).toBeLessThan(h.indexOf("contact.add"));
  });

  it("undo puts the merge back: C-2 is live with its note again, C-1 loses the phone, and history shows the undo", async () => {
    const u = shown(await asAgent("undo"));
    expect(u).toContain("↩️ Undid *contact.merge* on *C-2*: C-2 is live again, with 1 of its records moved back from C-1.");
    const [dup, kept] = [await contactNo(2), await contactNo(1)];
    expect([dup.archivedAt, dup.mergedIntoId, dup.phone]).toEqual([null, null, "+1 555 0100"]);
    expect(kept.phone).toBeNull();
    expect(await db().interaction.count({ where: { workspaceId: ws, contactId: dup.id } })).toBe(1);
    const h = shown(await asAgent("history C-1"));
    expect(h).toContain(`*contact.undo* by ${await agentName()}`);
    expect(h).toContain("— undid contact.merge");
    expect(h).toContain("phone: +1 555 0100 → —");
  });

  it("deal delete answers with a Restore button; a forged click is refused, the signed one brings the deal back", async () => {
    expect(shown(await asAgent('deal new "Acme renewal" 12k contact:C-1'))).toContain("D-1");
    const deleted = await asAgent("deal delete D-1");
    expect(shown(deleted)).toContain("🗄️ *D-1* Acme renewal is archived: it no longer shows in lists, search or counts.");
    expect((await dealNo(1)).archivedAt).not.toBeNull();
    expect(shown(await asAgent("deal list"))).not.toContain("Acme renewal");
    const restore = button(deleted, "Restore");
    expect(restore.value).toBe("deal restore D-1");

    const forged = buttonClick(fake, { action_id: restore.action_id, value: restore.value }, AGENT);
    expect((await interactive(t.url, forged, { secret: "not-the-signing-secret" })).status).toBe(401);
    expect((await dealNo(1)).archivedAt).not.toBeNull();

    const restored = await click(restore);
    expect(shown(restored)).toContain("♻️ *D-1* Acme renewal is back.");
    expect((await dealNo(1)).archivedAt).toBeNull();
    expect(shown(await asAgent("deal list"))).toContain("Acme renewal");
    const row = await db().auditLog.findFirstOrThrow({ where: { workspaceId: ws, action: "deal.restore" } });
    expect(row.actorId).toBe(agentId);
  });
});
