// `<field>:<value> <points>` for `/crm score rule add`: the value is free text (`title:"vp sales" 15`), so this
// is string code that reads each character once, not a regex whose lazy value and spaces trade characters.
const isSpace = (ch: string) => ch.trim() === "";
const LINE_BREAK = /[\n\r\u2028\u2029]/;

/** The rule's parts (value without its surrounding quotes), or null when the text is not in that form. */
export function parseScoreRule(text: string): { field: string; value: string; points: number } | null {
  const t = text.trim();
  let cut = t.length;
  while (cut > 0 && !isSpace(t[cut - 1])) cut--;
  const points = t.slice(cut),
    head = t.slice(0, cut).trimEnd();
  if (!/^[+-]?\d+$/.test(points)) return null;
  const colon = head.indexOf(":");
  const field = head.slice(0, colon),
    value = head.slice(colon + 1);
  if (colon < 1 || !/^[a-z]+$/i.test(field) || !value || LINE_BREAK.test(value)) return null;
  return { field, value: value.replace(/^"|"$/g, ""), points: Number(points) };
}
