// CSV import of contacts into one workspace. Every row is checked first (name present, email well formed
// and not already taken in the file or the workspace, tags within limits); the report lists each rejected
// row with its line and reasons. Nothing is half imported: by default one rejected row means nothing is
// written; with skipInvalid the valid rows go in and the rejected ones are only reported. Either way the
// write is one transaction of bulk inserts (companies by name, then contacts), so it lands whole or not.
import { randomBytes } from "node:crypto";
import { parse } from "csv-parse/sync";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { parseEmail } from "../../parse/values.ts";
import { TEXT_LIMITS } from "../../parse/limits.ts";
import { audit } from "../audit.ts";
import { unguardCell } from "./export.ts";
import { recordEvent } from "../events/record.ts";

export interface Rejected {
  line: number;
  reasons: string[];
  name?: string;
  email?: string;
}
export interface ImportReport {
  /** rows after the header */
  rows: number;
  imported: number;
  companiesCreated: number;
  rejected: Rejected[];
  /** whether anything was written */
  committed: boolean;
  /** columns present in the file that the importer does not read */
  ignoredColumns: string[];
  /** the file could not be read as CSV at all (unclosed quote…): nothing was imported */
  fileError?: string;
}

export interface ImportOptions {
  skipInvalid?: boolean;
  dryRun?: boolean;
}

const KNOWN = ["key", "name", "email", "phone", "title", "company", "tags", "owner"] as const;
const MAX = { name: TEXT_LIMITS.name, phone: TEXT_LIMITS.phone, title: TEXT_LIMITS.line, company: TEXT_LIMITS.line };
const newId = () => `c${randomBytes(12).toString("hex")}`;
/** Up to this many new contacts are named in the import's event; a bigger import rescores the whole workspace. */
const EVENT_MAX_IDS = 1000;

interface Valid {
  line: number;
  name: string;
  email: string | null;
  phone: string | null;
  title: string | null;
  company: string | null;
  tags: string[];
  owner: string | null;
}

