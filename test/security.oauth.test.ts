// OAuth state beyond test/slack.oauth.test.ts (forged, cookie-less, reused): an expired state, a state
// signed with another secret, a tampered payload and a genuine value that was never issued are refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { InstallationService } from "../src/domain/installations/service.ts";
import { signValue } from "../src/crypto.ts";

const SECRET = "state-secret-for-security-test";
let t: TestDb;
let svc: InstallationService;
beforeAll(async () => {
  t = await createTestDb();
  svc = new InstallationService(t.db.prisma, { stateSecret: SECRET, encryptionKey: "e".repeat(40) });
});
afterAll(async () => {
  await t.drop();
});

describe("Slack OAuth state", () => {
  it("a genuine state works once", async () => {
    const state = await svc.newState();
    expect(await svc.consumeState(state)).toBe(true);
    expect(await svc.consumeState(state)).toBe(false);
  });

  it("an expired state (older than 10 minutes) is refused", async () => {
    const state = await svc.newState();
    await t.db.prisma.oAuthState.update({ where: { state }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await svc.consumeState(state)).toBe(false);
  });

  it("a state signed with another secret, a tampered one and a correctly signed but never issued one are refused", async () => {
    const state = await svc.newState();
    const [payload, sig] = [state.slice(0, state.lastIndexOf(".")), state.slice(state.lastIndexOf(".") + 1)];
    expect(await svc.consumeState(signValue(payload, "another-secret"))).toBe(false);
    expect(await svc.consumeState(`${payload}x.${sig}`)).toBe(false);
    expect(await svc.consumeState(`${payload}.${sig.slice(0, -1)}`)).toBe(false);
    expect(await svc.consumeState(signValue("never-issued-payload", SECRET))).toBe(false);
    expect(await svc.consumeState("")).toBe(false);
    expect(await svc.consumeState(".")).toBe(false);
    // the genuine one is still usable after all those attempts
    expect(await svc.consumeState(state)).toBe(true);
  });

  it("without SLACK_STATE_SECRET nothing is accepted", async () => {
    const state = await svc.newState();
    expect(await new InstallationService(t.db.prisma, {}).consumeState(state)).toBe(false);
  });
});
