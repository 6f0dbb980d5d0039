// history <ref>: a record's changes, newest first (who, when, before → after), 20 at a time with More.
// undo: reverts your own last change within 10 minutes (src/domain/records/undo.ts).
import { arg } from "./args.ts";
import { defineCommand } from "./define.ts";
import { b, code, reply, s, type Span } from "../reply/reply.ts";
import { when } from "../reply/format.ts";
import type { HistoryEntry } from "../domain/records/history.ts";

const stamp = (at: Date, now: Date) => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC (${when(at, now)})`;

function entryLine(e: HistoryEntry, now: Date): Span[] {
  const head: Span[] = [b(e.action), s(` by ${e.who}, ${stamp(e.at, now)}`), ...(e.undid ? [s(` — undid ${e.undid}`)] : [])];
  if (e.erased) return [...head, s("\n   details erased (forgotten contact)")];
  return [...head, ...e.changes.map((c) => s(`\n   ${c.field}: ${c.before} → ${c.after}`))];
}

export const history = defineCommand({
  path: ["history"],
  summary: "A record's changes: who, when, before → after",
  usage: "/crm history <ref> [after:<entry>]",
  help: ["ref: a C-, A-, D-, T- or F- key, or a contact's email. Example: /crm history D-7"],
  readOnly: true,
  args: {
    ref: arg.ref("record key", "contact", "company", "deal", "ticket"),
    after: arg.text("entry to page after").optional().option(),
  },
  async run({ args, actor, services }) {
    const page = await services.history.page(actor, args.ref, args.after);
    const { key, label } = page.record;
    const now = new Date();
    if (!page.entries.length) return reply(`${key}: no history`).text(`${key} ${label} has no recorded changes.`).record(key).build();
    const lines = page.entries.flatMap((e, i) => [...(i ? [s("\n")] : []), ...entryLine(e, now)]);
    const r = reply(`History of ${key}: ${page.total}`)
      .header(`History of ${key} ${label}${args.after ? " (continued)" : ""}`)
      .text(lines)
      .record(key);
    if (page.next) {
      const next = `history ${key} after:${page.next}`;
      r.context([s(`${page.total} entries in all. More shows older ones: `), code(`/crm ${next}`)]).actions([
        { label: "More", command: next },
      ]);
    }
    return r.build();
  },
});

export const undo = defineCommand({
  path: ["undo"],
  summary: "Undo your own last change (within 10 minutes)",
  usage: "/crm undo",
  help: [
    "It reverts edits, tags, delete and restore, contact and company merges, deal moves (won and lost too), and task add, done and snooze (the reminder is planned again); someone else's later change on the record blocks it. Undoing again steps further back; it never redoes.",
  ],
  // it writes only to revert the caller's own change; the service applies the original change's role rules
  ownRecordsOnly: true,
  args: {},
  async run({ actor, services }) {
    const u = await services.undo.undo(actor);
    return reply(`Undid ${u.action} on ${u.key}`)
      .text([s("↩️ Undid "), b(u.action), s(` on `), b(u.key), s(`: ${u.what}.`)])
      .context(`/crm history ${u.key} shows it; /crm undo again steps further back.`)
      .record(u.key)
      .build();
  },
});

export const historyCommands = [history, undo];
