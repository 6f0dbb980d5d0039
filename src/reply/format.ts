// Formatting shared by replies: money, dates, durations, keys. Plain functions, no platform markup.

/** "1234567" → "1,234,567" (a loop: the lookahead regex for this re-read the digits from every position). */
function thousands(digits: string): string {
  let out = digits.slice(0, digits.length % 3 || 3);
  for (let k = out.length; k < digits.length; k += 3) out += "," + digits.slice(k, k + 3);
  return out;
}

/** "12000.00","USD" → "$12,000"; cents shown only when present. Works on decimal strings, never floats. */
export function money(amount: string | { toString(): string }, currency = "USD"): string {
  const [whole, frac = "00"] = amount.toString().split(".");
  const neg = whole.startsWith("-");
  const digits = neg ? whole.slice(1) : whole;
  const grouped = /^\d+$/.test(digits) ? thousands(digits) : digits;
  const cents = frac.padEnd(2, "0").slice(0, 2);
  const sym: Record<string, string> = { USD: "$", EUR: "€", GBP: "£", JPY: "¥" };
  const body = `${grouped}${cents === "00" ? "" : "." + cents}`;
  return `${neg ? "-" : ""}${sym[currency] ?? ""}${body}${sym[currency] ? "" : " " + currency}`;
}

export const day = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : "—");

export function when(d: Date, now = new Date()): string {
  const s = Math.round((now.getTime() - d.getTime()) / 1000);
  const future = s < 0;
  const a = Math.abs(s);
  const v = a < 60 ? `${a}s` : a < 3600 ? `${Math.floor(a / 60)}m` : a < 86400 ? `${Math.floor(a / 3600)}h` : `${Math.floor(a / 86400)}d`;
  return future ? `in ${v}` : `${v} ago`;
}

export function duration(seconds: number): string {
  const parts: string[] = [];
  let s = Math.round(seconds);
  for (const [unit, size] of [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.join(" ") || "0s";
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Cuts text to max characters with an ellipsis (platform limits). */
export const clip = (text: string, max: number) => (text.length <= max ? text : text.slice(0, Math.max(0, max - 1)) + "…");
