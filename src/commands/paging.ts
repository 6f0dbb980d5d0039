// The More button of every list: the list's own command with after:<last key shown>, a text command, so it
// runs the same from a Slack or Discord button, typed, or in the console (src/domain/search/lists.ts).
import { arg } from "./args.ts";
import type { Reply, ReplyBuilder, Span } from "../reply/reply.ts";
import { b, code, reply, s } from "../reply/reply.ts";
import type { RefKind } from "../domain/refs.ts";
import { formatKey, parseKey } from "../db/keys.ts";

/** the after: option of a list: the key the previous page ended with */
export const afterArg = (kind: RefKind, example: string) =>
  arg.ref(`show the ones after this key (the More button fills it in, e.g. ${example})`, kind).optional().option();

/** Adds "More" when the page is not the last: `command` is the list as asked (its filters), without after:. */
export function addMore(r: ReplyBuilder, command: string, page: { next?: string; total: number }, noun: string): ReplyBuilder {
  if (!page.next) return r;
  const next = `${command} after:${page.next}`;
  return r
    .context([s(`${page.total} ${noun} in all. More shows the ones after ${page.next}: `), code(`/crm ${next}`)])
    .actions([{ label: "More", command: next }]);
}

/** the header's note of where a page starts */
export function afterNote(after: string | undefined): string {
  const key = after ? parseKey(after) : null;
  return key ? ` after ${formatKey(key.kind, key.number)}` : "";
}

/**
 * One page of a plain list of records (contact list, company list): "Contacts (26)", a line per record with its
 * key in bold, and More; `noun` is the plural ("contacts"), `command` the list's command without after:.
 */
export function listPage<R>(
  opts: { noun: string; command: string; after?: string },
  page: { rows: R[]; total: number; next?: string },
  line: (row: R) => { key: string; rest: string },
): Reply {
  const title = `${opts.noun.charAt(0).toUpperCase()}${opts.noun.slice(1)}${afterNote(opts.after)}`;
  if (!page.rows.length)
    return reply(`${title}: none`)
      .text(opts.after ? `No ${opts.noun}${afterNote(opts.after)}.` : `No ${opts.noun} yet.`)
      .build();
  const spans: Span[] = page.rows.flatMap((row, i) => {
    const l = line(row);
    return [...(i ? [s("\n")] : []), b(l.key), s(` ${l.rest}`)];
  });
  const r = reply(`${title}: ${page.rows.length} of ${page.total}`).header(`${title} (${page.total})`).text(spans);
  return addMore(r, opts.command, page, opts.noun).build();
}
