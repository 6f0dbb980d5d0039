// The neutral reply: what a command or a service answers, before any platform formats it. It lives apart
// from src/render (which draws charts and cards) so that the domain can build one without importing render.
// Text is a list of spans so user content stays data (each renderer escapes it) and styling stays ours.

export interface Span {
  text: string;
  bold?: boolean;
  italic?: boolean;
  code?: boolean;
  link?: string;
}
/** Plain string = literal user-safe text; renderers escape it. */
export type Rich = string | Span[];

export interface Action {
  label: string;
  /** A command invocation without the leading /crm, e.g. "deal move D-7 proposal". */
  command: string;
  style?: "primary" | "danger";
  /** Open a form for `command` instead of running it: the arguments it names are filled in, the form asks
   *  for the rest, and submitting runs the command. Surfaces without forms (the console) put the command
   *  in the command box for the person to finish. */
  form?: boolean;
}

export interface Field {
  label: string;
  value: Rich;
}

export type Block =
  | { type: "header"; text: string }
  | { type: "text"; text: Rich }
  | { type: "fields"; fields: Field[] }
  | { type: "context"; text: Rich }
  | { type: "actions"; actions: Action[] }
  | { type: "image"; alt: string; png?: Uint8Array; url?: string };

export interface Reply {
  blocks: Block[];
  /** Only the caller sees it (the default for answers to one's own command). */
  ephemeral: boolean;
  /** error replies render with a warning look and never carry actions */
  kind: "ok" | "error";
  /** one-line summary used for notifications and fallbacks (Slack `text`, Discord content) */
  summary: string;
  /** the record the reply is about (C-12, D-7…) */
  recordKey?: string;
  /** PUBLIC_URL/r/<workspace>/<key>: set by the engine when a public URL is configured */
  recordUrl?: string;
}

export const b = (text: string): Span => ({ text, bold: true });
export const i = (text: string): Span => ({ text, italic: true });
export const code = (text: string): Span => ({ text, code: true });
export const link = (text: string, url: string): Span => ({ text, link: url });
export const s = (text: string): Span => ({ text });

export const richToPlain = (r: Rich): string => (typeof r === "string" ? r : r.map((x) => x.text).join(""));

/** Small builder so commands read as the answer they give. */
export class ReplyBuilder {
  private blocks: Block[] = [];
  private key?: string;
  constructor(
    private summaryText: string,
    private isEphemeral = true,
  ) {}
  header(text: string) {
    this.blocks.push({ type: "header", text });
    return this;
  }
  text(text: Rich) {
    this.blocks.push({ type: "text", text });
    return this;
  }
  fields(fields: (Field | false | null | undefined | "" | 0)[]) {
    const f = fields.filter(Boolean) as Field[];
    if (f.length) this.blocks.push({ type: "fields", fields: f });
    return this;
  }
  context(text: Rich) {
    this.blocks.push({ type: "context", text });
    return this;
  }
  actions(actions: (Action | false | null | undefined | "" | 0)[]) {
    const a = actions.filter(Boolean) as Action[];
    if (a.length) this.blocks.push({ type: "actions", actions: a });
    return this;
  }
  image(alt: string, png: Uint8Array) {
    this.blocks.push({ type: "image", alt, png });
    return this;
  }
  record(key: string) {
    this.key = key;
    return this;
  }
  build(): Reply {
    return { blocks: this.blocks, ephemeral: this.isEphemeral, kind: "ok", summary: this.summaryText, recordKey: this.key };
  }
}

export const reply = (summary: string, ephemeral = true) => new ReplyBuilder(summary, ephemeral);

export function errorReply(message: string, usage?: string): Reply {
  const blocks: Block[] = [{ type: "text", text: [s("⚠️ "), s(message)] }];
  if (usage) blocks.push({ type: "context", text: [s("Usage: "), code(usage)] });
  return { blocks, ephemeral: true, kind: "error", summary: message };
}
