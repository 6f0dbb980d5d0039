// A Slack message drawn in plain HTML from the Block Kit the Slack adapter produces (adapters/slack/render.ts),
// for the screenshot in the docs (`npm run docs:screenshots`). It draws the blocks that adapter emits (header,
// section with text or fields, context, actions, image, divider) with Slack's look, not every Block Kit feature.
import type { SlackBlock, SlackMessage } from "../../adapters/slack/render.ts";

type TextObject = { type: "plain_text" | "mrkdwn"; text: string };

const escapeHtml = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Slack mrkdwn (already entity-escaped for & < >) as HTML: links, `code`, *bold*, _italic_, ~strike~, new lines.
 *  A marker counts as Slack counts it: it opens after a space or the start and before a non-space, and closes
 *  after a non-space and before a space, punctuation or the end; otherwise it shows as typed. */
export function mrkdwnHtml(text: string): string {
  return text
    .split(/(<[^<>]*>|`[^`\n]+`)/)
    .map((part, i) => {
      if (i % 2 === 1 && part.startsWith("`")) return `<code>${part.slice(1, -1)}</code>`;
      if (i % 2 === 1) {
        const [url, label] = part.slice(1, -1).split("|", 2);
        return `<a href="#" title="${escapeHtml(url)}">${label ?? escapeHtml(url)}</a>`;
      }
      return part
        .replace(/"/g, "&quot;")
        .replace(/(?<=^|[\s(])\*(?=\S)([^*\n]*[^*\s])\*(?=$|[\s).,;:!?])/g, "<b>$1</b>")
        .replace(/(?<=^|[\s(])_(?=\S)([^_\n]*[^_\s])_(?=$|[\s).,;:!?])/g, "<i>$1</i>")
        .replace(/(?<=^|[\s(])~(?=\S)([^~\n]*[^~\s])~(?=$|[\s).,;:!?])/g, "<s>$1</s>");
    })
    .join("")
    .replace(/\u200B/g, "")
    .replace(/\n/g, "<br>");
}

const textHtml = (t: TextObject) => (t.type === "mrkdwn" ? mrkdwnHtml(t.text) : escapeHtml(t.text));

function blockHtml(block: SlackBlock): string {
  switch (block.type) {
    case "header":
      return `<div class="header">${textHtml(block.text as TextObject)}</div>`;
    case "section": {
      const text = block.text ? `<div class="text">${textHtml(block.text as TextObject)}</div>` : "";
      const fields = (block.fields as TextObject[] | undefined)?.map((f) => `<div>${textHtml(f)}</div>`).join("") ?? "";
      return `<div class="section">${text}${fields ? `<div class="fields">${fields}</div>` : ""}</div>`;
    }
    case "context":
      return `<div class="context">${(block.elements as TextObject[]).map(textHtml).join(" ")}</div>`;
    case "actions": {
      const buttons = (block.elements as { text: TextObject; style?: string }[]).map(
        (b) => `<span class="button ${b.style ?? ""}">${textHtml(b.text)}</span>`,
      );
      return `<div class="actions">${buttons.join("")}</div>`;
    }
    case "image":
      return `<img class="image" src="${escapeHtml(String(block.image_url))}" alt="${escapeHtml(String(block.alt_text))}">`;
    case "divider":
      return `<hr>`;
    default:
      return `<div class="context">(a ${escapeHtml(String(block.type))} block)</div>`;
  }
}

const initials = (name: string) =>
  name
    .split(/\s+/)
    .map((w) => w.charAt(0).toUpperCase())
    .join("")
    .slice(0, 2);

export interface PreviewOptions {
  /** the channel the message is shown in, e.g. "sales" */
  channel: string;
  /** who typed the command, and what they typed (shown above the answer) */
  who: string;
  typed: string;
  /** the line under the message: what this picture is */
  footer: string;
  /** shown as "Only visible to you" (an ephemeral answer) */
  ephemeral: boolean;
}

/** A whole page: a Slack channel with the typed command and the app's answer, and a footer saying it is a rendering. */
export function slackMessagePage(msg: SlackMessage, opts: PreviewOptions): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Slack card (rendering of the Block Kit)</title>
<style>
body{margin:0;background:#fff;color:#1d1c1d;font:15px/1.47 Lato,"Helvetica Neue","DejaVu Sans",Arial,sans-serif;width:1200px}
.top{height:49px;border-bottom:1px solid #ddd;display:flex;align-items:center;padding:0 20px;font-weight:900;font-size:18px}
.top span{color:#616061;font-weight:400;font-size:13px;margin-left:12px}
.msg{display:flex;gap:8px;padding:8px 20px}
.avatar{width:36px;height:36px;border-radius:6px;flex:none;display:flex;align-items:center;justify-content:center;color:#fff;font-weight:900;font-size:13px}
.user .avatar{background:#2b6cb0}.bot .avatar{background:#4a154b}
.name{font-weight:900}.app{background:#e8e8e8;color:#616061;font-size:10px;font-weight:700;border-radius:3px;padding:1px 4px;margin-left:4px;vertical-align:2px}
.time{color:#616061;font-size:12px;margin-left:6px}
.only{color:#616061;font-size:13px;margin-bottom:2px}
.body{max-width:760px;flex:1}
.header{font-size:18px;font-weight:900;margin:4px 0}
.section{margin:6px 0}.fields{display:grid;grid-template-columns:1fr 1fr;gap:8px 16px;margin-top:6px}
.context{color:#616061;font-size:13px;margin:6px 0}
.actions{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0}
.button{border:1px solid #bbb;border-radius:4px;padding:3px 12px;font-size:13px;font-weight:700;background:#fff}
.button.primary{background:#007a5a;border-color:#007a5a;color:#fff}.button.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
code{font:12px/1.5 Monaco,Menlo,"DejaVu Sans Mono",monospace;color:#e01e5a;background:#f6f6f6;border:1px solid #ddd;border-radius:3px;padding:1px 3px}
a{color:#1264a3;text-decoration:none}hr{border:none;border-top:1px solid #ddd}.image{max-width:360px;border-radius:4px}
footer{margin:16px 20px 12px;padding-top:8px;border-top:1px solid #eee;color:#616061;font-size:12px}
</style></head>
<body>
<div class="top"># ${escapeHtml(opts.channel)}<span>a Slack channel</span></div>
<div class="msg user"><div class="avatar">${escapeHtml(initials(opts.who))}</div><div class="body"><div><span class="name">${escapeHtml(opts.who)}</span><span class="time">10:42 AM</span></div>
<div>${escapeHtml(opts.typed)}</div></div></div>
<div class="msg bot"><div class="avatar">CRM</div><div class="body">
${opts.ephemeral ? `<div class="only">Only visible to you</div>` : ""}<div><span class="name">CRM</span><span class="app">APP</span><span class="time">10:42 AM</span></div>
${msg.blocks.map(blockHtml).join("\n")}
</div></div>
<footer>${escapeHtml(opts.footer)}</footer>
</body></html>`;
}
