// Amounts, as people type them in one word (docs/typing.md "Amounts"):
//   12000   12,000   12,000.50   12000.5   0          plain numbers; commas only between groups of 3
//   12k   12.5k   1m   1.2m   (K/M too)               thousand / million
//   $12,000   €12,000   £5k   ¥3000                   $ → USD, € → EUR, £ → GBP, ¥ → JPY (also after: 12€)
//   12000EUR   EUR12000   12.5kgbp                     an ISO 4217 code before or after, any case
// No currency → the workspace default (USD unless configured).
// Rejected: negatives, more than 2 decimals once k/m is applied (1.23456k = 1234.56 is fine,
// 1.234567k is not), separators like 1,2,3 or 12,50, spaces inside ("12000 EUR"),
// amounts of 1,000,000,000,000 or more, two currencies ($12EUR).
// Thousands written with a space, an apostrophe or a dot ("12 000", "12'000", "12.000", "1.200.000,50") are
// refused with the accepted forms: "12.000" could be twelve thousand or twelve, so it is never guessed.
// The result is a decimal string with exactly 2 decimals ("12500.00"); no floating point is involved.
import { UserInputError } from "../errors.ts";
import { show } from "./snippet.ts";

export type Money = { amount: string; currency: string };

const SYMBOLS: Record<string, string> = { $: "USD", "€": "EUR", "£": "GBP", "¥": "JPY" };
const NUMBER = /^(\d+|[1-9]\d{0,2}(?:,\d{3})+)(?:\.(\d+))?([kKmM])?$/;
const LIMIT_CENTS = 10n ** 14n; // 10^12 in whole units
let knownCurrencies: Set<string> | undefined;

const isCurrency = (code: string): boolean => (knownCurrencies ??= new Set(Intl.supportedValuesOf("currency"))).has(code);

const EXAMPLES = "try 12000, 12,000.50, 12.5k, $12k or 12000EUR";
const GROUPED = /^((?:[$€£¥]|[A-Za-z]{3})?)\s?(\d{1,3})((?:[.\s'’]\d{3})+)(?:,(\d{1,2}))?\s?((?:[$€£¥]|[A-Za-z]{3})?)$/u;

/**
 * The error for an amount whose thousands are separated by a space, an apostrophe or a dot ("12 000",
 * "€12.000", "1'200'000"), or null when `text` is not written that way. The text parser also asks it about
 * two words in a row ("12" "000"), since a space splits words before any amount is read.
 */
export function thousandsSeparatorError(text: string): UserInputError | null {
  const m = GROUPED.exec(text.trim());
  if (!m) return null;
  const [, before, lead, groups, cents, after] = m;
  const whole = lead + groups.replace(/\D/g, "");
  const fraction = cents === undefined ? "" : `.${cents.padEnd(2, "0")}`;
  const as = (n: string) => `${before}${n}${fraction}${after}`;
  const seps = new Set(groups.replace(/\d/g, ""));
  const oneDot = seps.size === 1 && seps.has(".") && groups.length === 4 && cents === undefined;
  const what = oneDot
    ? "is ambiguous: a dot between thousands, or 3 decimals (amounts have at most 2 decimals)"
    : [...seps].every((c) => c === ".")
      ? "uses dots between thousands"
      : [...seps].every((c) => /\s/u.test(c))
        ? "uses a space between thousands"
        : "uses a separator between thousands we do not read";
  const decimals = oneDot && groups.endsWith("0") ? `, or ${as(`${lead}.${groups.slice(1, 3)}`)}` : "";
  return new UserInputError(
    `${show(text.trim())} ${what}; write ${as(whole)} or ${as(BigInt(whole).toLocaleString("en-US"))}${decimals}. Amounts are one word: ${EXAMPLES.slice(4)}.`,
  );
}

export function parseMoney(s: string, defaultCurrency = "USD"): Money {
  const text = s.trim();
  const bad = () => new UserInputError(`Could not read ${show(text)} as an amount; ${EXAMPLES}`);
  if (text === "" || text.length > 40) throw bad();
  const grouped = thousandsSeparatorError(text);
  if (grouped) throw grouped;
  if (/\s/u.test(text))
    throw new UserInputError(`Could not read ${show(text)} as an amount: amounts are one word with no spaces; ${EXAMPLES}`);
  if (/^(?:[$€£¥]|[A-Za-z]{3})?[-−–‐(]/u.test(text)) throw new UserInputError(`Amounts cannot be negative; ${EXAMPLES}`);

  let rest = text;
  let currency: string | undefined;
  const take = (code: string) => {
    if (currency !== undefined) throw new UserInputError(`Use one currency in ${show(text)}; try $12k or 12000EUR`);
    currency = code;
  };
  const first = [...rest][0];
  if (Object.hasOwn(SYMBOLS, first)) {
    take(SYMBOLS[first]);
    rest = rest.slice(first.length);
  } else if (/^[A-Za-z]{3}\d/.test(rest)) {
    const code = rest.slice(0, 3).toUpperCase();
    if (!isCurrency(code)) throw new UserInputError(`Unknown currency "${code}"; ${EXAMPLES}`);
    take(code);
    rest = rest.slice(3);
  }
  const last = [...rest].at(-1) ?? "";
  if (Object.hasOwn(SYMBOLS, last)) {
    take(SYMBOLS[last]);
    rest = rest.slice(0, -last.length);
  } else {
    const suffix = /^(.*\d[kKmM]?)([A-Za-z]{3})$/.exec(rest);
    if (suffix) {
      const code = suffix[2].toUpperCase();
      if (!isCurrency(code)) throw new UserInputError(`Unknown currency "${code}"; ${EXAMPLES}`);
      take(code);
      rest = suffix[1];
    }
  }

  const m = NUMBER.exec(rest);
  if (!m) throw bad();
  const whole = m[1].replaceAll(",", "");
  const fraction = m[2] ?? "";
  const shift = m[3] === undefined ? 0 : m[3].toLowerCase() === "k" ? 3 : 6;
  // Move the decimal point `shift` places right, on the digit string itself.
  const digits = whole + fraction.padEnd(shift, "0");
  const point = whole.length + shift;
  const intPart = digits.slice(0, point);
  // (?<!0): only the first zero of the trailing run starts a match, so a long run of zeros is read once
  const fracPart = digits.slice(point).replace(/(?<!0)0+$/, "");
  if (fracPart.length > 2) {
    throw new UserInputError(`Amounts have at most 2 decimals (${show(text)}); ${EXAMPLES}`);
  }
  const cents = BigInt(intPart) * 100n + BigInt(fracPart.padEnd(2, "0"));
  if (cents >= LIMIT_CENTS) {
    throw new UserInputError(`Amount ${show(text)} is too large; the most is 999,999,999,999.99`);
  }
  const amount = `${cents / 100n}.${(cents % 100n).toString().padStart(2, "0")}`;
  return { amount, currency: currency ?? defaultCurrency.toUpperCase() };
}
