// The More button of every list: the list's own command with after:<last key shown>, a text command, so it
// runs the same from a Slack or Discord button, typed, or in the console (src/domain/search/lists.ts).
import { arg } from "./args.ts";
import type { ReplyBuilder } from "../reply/reply.ts";
import { code, s } from "../reply/reply.ts";
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
