// Tokens → a command's raw arguments (docs/typing.md "Typing values"): known options by name anywhere, words fill
// the positionals in order, the rest argument takes what is left. Strict where a slip would save wrong data:
// - an option the command does not know is refused, naming the known ones and the nearest ("prio:" →
//   priority:); only a prose rest argument (summaries, reasons, notes, messages) keeps an unknown `key:value`
//   as text, unless its key is near a known option (ArgSpec.freeText);
// - a word right after an unquoted option value that could hold spaces (text, reference, date, member) is
//   refused when it would join a name, subject or other many-word argument, or be left over, showing the
//   quoted form (company:"Globex Inc"); when it fills a one-word argument that then fails to decode (an
//   amount), that error says the same;
// - an amount split by a space ("12 000") is refused with the accepted forms, never read as 12 or 0.
import { UserInputError } from "../errors.ts";
import { parseMoney, thousandsSeparatorError, type Token } from "../parse/index.ts";
import { nearest } from "../parse/suggest.ts";
import { show } from "../parse/snippet.ts";
import type { ArgSpec, ArgType } from "./args.ts";
import type { Command } from "./define.ts";

export interface Spread {
  raw: Record<string, string>;
  /** per argument: what to add to its decode error (a word that follows an option may belong to it) */
  hints: Record<string, string>;
}

interface Word {
  text: string;
  quoted: boolean;
  /** position among the tokens: words of one run are next to each other */
  at: number;
  /** the option right before this word, when its unquoted value could have gone on with this word */
  after?: { key: string; value: string };
}

/** option types whose value may have spaces, so a word after an unquoted value may be part of it */
const SPACED: ReadonlySet<ArgType> = new Set(["text", "ref", "date", "member"]);
const MAX_SHOWN_WORDS = 6;
const AMOUNT_FORMS = "Amounts are one word: 12000, 12,000.50, 12.5k, $12k or 12000EUR.";

export function spread(cmd: Command, tokens: Token[]): Spread {
  const options = cmd.args.filter((a) => a.mode === "option");
  const positionals = cmd.args.filter((a) => a.mode === "positional");
  const rest = cmd.args.find((a) => a.mode === "rest");
  const raw: Record<string, string> = {};
  const hints: Record<string, string> = {};
  const words: Word[] = [];

  let after: Word["after"];
  tokens.forEach((t, at) => {
    const before = after;
    after = undefined;
    if (t.kind === "option") {
      const spec = options.find((a) => a.name === t.key);
      if (spec) {
        if (raw[spec.name] !== undefined) throw new UserInputError(`${t.key}: is given twice.`, cmd.usage);
        raw[spec.name] = t.value;
        if (!t.quoted && SPACED.has(spec.type)) after = { key: spec.name, value: t.value };
        return;
      }
      if (!keptAsText(t.key, rest, options)) throw unknownOption(cmd, t, rest);
      words.push({ text: `${t.typedKey ?? t.key}:${t.value}`, quoted: false, at, after: before });
      return;
    }
    if (!t.quoted && /^[a-z][a-z_-]*:$/i.test(t.value)) {
      const spec = options.find((a) => a.name === t.value.slice(0, -1).toLowerCase());
      if (spec) throw new UserInputError(`Missing value after "${spec.name}:"; write ${spec.name}:<value> with no space.`, cmd.usage);
    }
    words.push({ text: t.value, quoted: t.quoted, at, after: before });
  });

  // which words each positional takes: one each, except an unquoted many-word title in front of other
  // positionals ("deal new Acme renewal 12k")
  const extra = words.length - positionals.length;
  const joinTitle =
    extra > 0 && !rest && positionals[0]?.type === "text" && positionals.length > 1 && words.slice(0, extra + 1).every((w) => !w.quoted);
  const slots: number[][] = [];
  let next = 0;
  positionals.forEach((_, i) => {
    const take = i === 0 && joinTitle ? extra + 1 : 1;
    slots.push([]);
    for (let k = 0; k < take && next < words.length; k++) slots[i].push(next++);
  });
  const leftover = words.map((_, i) => i).slice(next);

  positionals.forEach((p, i) => {
    if (p.type === "money" && slots[i].length === 1) checkSpacedAmount(cmd, words, slots[i][0], positionals, slots);
  });

  const many = [...(joinTitle ? [slots[0]] : []), ...(rest ? [leftover] : [])];
  for (const slot of many) {
    const j = slot.find((k) => words[k].after);
    if (j !== undefined) throw new UserInputError(followsOption(words, j, true), cmd.usage);
  }
  positionals.forEach((p, i) => {
    const j = slots[i][0];
    if (slots[i].length === 1 && words[j].after) hints[p.name] = followsOption(words, j, false);
    if (slots[i].length) raw[p.name] = slots[i].map((k) => words[k].text).join(" ");
  });
  if (leftover.length) {
    if (!rest) {
      const j = leftover.find((k) => words[k].after);
      if (j !== undefined) throw new UserInputError(followsOption(words, j, true), cmd.usage);
      throw new UserInputError(`Unexpected ${show(leftover.map((k) => words[k].text).join(" "), 60)}.`, cmd.usage);
    }
    raw[rest.name] = leftover.map((k) => words[k].text).join(" ");
  }
  return { raw, hints };
}