export async function importContacts(db: PrismaClient, workspaceId: string, text: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const report: ImportReport = { rows: 0, imported: 0, companiesCreated: 0, rejected: [], committed: false, ignoredColumns: [] };
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as never;
  } catch (e) {
    return { ...report, fileError: (e as Error).message };
  }
  if (!records.length)
    return { ...report, fileError: "the file is empty; the first line must name the columns (name,email,phone,title,company,tags)" };
  const header = records[0].record.map((h) => h.trim().toLowerCase().replace(/\s+/g, "_"));
  const col = Object.fromEntries(KNOWN.map((k) => [k, header.indexOf(k)])) as Record<(typeof KNOWN)[number], number>;
  if (col.name < 0) return { ...report, fileError: `no "name" column in the header (${header.join(",")})` };
  report.ignoredColumns = header.filter((h) => !(KNOWN as readonly string[]).includes(h));
  const rows = records.slice(1);
  report.rows = rows.length;

  const members = await db.member.findMany({ where: { workspaceId }, select: { id: true, name: true } });
  const memberByName = new Map(members.map((m) => [m.name.toLowerCase(), m.id]));
  const valid: Valid[] = [];
  const firstLineOf = new Map<string, number>();
  for (const { record, info } of rows) {
    const cell = (k: (typeof KNOWN)[number]) => (col[k] >= 0 ? unguardCell((record[col[k]] ?? "").trim()) : "");
    const reasons: string[] = [];
    if (record.length !== header.length) reasons.push(`has ${record.length} fields, the header has ${header.length}`);
    const name = cell("name"),
      rawEmail = cell("email");
    if (!name) reasons.push("missing name");
    else if (name.length > MAX.name) reasons.push(`name is longer than ${MAX.name} characters`);
    let email: string | null = null;
    if (rawEmail) {
      email = parseEmail(rawEmail);
      if (!email) reasons.push(`bad email "${rawEmail.slice(0, 80)}"`);
      else if (firstLineOf.has(email)) reasons.push(`duplicate email ${email} (also on line ${firstLineOf.get(email)})`);
      else firstLineOf.set(email, info.lines);
    }
    const tags = [
      ...new Set(
        cell("tags")
          .split(/[,;]/)
          .map((x) => x.trim().toLowerCase())
          .filter(Boolean),
      ),
    ];
    if (tags.length > 30 || tags.some((x) => x.length > 50)) reasons.push("at most 30 tags of 50 characters");
    for (const k of ["phone", "title", "company"] as const)
      if (cell(k).length > MAX[k]) reasons.push(`${k} is longer than ${MAX[k]} characters`);
    if (reasons.length) {
      report.rejected.push({ line: info.lines, reasons, name: name || undefined, email: rawEmail || undefined });
      continue;
    }
    valid.push({
      line: info.lines,
      name,
      email,
      phone: cell("phone") || null,
      title: cell("title") || null,
      company: cell("company") || null,
      tags,
      owner: memberByName.get(cell("owner").toLowerCase()) ?? null,
    });
  }

  // emails the workspace already has
  const emails = valid.flatMap((v) => (v.email ? [v.email] : []));
  if (emails.length) {
    const taken = await db.$queryRaw<{ email: string; number: number }[]>`
      SELECT email, number FROM "Contact" WHERE "workspaceId" = ${workspaceId} AND email = ANY(${emails}::text[])`;
    const byEmail = new Map(taken.map((x) => [x.email, x.number]));
    for (let i = valid.length - 1; i >= 0; i--) {
      const v = valid[i];
      if (v.email && byEmail.has(v.email)) {
        report.rejected.push({
          line: v.line,
          reasons: [`duplicate: C-${byEmail.get(v.email)} already has ${v.email}`],
          name: v.name,
          email: v.email,
        });
        valid.splice(i, 1);
      }
    }
    report.rejected.sort((a, b) => a.line - b.line);
  }
  if ((report.rejected.length && !opts.skipInvalid) || opts.dryRun || !valid.length) return report;

  await db.$transaction(
    async (tx) => {
      // companies by name (case-insensitive); new ones get the next A- numbers
      const names = [...new Map(valid.flatMap((v) => (v.company ? [[v.company.toLowerCase(), v.company]] : []))).entries()];
      const existing = names.length
        ? await tx.$queryRaw<{ id: string; lname: string }[]>`
      SELECT DISTINCT ON (lower(name)) id, lower(name) AS lname FROM "Company"
      WHERE "workspaceId" = ${workspaceId} AND lower(name) = ANY(${names.map(([l]) => l)}::text[]) ORDER BY lower(name), number`
        : [];
      const companyId = new Map(existing.map((c) => [c.lname, c.id]));
      const fresh = names.filter(([l]) => !companyId.has(l));
      if (fresh.length) {
        const first = await reserve(tx, workspaceId, "company", fresh.length);
        const ids = fresh.map(([l]) => {
          const id = newId();
          companyId.set(l, id);
          return id;
        });
        await tx.$executeRaw`
        INSERT INTO "Company" (id, "workspaceId", number, name, "createdAt", "updatedAt")
        SELECT u.id, ${workspaceId}, u.n, u.name, now(), now()
        FROM unnest(${ids}::text[], ${fresh.map((_, i) => first + i)}::int[], ${fresh.map(([, n]) => n)}::text[]) AS u(id, n, name)`;
      }
      const first = await reserve(tx, workspaceId, "contact", valid.length);
      const col = <T>(f: (v: Valid) => T) => valid.map(f);
      const contactIds = col(() => newId());
      await tx.$executeRaw`
      INSERT INTO "Contact" (id, "workspaceId", number, name, email, phone, title, tags, "companyId", "ownerId", "createdAt", "updatedAt")
      SELECT u.id, ${workspaceId}, u.n, u.name, u.email, u.phone, u.title, CASE WHEN u.tags = '' THEN ARRAY[]::text[] ELSE string_to_array(u.tags, ',') END,
             u.company, u.owner, now(), now()
      FROM unnest(${contactIds}::text[], ${valid.map((_, i) => first + i)}::int[], ${col((v) => v.name)}::text[],
                  ${col((v) => v.email)}::text[], ${col((v) => v.phone)}::text[], ${col((v) => v.title)}::text[], ${col((v) => v.tags.join(","))}::text[],
                  ${col((v) => (v.company ? companyId.get(v.company.toLowerCase())! : null))}::text[], ${col((v) => v.owner)}::text[])
           AS u(id, n, name, email, phone, title, tags, company, owner)`;
      await audit(tx, { workspaceId, memberId: null }, "contact.import", "workspace", workspaceId, null, {
        imported: valid.length,
        companiesCreated: fresh.length,
        rejected: report.rejected.length,
      });
      // scored and routed like contacts added in chat: the domain-events worker picks this up (its sweep: no Redis here)
      const all = contactIds.length > EVENT_MAX_IDS;
      await recordEvent(
        tx,
        { workspaceId, memberId: null, name: "CSV import", platform: "cli" },
        {
          type: "contacts.imported",
          recordKind: "workspace",
          recordId: workspaceId,
          data: { contactIds: all ? [] : contactIds, all, companiesCreated: fresh.length },
        },
      );
      report.companiesCreated = fresh.length;
    },
    { timeout: 120_000 },
  );
  report.imported = valid.length;
  report.committed = true;
  return report;
}

/** Takes n consecutive key numbers of a kind; returns the first. */
async function reserve(tx: Pick<PrismaClient, "$queryRaw">, workspaceId: string, kind: string, n: number): Promise<number> {
  const [row] = await tx.$queryRaw<{ value: number }[]>`
    INSERT INTO "KeyCounter" ("workspaceId", kind, value) VALUES (${workspaceId}, ${kind}, ${n})
    ON CONFLICT ("workspaceId", kind) DO UPDATE SET value = "KeyCounter".value + ${n}
    RETURNING value`;
  return Number(row.value) - n + 1;
}

/** The report as lines for a terminal. */
export function formatReport(r: ImportReport, file: string): string {
  if (r.fileError) return `Could not read ${file} as CSV: ${r.fileError}. Nothing was imported.`;
  const lines: string[] = [];
  if (r.committed)
    lines.push(
      `Imported ${r.imported} of ${r.rows} contacts from ${file}${r.companiesCreated ? ` (${r.companiesCreated} new companies)` : ""}.`,
    );
  else if (r.rejected.length) {
    const ok = r.rows - r.rejected.length;
    lines.push(
      `Nothing was imported: ${r.rejected.length} of ${r.rows} rows were rejected.${ok ? ` Fix them, or run again with --skip-invalid to import the ${ok} valid rows.` : ""}`,
    );
  } else lines.push(`${r.rows} rows checked, all valid${r.rows ? "" : " (the file has only a header)"}; nothing written (dry run).`);
  if (r.rejected.length) {
    lines.push(`Rejected rows (${r.rejected.length}):`);
    for (const x of r.rejected) lines.push(`  line ${x.line}${x.name ? ` (${x.name})` : ""}: ${x.reasons.join("; ")}`);
  }
  if (r.ignoredColumns.length) lines.push(`Columns not imported: ${r.ignoredColumns.join(", ")}.`);
  return lines.join("\n");
}
