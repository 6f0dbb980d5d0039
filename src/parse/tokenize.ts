// Turns the text after `/crm` into words and key:value options.
//
// Rules (docs/typing.md, "Typing commands"):
// - Slack's angle-bracket forms are read first, then `&amp; &lt; &gt;` are decoded, so text a person
//   typed as "<!channel>" stays plain text. `<@U1|ann>`/`<@U1>`/`<@!1>` → `<@U1>`/`<@1>`;
//   `<#C1|sales>` → `<#C1>`; `<mailto:a@b.co|a@b.co>` → `a@b.co`; `<tel:+1555|…>` → `+1555`;
//   `<https://x.y/z|label>` → `https://x.y/z`, but a link Slack made from typed text
//   (`<http://acme.com|acme.com>`) → `acme.com`; `<!here>` → `@here` (never a live mention).
//   Any other `<…>` stays literal text.
// - Double quotes group words: "Acme renewal", “Acme renewal” or ‘Acme renewal’. A quote opens only at
//   the start of a word or right after `key:`, so `5"` and `don’t` are ordinary text. Inside quotes
//   `\"` is a literal quote and `\\` a backslash.
// - `key:value` (key = letters, `_` or `-`, starting with a letter) is an option; keys are lower-cased.
//   `https://x`, `12:30`, `C-12` and quoted text ("Note: call back") stay words.
// - quoteArg(value) writes a value so that it reads back as itself (the commands of buttons).
// - Any whitespace separates words (also non-breaking and zero-width spaces, newlines).
//   Invisible control characters are dropped. At most 4000 characters.
import { UserInputError } from "../errors.ts";
import { decodeEntities, show } from "./snippet.ts";
import { TEXT_LIMITS } from "./limits.ts";

export type Token =
  | { kind: "word"; value: string; quoted: boolean }
  /** `typedKey`: the key as typed, when that was not all lower-case ("ETA:friday" kept as text stays so) */
  | { kind: "option"; key: string; value: string; quoted: boolean; typedKey?: string };

export const MAX_COMMAND_LENGTH = TEXT_LIMITS.command;

/** One character of decoded text, or a whole bracket form that no later rule may split or reinterpret. */
type Cell = { text: string; atomic: boolean };

const OPEN_DOUBLE = new Set(['"', "“", "”", "„"]);
const CLOSE_DOUBLE = new Set(['"', "”", "“"]);
const ANY_QUOTE = new Set(['"', "“", "”", "„", "‘", "’"]);
const KEY_START = /^[A-Za-z]$/;
const KEY_CHAR = /^[A-Za-z_-]$/;
const BROADCASTS = new Set(["here", "channel", "everyone"]);

const isSpace = (c: Cell | undefined): boolean =>
  c !== undefined && !c.atomic && (/^\s$/u.test(c.text) || c.text === "\u200B" || c.text === "\u2060");
const isPlain = (c: Cell | undefined, ch: string): boolean => c !== undefined && !c.atomic && c.text === ch;

/** The text a Slack/Discord bracket form stands for, or null when `inner` is not one. */
export function bracketForm(inner: string): string | null {
  const user = /^@!?([A-Z0-9]+)(?:\|[^]*)?$/.exec(inner);
  if (user) return `<@${user[1]}>`;
  const channel = /^#([A-Z0-9]+)(?:\|[^]*)?$/.exec(inner);
  if (channel) return `<#${channel[1]}>`;
  const special = /^!([a-z]+)(?:\^[^|]*)?(?:\|([^]*))?$/.exec(inner);
  if (special) {
    const [, name, label] = special;
    if (BROADCASTS.has(name)) return `@${name}`;
    return decodeEntities(label ?? (name === "subteam" ? "@team" : name));
  }
  const link = /^([A-Za-z][A-Za-z0-9+.-]*):([^\s|]+)(?:\|([^]*))?$/.exec(inner);
  if (!link) return null;
  const url = decodeEntities(`${link[1]}:${link[2]}`);
  const label = link[3] === undefined ? undefined : decodeEntities(link[3]);
  const scheme = link[1].toLowerCase();
  if (scheme === "mailto") return url.slice("mailto:".length).split("?")[0];
  if (scheme === "tel") return url.slice("tel:".length);
  if (label !== undefined && (url === label || url === `http://${label}` || url === `https://${label}`)) return label;
  return url;
}

function toCells(text: string): Cell[] {
  const clean = text
    .normalize("NFC")
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
    .replace(/[\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F]/g, "");
  const cells: Cell[] = [];
  const bracket = /<([^<>]*)>/y;
  const entity = /&(amp|lt|gt);/y;
  let i = 0;
  while (i < clean.length) {
    bracket.lastIndex = i;
    const b = clean[i] === "<" ? bracket.exec(clean) : null;
    const form = b ? bracketForm(b[1]) : null;
    if (b && form !== null) {
      cells.push({ text: form, atomic: true });
      i += b[0].length;
      continue;
    }
    entity.lastIndex = i;
    const e = clean[i] === "&" ? entity.exec(clean) : null;
    if (e) {
      cells.push({ text: decodeEntities(e[0]), atomic: false });
      i += e[0].length;
      continue;
    }
    const ch = String.fromCodePoint(clean.codePointAt(i)!);
    cells.push({ text: ch, atomic: false });
    i += ch.length;
  }
  return cells;
}

