// Drives the console's HTTP API the way the page does: create a workspace and members, run commands.
import type { Reply } from "../../src/reply/reply.ts";
import { richToPlain } from "../../src/reply/reply.ts";

export interface ConsoleReply extends Reply {
  html: string;
  plain: string;
}

export interface ConsoleSession {
  workspaceId: string;
  adminId: string;
  addMember(name: string, role?: "admin" | "manager" | "agent" | "viewer"): Promise<string>;
  /** runs text as memberId (default: the admin) */
  run(text: string, memberId?: string): Promise<ConsoleReply>;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** All text of a reply, as one string (headers, text, fields, context, button labels and commands). */
export function plainText(r: Reply): string {
  return r.blocks
    .map((b) => {
      switch (b.type) {
        case "header":
          return b.text;
        case "text":
        case "context":
          return richToPlain(b.text);
        case "fields":
          return b.fields.map((f) => `${f.label}: ${richToPlain(f.value)}`).join("\n");
        case "actions":
          return b.actions.map((a) => `[${a.label}](${a.command})`).join(" ");
        case "image":
          return `[image ${b.alt}]`;
      }
    })
    .join("\n");
}

export async function consoleSession(
  baseUrl: string,
  name = "Acme Sales",
  adminName = "Ada Admin",
  headers: Record<string, string> = {},
): Promise<ConsoleSession> {
  const created = await post(`${baseUrl}/console/api/workspaces`, { name, adminName }, headers);
  const workspaceId = created.workspace.id as string;
  const adminId = created.admin.id as string;
  return {
    workspaceId,
    adminId,
    async addMember(memberName, role = "agent") {
      const m = await post(`${baseUrl}/console/api/workspaces/${workspaceId}/members`, { name: memberName, role }, headers);
      return m.id as string;
    },
    async run(text, memberId = adminId) {
      const r = await post(`${baseUrl}/console/api/command`, { workspaceId, memberId, text }, headers);
      return { ...r.reply, html: r.html, plain: plainText(r.reply) };
    },
  };
}
