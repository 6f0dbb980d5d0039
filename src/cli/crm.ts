// `npm run crm -- <command>`: CSV in and out of a workspace, from the shell.
//   export contacts|deals|tickets --workspace <id|name> [--out file.csv]     (stdout without --out)
//   import contacts <file.csv> --workspace <id|name> [--skip-invalid] [--dry-run]
//   rotate-key --from <old key> --to <new key>   (defaults: $ENCRYPTION_KEY_OLD and $ENCRYPTION_KEY)
// An import is all or nothing: one rejected row and nothing is written (exit 1), unless --skip-invalid,
// which imports the valid rows and reports the rest. The report goes to stderr; exit 0 when rows went in.
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { once } from "node:events";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config/env.ts";
import { openDatabase } from "../db/client.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { EXPORT_KINDS, exportCsv, type ExportKind } from "../domain/csv/export.ts";
import { formatReport, importContacts } from "../domain/csv/import.ts";
import { RotationError, rotateEncryptionKey } from "../domain/installations/rotate.ts";

export const USAGE = [
  "Usage:",
  "  npm run crm -- export contacts|deals|tickets --workspace <id|name> [--out file.csv]",
  "  npm run crm -- import contacts <file.csv> --workspace <id|name> [--skip-invalid] [--dry-run]",
  "  npm run crm -- rotate-key [--from <old key>] [--to <new key>]   (defaults: $ENCRYPTION_KEY_OLD, $ENCRYPTION_KEY)",
].join("\n");

class UsageError extends Error {}

export type CrmArgs =
  | { cmd: "export"; kind: ExportKind; workspace: string; out?: string }
  | { cmd: "import"; file: string; workspace: string; skipInvalid: boolean; dryRun: boolean }
  | { cmd: "rotate-key"; from: string; to: string };

export function parseCrmArgs(argv: string[]): CrmArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        workspace: { type: "string", short: "w" },
        out: { type: "string", short: "o" },
        "skip-invalid": { type: "boolean" },
        "dry-run": { type: "boolean" },
        from: { type: "string" },
        to: { type: "string" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const [cmd, kind, file, ...rest] = parsed.positionals;
  const workspace = parsed.values.workspace;
  if (cmd === "export") {
    if (!EXPORT_KINDS.includes(kind as ExportKind)) throw new UsageError(`export what? ${EXPORT_KINDS.join(", ")}`);
    if (file || rest.length) throw new UsageError(`unexpected "${[file, ...rest].join(" ")}"`);
    if (!workspace) throw new UsageError("--workspace <id|name> is required");
    return { cmd, kind: kind as ExportKind, workspace, out: parsed.values.out };
  }
  if (cmd === "import") {
    if (kind !== "contacts") throw new UsageError("only contacts can be imported");
    if (!file) throw new UsageError("import contacts needs the CSV file");
    if (rest.length) throw new UsageError(`unexpected "${rest.join(" ")}"`);
    if (!workspace) throw new UsageError("--workspace <id|name> is required");
    return { cmd, file, workspace, skipInvalid: !!parsed.values["skip-invalid"], dryRun: !!parsed.values["dry-run"] };
  }
  if (cmd === "rotate-key") {
    if (kind || file || rest.length) throw new UsageError(`unexpected "${[kind, file, ...rest].filter(Boolean).join(" ")}"`);
    const from = parsed.values.from ?? process.env.ENCRYPTION_KEY_OLD;
    const to = parsed.values.to ?? process.env.ENCRYPTION_KEY;
    if (!from) throw new UsageError("rotate-key needs the old key: --from <key> or ENCRYPTION_KEY_OLD");
    if (!to) throw new UsageError("rotate-key needs the new key: --to <key> or ENCRYPTION_KEY");
    return { cmd, from, to };
  }
  throw new UsageError(cmd ? `unknown command "${cmd}"` : "no command");
}

async function resolveWorkspace(db: PrismaClient, ref: string): Promise<string> {
  const byId = await db.workspace.findUnique({ where: { id: ref }, select: { id: true } });
  if (byId) return byId.id;
  const byName = await db.workspace.findMany({ where: { name: ref }, select: { id: true }, take: 2 });
  if (byName.length === 1) return byName[0].id;
  throw new UsageError(byName.length ? `two workspaces are named "${ref}"; use the id` : `no workspace with id or name "${ref}"`);
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  let args: CrmArgs;
  try {
    args = parseCrmArgs(argv);
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: config.DATABASE_POOL_SIZE });
  try {
    if (args.cmd === "rotate-key") {
      const r = await rotateEncryptionKey(db.prisma, args.from, args.to);
      console.error(
        `Rotated ENCRYPTION_KEY: ${r.rows} installation(s) and mailbox(es), ${r.reencrypted} value(s) re-encrypted, ${r.alreadyNew} already on the new key.`,
      );
      return 0;
    }
    const workspaceId = await resolveWorkspace(db.prisma, args.workspace);
    if (args.cmd === "export") {
      const out = args.out ? createWriteStream(args.out) : process.stdout;
      const n = await exportCsv(db.prisma, workspaceId, args.kind, out);
      if (args.out) {
        (out as ReturnType<typeof createWriteStream>).end();
        await once(out, "finish");
      }
      console.error(`Exported ${n} ${args.kind}${args.out ? ` to ${args.out}` : ""}.`);
      return 0;
    }
    const text = await readFile(args.file, "utf8");
    const report = await importContacts(db.prisma, workspaceId, text, { skipInvalid: args.skipInvalid, dryRun: args.dryRun });
    console.error(formatReport(report, args.file));
    return report.fileError || (report.rejected.length && !report.committed) ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(e.message);
      return 2;
    }
    if (e instanceof RotationError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  } finally {
    await db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: Error) => {
      console.error(`crm: ${e.message}`);
      process.exitCode = 1;
    },
  );
}
