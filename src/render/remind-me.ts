// The "Remind me" buttons under a record's card: each adds a follow-up on the record for whoever presses it,
// due tomorrow 9:00, in 3 days or next week in their own time zone (`/crm task add`).
import type { Action } from "../reply/reply.ts";
import { quoteArg } from "../parse/tokenize.ts";

export const REMIND_CHOICES = [
  { label: "⏰ Remind me tomorrow 9:00", due: "tomorrow 9:00" },
  { label: "in 3 days", due: "in 3 days" },
  { label: "next week", due: "next week" },
] as const;

/** A task's text is at most 200 characters; a long record name is cut so the button's command stays valid. */
const MAX_NAME = 180;

/** Buttons for a record (key like D-7, name as shown): one per choice, each a `/crm task add` text. */
export function remindMeActions(key: string, name: string): Action[] {
  const short = [...name].length > MAX_NAME ? `${[...name].slice(0, MAX_NAME - 1).join("")}…` : name;
  const what = quoteArg(`Follow up: ${short}`);
  return REMIND_CHOICES.map((c) => ({ label: c.label, command: `task add ${what} ${key} due:${quoteArg(c.due)}` }));
}
