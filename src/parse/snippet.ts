// Shared helpers for short, safe error messages and Slack's entity escaping.

/** Quote a piece of user text for an error message: one line, at most `max` characters. */
export function show(s: string, max = 40, mark = '"'): string {
  const flat = s
    .replace(/\s+/gu, " ")
    .replaceAll(mark, mark === "`" ? "'" : mark)
    .trim();
  const cut = [...flat];
  return `${mark}${cut.length > max ? cut.slice(0, max - 1).join("") + "…" : flat}${mark}`;
}

/** Slack escapes exactly these three; decode in one pass so `&amp;lt;` stays `&lt;`. */
export function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt);/g, (_, name: string) => (name === "amp" ? "&" : name === "lt" ? "<" : ">"));
}
