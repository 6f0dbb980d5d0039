// ENCRYPTION_KEY rotation: re-encrypts every stored platform token (Installation.botTokenEnc,
// userTokenEnc, installationEnc) and IMAP mailbox password (Mailbox.passwordEnc) from the old key to the
// new one, in one transaction.
// Idempotent: a value that already opens with the new key is left as it is, so a rotation that was
// interrupted (or run twice) can simply be run again. A value that opens with neither key stops the
// whole rotation and nothing is written.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { decrypt, encrypt } from "../../crypto.ts";

export interface RotationReport {
  /** installations and mailboxes */
  rows: number;
  reencrypted: number;
  alreadyNew: number;
}

export class RotationError extends Error {
  override name = "RotationError";
}

const FIELDS = ["botTokenEnc", "userTokenEnc", "installationEnc"] as const;

function opens(value: string, key: string): boolean {
  try {
    decrypt(value, key);
    return true;
  } catch {
    return false;
  }
}

export async function rotateEncryptionKey(db: PrismaClient, from: string, to: string): Promise<RotationReport> {
  if (from.length < 32 || to.length < 32) throw new RotationError("both keys must be at least 32 characters");
  if (from === to) throw new RotationError("the old and the new key are the same");
  const report: RotationReport = { rows: 0, reencrypted: 0, alreadyNew: 0 };
  await db.$transaction(
    async (tx) => {
      // lock the rows so a concurrent install cannot be written with the old key in between
      const rows = await tx.$queryRawUnsafe<
        { id: string; botTokenEnc: string | null; userTokenEnc: string | null; installationEnc: string }[]
      >(`SELECT id, "botTokenEnc", "userTokenEnc", "installationEnc" FROM "Installation" ORDER BY id FOR UPDATE`);
      for (const row of rows) {
        report.rows++;
        const data: Partial<Record<(typeof FIELDS)[number], string>> = {};
        for (const f of FIELDS) {
          const value = row[f];
          if (value === null) continue;
          if (opens(value, to)) {
            report.alreadyNew++;
            continue;
          }
          let plain: string;
          try {
            plain = decrypt(value, from);
          } catch {
            throw new RotationError(`Installation ${row.id}.${f} opens with neither the old nor the new key; nothing was changed`);
          }
          data[f] = encrypt(plain, to);
          report.reencrypted++;
        }
        if (Object.keys(data).length) await tx.installation.update({ where: { id: row.id }, data });
      }
      const mailboxes = await tx.$queryRawUnsafe<{ id: string; passwordEnc: string }[]>(
        `SELECT id, "passwordEnc" FROM "Mailbox" ORDER BY id FOR UPDATE`,
      );
      for (const row of mailboxes) {
        report.rows++;
        if (opens(row.passwordEnc, to)) {
          report.alreadyNew++;
          continue;
        }
        let plain: string;
        try {
          plain = decrypt(row.passwordEnc, from);
        } catch {
          throw new RotationError(`Mailbox ${row.id}.passwordEnc opens with neither the old nor the new key; nothing was changed`);
        }
        await tx.mailbox.update({ where: { id: row.id }, data: { passwordEnc: encrypt(plain, to) } });
        report.reencrypted++;
      }
    },
    { timeout: 120_000 },
  );
  return report;
}
