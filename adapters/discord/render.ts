// Neutral Reply → a Discord message (one embed + button rows), inside Discord's limits
// (docs/PLATFORM-LIMITS.md). User text is escaped for Discord markdown, @everyone/@here and role mentions are
// broken up, and allowed_mentions parses nothing, so no reply can ping anyone. Charts (image blocks
// with PNG bytes) travel as attachments (multipart files[n]) shown in the embed as attachment://chart.png.
import "./loadFirst.ts"; // before discord.js: see loadFirst.ts
import { ButtonStyle, ComponentType, MessageFlags, type APIActionRowComponent, type APIButtonComponent, type APIEmbed } from "discord.js";
import type { Action, Block, Reply, Rich, Span } from "../../src/reply/reply.ts";
import { richToPlain } from "../../src/reply/reply.ts";
import { clip } from "../../src/reply/format.ts";
import { buttonId } from "./buttons.ts";
import { PANEL_BUTTON } from "../../src/domain/conversations/panel.ts";

export const LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  embedTotal: 6000,
  rows: 5,
  buttonsPerRow: 5,
  label: 80,
} as const;
const COLOR = { ok: 0x5865f2, error: 0xe74c3c } as const;
const ZWSP = "\u200B";

/** Mentions that could ping or pretend to: @everyone, @here, <@&role>, <@user>, <#channel>. */
export function neutraliseMentions(text: string): string {
  return text.replace(/@(everyone|here)/gi, `@${ZWSP}$1`).replace(/<(@[!&]?|#)(\d)/g, `<$1${ZWSP}$2`);
}

/** Markdown characters get a backslash; line starts that would make headings, lists or quotes too. */
export function escapeDiscord(text: string): string {
  // the indent before a marker is spaces and tabs of that line ([^\S\n\r\u2028\u2029]: \s less line breaks), so a
  // run of blank lines is read once, not again from every line start in it
  const md = text
    .replace(/[\\*_~`|>\[\]]/g, "\\$&")
    .replace(/^([^\S\n\r\u2028\u2029]*)([#-])/gm, "$1\\$2")
    .replace(/^([^\S\n\r\u2028\u2029]*\d+)\./gm, "$1\\.");
  return neutraliseMentions(md);
}

function span(x: Span): string {
  // markers go around the words, not around the spaces and line breaks next to them
  // (trim, not a regex: /^(\s*)([\s\S]*?)(\s*)$/ took quadratic time on a long run of spaces)
  const core = x.text.trim();
  if (!core) return x.text;
  const lead = x.text.slice(0, x.text.length - x.text.trimStart().length),
    trail = x.text.slice(x.text.trimEnd().length);
  let t = x.code ? "`" + neutraliseMentions(core.replace(/`/g, "ˋ")) + "`" : escapeDiscord(core);
  if (x.bold) t = `**${t}**`;
  if (x.italic) t = `*${t}*`;
  if (x.link && /^https?:\/\//.test(x.link)) t = `[${t}](${x.link.replace(/[()\s<>]/g, encodeURIComponent)})`;
  return lead + t + trail;
}

export const markdown = (r: Rich): string => (typeof r === "string" ? escapeDiscord(r) : r.map(span).join(""));
const plain = (r: Rich) => neutraliseMentions(richToPlain(r));

export interface DiscordMessage {
  content?: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
  flags?: number;
  allowed_mentions: { parse: [] };
  /** the files[n] sent with the message, referenced by index */
  attachments?: { id: number; filename: string; description?: string }[];
}

/** A file sent as multipart files[n] next to the JSON (the shape @discordjs/rest takes). */
export interface UploadFile {
  name: string;
  data: Buffer;
  contentType: string;
}

export interface Rendered {
  message: DiscordMessage;
  /** hash → command for buttons whose command is too long for a custom_id (see buttons.ts) */
  stash: Record<string, string>;
  /** charts to upload with the message; none means plain JSON will do */
  files: UploadFile[];
}

/** "Share in channel" on an ephemeral answer: the read-only command that re-creates it for everyone. */
export const SHARE_PREFIX = "crm_share:";
export const MAX_IMAGES = 4;
export const hasUpload = (reply: Reply) => reply.blocks.some((bl) => bl.type === "image" && bl.png?.length);

const STYLE = { primary: ButtonStyle.Primary, danger: ButtonStyle.Danger } as const;

function buttonRows(blocks: Block[], stash: Record<string, string>): APIActionRowComponent<APIButtonComponent>[] {
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  const seen = new Set<string>();
  for (const bl of blocks) {
    if (bl.type !== "actions") continue;
    // custom_id must be unique in a message: a repeated command keeps its first button
    const actions = bl.actions.filter((a) => {
      const id = `${a.form ? "form" : "run"}:${a.command}`;
      return !seen.has(id) && seen.add(id);
    });
    for (let k = 0; k < actions.length && rows.length < LIMITS.rows; k += LIMITS.buttonsPerRow) {
      rows.push({ type: ComponentType.ActionRow, components: actions.slice(k, k + LIMITS.buttonsPerRow).map((a) => button(a, stash)) });
    }
  }
  return rows;
}

function button(a: Action, stash: Record<string, string>): APIButtonComponent {
  // the panel's button is no command: anyone may press it (adapters/discord/panel.ts)
  const { id, hash } = a.command === PANEL_BUTTON ? { id: PANEL_BUTTON, hash: undefined } : buttonId(a.command, { form: a.form });
  if (hash) stash[hash] = a.command;
  return {
    type: ComponentType.Button,
    style: a.style ? STYLE[a.style] : ButtonStyle.Secondary,
    label: clip(a.label.trim() || "Run", LIMITS.label),
    custom_id: id,
  };
}

const embedSize = (e: APIEmbed) =>
  (e.title?.length ?? 0) +
  (e.description?.length ?? 0) +
  (e.footer?.text.length ?? 0) +
  (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);

/** Keeps the embed under Discord's 6000-character total: trims the description, then drops fields. */
export function fitEmbed(e: APIEmbed): APIEmbed {
  let over = embedSize(e) - LIMITS.embedTotal;
  if (over > 0 && e.description) {
    const keep = Math.max(200, e.description.length - over);
    e.description = clip(e.description, keep);
    over = embedSize(e) - LIMITS.embedTotal;
  }
  while (over > 0 && e.fields?.length) {
    e.fields.pop();
    over = embedSize(e) - LIMITS.embedTotal;
  }
  if (over > 0 && e.footer) e.footer.text = clip(e.footer.text, Math.max(1, e.footer.text.length - over));
  return e;
}

/** share: a "Share in channel" button for this read-only command; retryForm: a refused form's "Try again",
 *  which opens the form of this command again */
export function renderDiscord(reply: Reply, opts: { share?: string; retryForm?: string } = {}): Rendered {
  const stash: Record<string, string> = {};
  const files: UploadFile[] = [];
  const images: { url: string; alt: string }[] = [];
  const text: string[] = [];
  const footer: string[] = [];
  const fields: NonNullable<APIEmbed["fields"]> = [];
  let title: string | undefined;
  for (const bl of reply.blocks) {
    if (bl.type === "header") title ??= escapeDiscord(bl.text);
    else if (bl.type === "text") text.push(markdown(bl.text));
    else if (bl.type === "context") footer.push(plain(bl.text));
    else if (bl.type === "image") {
      if (bl.png?.length && images.length < MAX_IMAGES) {
        const name = files.length ? `chart-${files.length + 1}.png` : "chart.png";
        files.push({ name, data: Buffer.from(bl.png), contentType: "image/png" });
        images.push({ url: `attachment://${name}`, alt: bl.alt });
      } else if (bl.url && /^https:\/\//.test(bl.url) && images.length < MAX_IMAGES) images.push({ url: bl.url, alt: bl.alt });
      else text.push(`🖼️ ${escapeDiscord(bl.alt)}`);
    } else if (bl.type === "fields") {
      for (const f of bl.fields)
        fields.push({
          name: clip(escapeDiscord(f.label) || "—", LIMITS.fieldName),
          value: clip(markdown(f.value).trim() || "—", LIMITS.fieldValue),
          inline: true,
        });
    }
  }
  if (reply.recordUrl && reply.recordKey)
    text.push(`🔗 [Open ${escapeDiscord(reply.recordKey)} in the CRM](${reply.recordUrl.replace(/[()\s<>]/g, encodeURIComponent)})`);
  if (fields.length > LIMITS.fields) {
    footer.push(`…and ${fields.length - LIMITS.fields} more not shown`);
    fields.length = LIMITS.fields;
  }
  const description = text.join("\n\n").trim() || (title ? "" : escapeDiscord(reply.summary));
  const embed: APIEmbed = { color: COLOR[reply.kind] };
  if (title) embed.title = clip(title, LIMITS.title);
  if (title && reply.recordUrl) embed.url = reply.recordUrl;
  if (description) embed.description = clip(description, LIMITS.description);
  if (fields.length) embed.fields = fields;
  if (footer.length) embed.footer = { text: clip(footer.join("\n"), LIMITS.footer) };
  // the first chart sits in the card; more charts get an embed each (a message holds ten)
  if (images[0]) embed.image = { url: images[0].url };
  const embeds = [fitEmbed(embed), ...images.slice(1).map((im): APIEmbed => ({ color: COLOR[reply.kind], image: { url: im.url } }))];
  const components = reply.kind === "ok" ? buttonRows(reply.blocks, stash) : [];
  if (opts.share && reply.kind === "ok" && components.length < LIMITS.rows && (SHARE_PREFIX + opts.share).length <= 100) {
    components.push({
      type: ComponentType.ActionRow,
      components: [
        { type: ComponentType.Button, style: ButtonStyle.Secondary, label: "Share in channel", custom_id: SHARE_PREFIX + opts.share },
      ],
    });
  }
  if (opts.retryForm && reply.kind === "error") {
    components.push({
      type: ComponentType.ActionRow,
      components: [button({ label: "Try again", command: opts.retryForm, form: true, style: "primary" }, stash)],
    });
  }
  const message: DiscordMessage = { embeds, components, allowed_mentions: { parse: [] } };
  if (files.length) {
    const alts = images.filter((im) => im.url.startsWith("attachment://")).map((im) => im.alt);
    message.attachments = files.map((f, id) => ({ id, filename: f.name, description: clip(alts[id] ?? "chart", 1024) }));
  }
  if (reply.ephemeral) message.flags = MessageFlags.Ephemeral;
  return { message, stash, files };
}

/** A plain ephemeral line (duplicates, expired buttons). */
export const notice = (text: string): DiscordMessage => ({
  content: clip(neutraliseMentions(text), LIMITS.content),
  embeds: [],
  components: [],
  flags: MessageFlags.Ephemeral,
  allowed_mentions: { parse: [] },
});
