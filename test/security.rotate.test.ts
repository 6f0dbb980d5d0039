// ENCRYPTION_KEY rotation (npm run crm -- rotate-key): every stored Slack token moves to the new key,
// the old key no longer opens them, a rerun is harmless, and a wrong old key changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { InstallationService } from "../src/domain/installations/service.ts";
import { RotationError, rotateEncryptionKey } from "../src/domain/installations/rotate.ts";
import { main } from "../src/cli/crm.ts";

const OLD = "o".repeat(40);
const NEW = "n".repeat(40);
const THIRD = "t".repeat(40);
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  const svc = new InstallationService(t.db.prisma, { encryptionKey: OLD });
  await svc.save({
    teamId: "TROT1",
    teamName: "One",
    isEnterprise: false,
    botUserId: "UB1",
    botToken: "xoxb-rot-1111",
    userToken: "xoxp-user-1111",
    raw: { a: 1 },
  });
  await svc.save({ teamId: "TROT2", teamName: "Two", isEnterprise: false, botUserId: "UB2", botToken: "xoxb-rot-2222", raw: { b: 2 } });
});
afterAll(async () => {
  await t.drop();
});

const snapshot = () => t.db.prisma.installation.findMany({ orderBy: { id: "asc" } });

describe("ENCRYPTION_KEY rotation", () => {
  it("refuses a wrong old key and leaves every row as it was", async () => {
    const before = await snapshot();
    await expect(rotateEncryptionKey(t.db.prisma, THIRD, NEW)).rejects.toBeInstanceOf(RotationError);
    await expect(rotateEncryptionKey(t.db.prisma, OLD, OLD)).rejects.toBeInstanceOf(RotationError);
    await expect(rotateEncryptionKey(t.db.prisma, "short", NEW)).rejects.toBeInstanceOf(RotationError);
    expect(await snapshot()).toEqual(before);
  });

  it("re-encrypts every token under the new key; the old key stops working; a rerun changes nothing", async () => {
    const r = await rotateEncryptionKey(t.db.prisma, OLD, NEW);
    expect(r).toEqual({ rows: 2, reencrypted: 5, alreadyNew: 0 });
    const withNew = new InstallationService(t.db.prisma, { encryptionKey: NEW });
    expect((await withNew.botFor("TROT1"))?.botToken).toBe("xoxb-rot-1111");
    expect((await withNew.botFor("TROT2"))?.botToken).toBe("xoxb-rot-2222");
    await expect(new InstallationService(t.db.prisma, { encryptionKey: OLD }).botFor("TROT1")).rejects.toThrow();
    const rows = JSON.stringify(await snapshot());
    expect(rows).not.toContain("xoxb-rot");
    expect(rows).not.toContain("xoxp-user");

    const before = await snapshot();
    expect(await rotateEncryptionKey(t.db.prisma, OLD, NEW)).toEqual({ rows: 2, reencrypted: 0, alreadyNew: 5 });
    expect(await snapshot()).toEqual(before);
  });

  it("runs from the CLI: npm run crm -- rotate-key --from <old> --to <new>", async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = t.url;
    try {
      expect(await main(["rotate-key", "--from", NEW, "--to", THIRD])).toBe(0);
      expect(await main(["rotate-key", "--from", "x".repeat(40), "--to", NEW])).toBe(1); // opens with neither
      expect(await main(["rotate-key", "--to", NEW])).toBe(2); // no old key
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
    const withThird = new InstallationService(t.db.prisma, { encryptionKey: THIRD });
    expect((await withThird.botFor("TROT1"))?.botToken).toBe("xoxb-rot-1111");
  });
});
