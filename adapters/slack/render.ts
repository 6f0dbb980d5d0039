// Neutral Reply → Block Kit, inside Slack's limits (docs/PLATFORM-LIMITS.md). User text is escaped for mrkdwn
// so it can never ping @channel/@here or inject links, and cannot break our formatting.
import type { Block, Reply, Rich, Span } from "../../src/reply/reply.ts";
import { clip } from "../../src/reply/format.ts";

export const SHARE_ACTION = "crm_share";
export const BUTTON_ACTION_PREFIX = "crm:";
/** a button that opens a form (a modal) for its command instead of running it: "Write the message" */
export const FORM_ACTION_PREFIX = "crm_form:";

/** &, <, > are Slack's control characters; * ~ ` get a zero-width space so user text cannot format. */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([*~`])/g, "$1\u200B");
}

function span(x: Span): string {
  // markers go around the words, not around the spaces and line breaks next to them: Slack leaves `*Stage
  // history\n*` as literal asterisks (a closing * after whitespace closes nothing). Trim, not a regex (ReDoS).
  const core = x.text.trim();
  if (!core) return escapeMrkdwn(x.text);
  const lead = x.text.slice(0, x.text.length - x.text.trimStart().length),
    trail = x.text.slice(x.text.trimEnd().length);
  let t = escapeMrkdwn(core);
  if (x.code) t = "`" + core.replace(/`/g, "'").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;") + "`";
  if (x.bold) t = `*${t}*`;
  if (x.italic) t = `_${t}_`;
  if (x.link && /^https?:\/\//.test(x.link)) t = `<${x.link.replace(/[<>|]/g, "")}|${escapeMrkdwn(core).replace(/\|/g, "¦")}>`;
  return escapeMrkdwn(lead) + t + escapeMrkdwn(trail);
}

export const mrkdwn = (r: Rich): string => (typeof r === "string" ? escapeMrkdwn(r) : r.map(span).join(""));

const plain = (text: string, max: number) => ({ type: "plain_text" as const, text: clip(text || " ", max), emoji: true });
const md = (text: string, max = 3000) => ({ type: "mrkdwn" as const, text: clip(text || " ", max) });

export type SlackBlock = Record<string, unknown>;

/** uploads: the png images travel as uploaded files next to the message (delivery.ts), not as blocks */
function toBlocks(bl: Block, i: number, uploads = false): SlackBlock[] {
  switch (bl.type) {
    case "header":
      return [{ type: "header", text: plain(bl.text, 150) }];
    case "text":
      return [{ type: "section", text: md(mrkdwn(bl.text)) }];
    case "context":
      return [{ type: "context", elements: [md(mrkdwn(bl.text))] }];
    case "fields": {
      const out: SlackBlock[] = [];
      for (let k = 0; k < bl.fields.length; k += 10) {
        out.push({
          type: "section",
          fields: bl.fields.slice(k, k + 10).map((f) => md(`*${escapeMrkdwn(f.label)}*\n${mrkdwn(f.value)}`, 2000)),
        });
      }
      return out;
    }
    case "actions":
      return [
        {
          type: "actions",
          block_id: `crm_actions_${i}`,
          elements: bl.actions.slice(0, 25).map((a, k) => ({
            type: "button",
            action_id: `${a.form ? FORM_ACTION_PREFIX : BUTTON_ACTION_PREFIX}${i}:${k}`,
            text: plain(a.label, 75),
            value: clip(a.command, 2000),
            ...(a.style ? { style: a.style } : {}),
          })),
        },
      ];
    case "image":
      if (bl.url) return [{ type: "image", image_url: bl.url, alt_text: clip(bl.alt, 2000) }];
      // a png cannot ride in an ack or a response_url message: say what it shows and where it appears
      if (bl.png && !uploads)
        return [
          {
            type: "context",
            elements: [md(`📊 ${escapeMrkdwn(clip(bl.alt, 300))} _(the chart image is attached when this is posted to a channel)_`)],
          },
        ];
      return [];
  }
}

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
  response_type?: "ephemeral" | "in_channel";
}

/** png images of a reply, for upload next to the message */
export const pngImages = (reply: Reply) => reply.blocks.flatMap((b) => (b.type === "image" && b.png ? [{ alt: b.alt, png: b.png }] : []));

/**
 * shareCommand: a read-only command that re-creates this reply for the channel ("Share in channel"); left
 * out for replies with a png chart, which carry their own post action (response_url cannot upload files).
 * uploads: the caller uploads the png images itself (channel posts), so they get no placeholder.
 */
export function renderSlack(reply: Reply, opts: { shareCommand?: string; maxBlocks?: number; uploads?: boolean } = {}): SlackMessage {
  let blocks = reply.blocks.flatMap((bl, i) => toBlocks(bl, i, opts.uploads));
  if (reply.recordUrl && reply.recordKey)
    blocks.push({ type: "context", elements: [md(`🔗 <${reply.recordUrl}|Open ${reply.recordKey} in the CRM>`)] });
  if (opts.shareCommand && reply.kind === "ok" && !pngImages(reply).length) {
    blocks.push({
      type: "actions",
      block_id: "crm_share",
      elements: [{ type: "button", action_id: SHARE_ACTION, text: plain("Share in channel", 75), value: clip(opts.shareCommand, 2000) }],
    });
  }
  const max = opts.maxBlocks ?? 50;
  if (blocks.length > max) blocks = [...blocks.slice(0, max - 1), { type: "context", elements: [md("…more in the console")] }];
  return { text: clip(escapeMrkdwn(reply.summary), 3000), blocks };
}