/** Is cells[i] a closing quote for a group opened by `open`? */
function closes(cells: Cell[], i: number, open: string): boolean {
  const c = cells[i];
  if (c.atomic) return false;
  if (OPEN_DOUBLE.has(open)) return CLOSE_DOUBLE.has(c.text);
  // ‘…’ closes only before a space or the end, so ‘Bob’s deal’ keeps its apostrophe.
  return (c.text === "’" || c.text === "‘") && (i + 1 === cells.length || isSpace(cells[i + 1]));
}

/** Reads one value starting at cells[start]: a quoted group (plus any glued text) or a bare run. */
function readValue(cells: Cell[], start: number): { value: string; quoted: boolean; next: number } {
  let i = start;
  let value = "";
  let quoted = false;
  const open = cells[i];
  if (!open.atomic && (OPEN_DOUBLE.has(open.text) || open.text === "‘")) {
    quoted = true;
    i++;
    let closed = false;
    while (i < cells.length) {
      const c = cells[i];
      if (isPlain(c, "\\") && cells[i + 1] && !cells[i + 1].atomic && (ANY_QUOTE.has(cells[i + 1].text) || cells[i + 1].text === "\\")) {
        value += cells[i + 1].text;
        i += 2;
        continue;
      }
      if (closes(cells, i, open.text)) {
        closed = true;
        i++;
        break;
      }
      value += c.text;
      i++;
    }
    if (!closed) {
      const rest = cells
        .slice(start)
        .map((c) => c.text)
        .join("");
      throw new UserInputError(`Unclosed quote in ${show(rest, 40, "`")}; add the closing ${open.text === "‘" ? "’" : '"'}`);
    }
  }
  while (i < cells.length && !isSpace(cells[i])) value += cells[i++].text;
  return { value, quoted, next: i };
}

/** If an option key starts at cells[i], returns the lower-cased key and the index after the colon. */
function readKey(cells: Cell[], i: number): { key: string; typed: string; next: number } | null {
  if (cells[i].atomic || !KEY_START.test(cells[i].text)) return null;
  let j = i + 1;
  while (j < cells.length && !cells[j].atomic && KEY_CHAR.test(cells[j].text)) j++;
  if (!isPlain(cells[j], ":")) return null;
  if (isPlain(cells[j + 1], "/") && isPlain(cells[j + 2], "/")) return null; // https://…
  const typed = cells
    .slice(i, j)
    .map((c) => c.text)
    .join("");
  return { key: typed.toLowerCase(), typed, next: j + 1 };
}

/**
 * A value written as one quoted word that tokenize reads back as exactly that value, for commands we build
 * (button commands): quotes and backslashes get a backslash, and `& < >` are written as entities so nothing
 * inside is read as a bracket form. A name like `Bob" stage:won` stays a name and cannot add options.
 * (Control characters are dropped and text is NFC-normalised, as for anything typed.)
 */
export function quoteArg(value: string): string {
  let out = "";
  for (const ch of value) {
    if (ch === "\\" || ANY_QUOTE.has(ch)) out += `\\${ch}`;
    else out += ch === "&" ? "&amp;" : ch === "<" ? "&lt;" : ch === ">" ? "&gt;" : ch;
  }
  return `"${out}"`;
}

export function tokenize(text: string): Token[] {
  if (text.length > MAX_COMMAND_LENGTH) {
    throw new UserInputError(`That command is too long (${text.length} characters); the limit is ${MAX_COMMAND_LENGTH}`);
  }
  const cells = toCells(text);
  const tokens: Token[] = [];
  let i = 0;
  while (i < cells.length) {
    if (isSpace(cells[i])) {
      i++;
      continue;
    }
    const key = readKey(cells, i);
    if (key) {
      const missing = key.next >= cells.length || isSpace(cells[key.next]);
      if (missing) {
        // "Note: call back" in free text: a word ending in a colon, not an option
        const word = readValue(cells, i);
        tokens.push({ kind: "word", value: word.value, quoted: false });
        i = word.next;
        continue;
      }
      const read = readValue(cells, key.next);
      if (read.value === "") {
        throw new UserInputError(`Missing value after "${key.key}:"; write ${key.key}:<value>, or put the text in quotes`);
      }
      tokens.push({
        kind: "option",
        key: key.key,
        value: read.value,
        quoted: read.quoted,
        ...(key.typed === key.key ? {} : { typedKey: key.typed }),
      });
      i = read.next;
      continue;
    }
    const read = readValue(cells, i);
    tokens.push({ kind: "word", value: read.value, quoted: read.quoted });
    i = read.next;
  }
  return tokens;
}
