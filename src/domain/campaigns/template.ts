// Message templates: {{first_name}}, {{name}}, {{company}}, {{owner}}, each with an optional fallback
// for empty values: {{first_name|there}}. Unknown variables are refused when the campaign is written,
// so a typo never reaches a customer as "{{frist_name}}".
import { UserInputError } from "../../errors.ts";
import { TEXT_LIMITS } from "../../parse/limits.ts";

export const TEMPLATE_VARIABLES = ["first_name", "name", "company", "owner"] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Partial<Record<TemplateVariable, string | null | undefined>>;

// One run per part and no part that can give characters to its neighbour: linear on any text (the name's
// spaces are trimmed in code, not by \s* around a lazy name, which backtracked cubically).
const PLACEHOLDER = /\{\{([^{}|]*)(?:\|([^{}]*))?\}\}/g;
export const MAX_MESSAGE = TEXT_LIMITS.note;

/** Throws UserInputError for unknown variables, stray braces or an over-long text. */
export function validateTemplate(text: string, what = "message"): void {
  if (!text.trim()) throw new UserInputError(`The ${what} is empty.`);
  if (text.length > MAX_MESSAGE) throw new UserInputError(`The ${what} is too long (${text.length} characters; at most ${MAX_MESSAGE}).`);
  const unknown = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = m[1].trim();
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name.toLowerCase())) unknown.add(name || "(empty)");
  }
  if (unknown.size) {
    throw new UserInputError(
      `Unknown variable${unknown.size > 1 ? "s" : ""} in the ${what}: ${[...unknown].map((u) => `{{${u}}}`).join(", ")}. ` +
        `Use ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(", ")} (a fallback after |, e.g. {{first_name|there}}).`,
    );
  }
  const rest = text.replace(PLACEHOLDER, "");
  if (rest.includes("{{") || rest.includes("}}"))
    throw new UserInputError(`The ${what} has an unmatched {{ or }}; variables look like {{first_name}}.`);
}

export function renderTemplate(text: string, values: TemplateValues): string {
  return text.replace(PLACEHOLDER, (_m, name: string, fallback?: string) => {
    const v = values[name.trim().toLowerCase() as TemplateVariable]?.trim();
    return v ? v : (fallback ?? "").trim();
  });
}

export const firstName = (name: string) => name.trim().split(/\s+/)[0] ?? "";

/** Values for one contact. */
export function contactValues(c: { name: string; company?: string | null; owner?: string | null }): TemplateValues {
  return { first_name: firstName(c.name), name: c.name, company: c.company ?? "", owner: c.owner ?? "" };
}

/** Values for a post addressed to several contacts of one company (Slack channel campaigns). */
export function groupValues(cs: { name: string; company?: string | null; owner?: string | null }[]): TemplateValues {
  const list = (xs: string[]) => {
    const u = [...new Set(xs.filter(Boolean))];
    return u.length <= 1 ? (u[0] ?? "") : `${u.slice(0, -1).join(", ")} and ${u[u.length - 1]}`;
  };
  return {
    first_name: list(cs.map((c) => firstName(c.name))),
    name: list(cs.map((c) => c.name)),
    company: cs[0]?.company ?? "",
    owner: list(cs.map((c) => c.owner ?? "")),
  };
}
