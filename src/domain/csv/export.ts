// CSV export of contacts, deals or tickets of one workspace. Rows are read in pages by key number (keyset,
// never OFFSET) and streamed through csv-stringify, so a 100k-row export holds one page in memory.
// Cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) get a leading apostrophe;
// the importer takes it off again, so a round trip gives back what went out.
import type { Writable } from "node:stream";
import { stringify } from "csv-stringify";
import type { PrismaClient } from "../../generated/prisma/client.ts";

export const EXPORT_KINDS = ["contacts", "deals", "tickets"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

const FORMULA = /^[=+\-@\t\r]/;
export const guardCell = (v: string) => (FORMULA.test(v) ? `'${v}` : v);
export const unguardCell = (v: string) => (/^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v);

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : "");
const PAGE = 5000;

export const COLUMNS: Record<ExportKind, string[]> = {
  contacts: ["key", "name", "email", "phone", "title", "company", "tags", "owner", "created_at", "last_interaction_at"],
  deals: [
    "key",
    "title",
    "amount",
    "currency",
    "stage",
    "owner",
    "company",
    "contact",
    "expected_close",
    "created_at",
    "closed_at",
    "lost_reason",
  ],
  tickets: ["key", "subject", "status", "priority", "requester", "assignee", "breached", "created_at", "first_response_at", "resolved_at"],
};

type Row = (string | number)[];

async function* pages(db: PrismaClient, workspaceId: string, kind: ExportKind): AsyncGenerator<Row[]> {
  let after = 0;
  for (;;) {
    const where = { workspaceId, number: { gt: after } };
    let rows: Row[];
    let last: number | undefined;
    if (kind === "contacts") {
      const xs = await db.contact.findMany({
        where,
        orderBy: { number: "asc" },
        take: PAGE,
        include: { company: { select: { name: true } }, owner: { select: { name: true } } },
      });
      rows = xs.map((c) => [
        `C-${c.number}`,
        c.name,
        c.email ?? "",
        c.phone ?? "",
        c.title ?? "",
        c.company?.name ?? "",
        c.tags.join(","),
        c.owner?.name ?? "",
        iso(c.createdAt),
        iso(c.lastInteractionAt),
      ]);
      last = xs.at(-1)?.number;
    } else if (kind === "deals") {
      const xs = await db.deal.findMany({
        where,
        orderBy: { number: "asc" },
        take: PAGE,
        include: {
          stage: { select: { name: true } },
          owner: { select: { name: true } },
          company: { select: { name: true } },
          contact: { select: { number: true } },
        },
      });
      rows = xs.map((d) => [
        `D-${d.number}`,
        d.title,
        d.amount.toFixed(2),
        d.currency.trim(),
        d.stage.name,
        d.owner?.name ?? "",
        d.company?.name ?? "",
        d.contact ? `C-${d.contact.number}` : "",
        iso(d.expectedCloseAt),
        iso(d.createdAt),
        iso(d.closedAt),
        d.lostReason ?? "",
      ]);
      last = xs.at(-1)?.number;
    } else {
      const xs = await db.ticket.findMany({
        where,
        orderBy: { number: "asc" },
        take: PAGE,
        include: { requester: { select: { number: true } }, assignee: { select: { name: true } } },
      });
      rows = xs.map((t) => [
        `T-${t.number}`,
        t.subject,
        t.status,
        t.priority,
        t.requester ? `C-${t.requester.number}` : "",
        t.assignee?.name ?? "",
        t.breached ? "yes" : "no",
        iso(t.createdAt),
        iso(t.firstResponseAt),
        iso(t.resolvedAt),
      ]);
      last = xs.at(-1)?.number;
    }
    if (!rows.length) return;
    yield rows;
    if (rows.length < PAGE || last === undefined) return;
    after = last;
  }
}

/**
 * Writes the CSV (header first; fields with commas, quotes or line breaks quoted) to out, which is left
 * open (stdout, or a file the caller closes). Resolves with the number of rows.
 */
export async function exportCsv(db: PrismaClient, workspaceId: string, kind: ExportKind, out: Writable): Promise<number> {
  const csv = stringify({ header: true, columns: COLUMNS[kind], cast: { string: guardCell } });
  csv.pipe(out, { end: false });
  let n = 0;
  const done = new Promise<void>((resolve, reject) => {
    csv.on("end", resolve);
    csv.on("error", reject);
    out.on("error", reject);
  });
  for await (const rows of pages(db, workspaceId, kind)) {
    for (const r of rows) {
      if (!csv.write(r)) await new Promise((r2) => csv.once("drain", r2));
      n++;
    }
  }
  csv.end();
  await done;
  return n;
}