/** Is an option-shaped word with this unknown key text of the rest argument (ArgSpec.freeText)? */
function keptAsText(key: string, rest: ArgSpec | undefined, options: ArgSpec[]): boolean {
  if (rest?.freeText === "literal") return true;
  if (rest?.freeText === "prose")
    return (
      nearest(
        key,
        options.map((o) => o.name),
      ) === undefined
    );
  return false;
}

function unknownOption(cmd: Command, t: Extract<Token, { kind: "option" }>, rest: ArgSpec | undefined): UserInputError {
  const names = cmd.args.filter((a) => a.mode === "option").map((a) => a.name);
  const near = nearest(t.key, names);
  const known = names.length ? ` Known: ${names.map((n) => `${n}:`).join(", ")}.` : ` /crm ${cmd.path.join(" ")} takes no options.`;
  const asText = rest ? ` To keep ${show(`${t.key}:${t.value}`)} in the ${rest.name}, put it in quotes.` : "";
  return new UserInputError(`Unknown option "${t.key}:"${near ? ` — did you mean ${near}:?` : "."}${known}${asText}`, cmd.usage);
}

/** The words from `j` on that stand together (no option between them), as one string. */
function run(words: Word[], j: number): string {
  const out: string[] = [];
  for (let k = j; k < words.length && k - j < MAX_SHOWN_WORDS && (k === j || words[k].at === words[k - 1].at + 1); k++)
    out.push(words[k].text);
  const more = words[j + out.length]?.at === words[j + out.length - 1].at + 1 ? " …" : "";
  return `${out.join(" ")}${more}`;
}

/** `"Inc" follows company:Globex: if it belongs to company:, write company:"Globex Inc" …` */
function followsOption(words: Word[], j: number, refused: boolean): string {
  const { key, value } = words[j].after!;
  const text = run(words, j);
  const quoted = `${key}:"${value} ${text}"`;
  return refused
    ? `${show(text, 60)} follows ${key}:${value}. If it belongs to ${key}:, write ${quoted}; if not, write it before the options.`
    : `If ${show(text, 60)} belongs to ${key}:, write ${quoted}.`;
}

/**
 * "12 000" reaches the parser as two words; read alone, the amount would be 12 or 0 and the other word
 * would join the title. Refused when the amount's word and its neighbours read as digit groups.
 */
function checkSpacedAmount(cmd: Command, words: Word[], j: number, positionals: ArgSpec[], slots: number[][]): void {
  const plain = (k: number) => k >= 0 && k < words.length && !words[k].quoted && words[k].after === undefined;
  let best: { from: number; to: number; error: UserInputError } | undefined;
  for (let from = j; from >= Math.max(0, j - 4) && (from === j || plain(from)); from--) {
    for (let to = j; to <= Math.min(words.length - 1, j + 4) && (to === j || plain(to)); to++) {
      if (from === to) continue;
      const error = thousandsSeparatorError(
        words
          .slice(from, to + 1)
          .map((w) => w.text)
          .join(" "),
      );
      if (error && (!best || to - from > best.to - best.from)) best = { from, to, error };
    }
  }
  if (!best) {
    // "12000 EUR", "EUR 12000", "$ 12k": a currency a space away
    const currency = (k: number) => k >= 0 && k < words.length && !words[k].quoted && /^(?:[A-Za-z]{3}|[$€£¥])$/u.test(words[k].text);
    for (const [a, b] of [
      [j, j + 1],
      [j - 1, j],
    ]) {
      if (!plain(a === j ? b : a) || !(currency(a) || currency(b))) continue;
      const joined = words[a].text + words[b].text;
      const owner = a < j ? positionals.find((_, i) => slots[i].includes(a)) : undefined;
      const title = owner ? ` If ${show(words[a].text)} is part of the ${owner.name}, put the ${owner.name} in quotes.` : "";
      if (readsAsAmount(joined)) throw new UserInputError(`Write the amount as one word: ${joined}. ${AMOUNT_FORMS}${title}`, cmd.usage);
    }
    return;
  }
  const owner = positionals.find((_, i) => slots[i].includes(best.from) && !slots[i].includes(j));
  const title = owner ? ` If ${show(words[best.from].text)} is part of the ${owner.name}, put the ${owner.name} in quotes.` : "";
  throw new UserInputError(`${best.error.message}${title}`, cmd.usage);
}

function readsAsAmount(text: string): boolean {
  try {
    parseMoney(text);
    return true;
  } catch {
    return false;
  }
}
