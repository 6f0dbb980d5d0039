// docs/commands.md is generated from the registry by `npm run docs` (src/cli/docs.ts): the committed file must
// be what the generator writes today, so the command reference and `/crm help` cannot disagree.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { commands } from "../src/commands/registry.ts";
import { defineCommand, type Command } from "../src/commands/define.ts";
import { reply } from "../src/reply/reply.ts";
import { COMMANDS_DOC, commandsDoc, commandsMarkdown } from "../src/cli/docs.ts";

describe("docs/commands.md", () => {
  it("is what `npm run docs` generates from the registry now", async () => {
    const committed = readFileSync(COMMANDS_DOC, "utf8");
    const generated = await commandsDoc();
    expect(committed, "docs/commands.md is stale: run npm run docs and commit the result").toBe(generated);
  });

  it("holds every command's usage line and summary, each area under its own heading", async () => {
    const md = await commandsDoc();
    for (const c of commands) expect(md).toContain(`\`${c.usage}\` — ${c.summary.replace(/[\\`*_[\]<>|]/g, "\\$&")}`);
    for (const area of new Set(commands.map((c) => c.path[0]))) expect(md).toContain(`\n## /crm ${area}\n`);
  });

  it("says where Discord puts a command that lives in another group there", async () => {
    const md = await commandsDoc();
    expect(md).toContain("`/crm leads` is `/crm score leads`");
    expect(md).toContain("`/crm oncall` is `/crm ticket oncall`");
  });

  it("follows the registry (a new command appears, its help shown as typed) and is the same on every run", async () => {
    const extra = defineCommand({
      path: ["zeta"],
      summary: "A command only this test has",
      usage: "/crm zeta <x>",
      help: ["Example: /crm zeta *bold* <tag>"],
      args: {},
      readOnly: true,
      run: async () => reply("zeta").build(),
    }) as unknown as Command;
    const withExtra = [...commands, extra];
    const md = await commandsMarkdown(withExtra);
    expect(md).toContain("## /crm zeta");
    expect(md).toContain("- `/crm zeta <x>` — A command only this test has");
    expect(md).toContain("Example: /crm zeta \\*bold\\* \\<tag\\>"); // shown as typed, not as emphasis or a tag
    expect(await commandsDoc(withExtra)).not.toBe(readFileSync(COMMANDS_DOC, "utf8")); // so the staleness check above can fail
    expect(await commandsMarkdown()).toBe(await commandsMarkdown());
  });
});
