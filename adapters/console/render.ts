// Neutral Reply → HTML for the web console. Every piece of text is escaped; buttons carry their command.
import type { Block, Reply, Rich, Span } from "../../src/reply/reply.ts";

export const escapeHtml = (t: string) =>
  t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

// http(s) or a path on this server; never javascript:, data: or protocol-relative //host
const SAFE_LINK = /^(https?:\/\/|\/(?![\/\\]))/i;

function span(x: Span): string {
  let h = escapeHtml(x.text).replace(/\n/g, "<br>");
  if (x.code) h = `<code>${h}</code>`;
  if (x.bold) h = `<strong>${h}</strong>`;
  if (x.italic) h = `<em>${h}</em>`;
  if (x.link && SAFE_LINK.test(x.link)) h = `<a href="${escapeHtml(x.link)}" target="_blank" rel="noopener">${h}</a>`;
  return h;
}

export const rich = (r: Rich) => (typeof r === "string" ? escapeHtml(r).replace(/\n/g, "<br>") : r.map(span).join(""));

function block(bl: Block): string {
  switch (bl.type) {
    case "header":
      return `<h3>${escapeHtml(bl.text)}</h3>`;
    case "text":
      return `<p>${rich(bl.text)}</p>`;
    case "context":
      return `<p class="ctx">${rich(bl.text)}</p>`;
    case "fields":
      return `<dl>${bl.fields.map((f) => `<div><dt>${escapeHtml(f.label)}</dt><dd>${rich(f.value)}</dd></div>`).join("")}</dl>`;
    // a form button has no modal here: it puts its command in the command box to be finished (data-fill)
    case "actions":
      return `<div class="actions">${bl.actions
        .map(
          (a) =>
            `<button type="button" class="${escapeHtml(a.style ?? "")}" data-${a.form ? "fill" : "command"}="${escapeHtml(a.command)}">${escapeHtml(a.label)}</button>`,
        )
        .join("")}</div>`;
    case "image":
      return bl.png
        ? `<img alt="${escapeHtml(bl.alt)}" src="data:image/png;base64,${Buffer.from(bl.png).toString("base64")}">`
        : bl.url && /^https?:\/\//i.test(bl.url)
          ? `<img alt="${escapeHtml(bl.alt)}" src="${escapeHtml(bl.url)}">`
          : "";
  }
}

export function renderHtml(r: Reply): string {
  return `<div class="reply ${r.kind === "error" ? "error" : "ok"}${r.ephemeral ? " ephemeral" : ""}">${r.blocks.map(block).join("")}</div>`;
}
