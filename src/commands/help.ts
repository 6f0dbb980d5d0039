// help [topic]: every command, or one area's ("deal", "ticket"). A topic is forgiving: "contacts" is the
// contact topic, "dael" answers "Did you mean deal?".
import { arg } from "./args.ts";
import { defineCommand, type Command } from "./define.ts";
import { b, code, reply, s, type Span } from "../reply/reply.ts";
import { nearest } from "../parse/suggest.ts";
import { clip } from "../reply/format.ts";

/** `list` is the registry, read when help runs (the registry lists help itself) */
export function helpCommand(list: () => Command[]) {
  return defineCommand({
    path: ["help"],
    summary: "List commands, or the commands of one area",
    usage: "/crm help [topic]",
    help: ["A topic is an area (deal, ticket, contact, …) or a command (deal new); plurals work too (deals)."],
    readOnly: true,
    args: { topic: arg.text("area such as deal, ticket, contact").optional().rest() },
    async run({ args }) {
      const commands = list();
      const areas = [...new Set(commands.map((c) => c.path[0]))];
      const typed = args.topic?.toLowerCase().replace(/\s+/g, " ");
      const matching = (t: string) => commands.filter((c) => c.path[0] === t || c.path.join(" ") === t);
      // "contacts" → "contact", "deals new" → "deal new"
      const singular = typed?.replace(/^(\S+?)s(?= |$)/, "$1");
      const topic = typed && (matching(typed).length ? typed : singular && matching(singular).length ? singular : undefined);
      if (typed && !topic) {
        const near = nearest(typed.split(" ")[0], areas);
        return reply(`No help topic "${args.topic}"`)
          .text([
            s(`No help topic "${args.topic}".`),
            ...(near ? [s(" Did you mean "), code(`/crm help ${near}`), s("?")] : []),
            s(` Topics: ${areas.join(", ")}.`),
          ])
          .build();
      }
      const shown = topic ? matching(topic) : commands;
      // every command with its summary for a topic; one line per area for all of them (a chat message holds ~3,000 characters)
      const lines: Span[] = topic
        ? shown.flatMap((c, i) => [...(i ? [s("\n")] : []), code(c.usage), s(` — ${c.summary}`)])
        : areas.flatMap((area, i) => [...(i ? [s("\n")] : []), ...areaLine(commands.filter((c) => c.path[0] === area))]);
      const r = reply(topic ? `Help: ${topic}` : "CRM commands")
        .header(topic ? `/crm ${topic}` : "CRM commands")
        .text(lines);
      const extra = shown.flatMap((c) => c.help ?? []);
      if (topic && extra.length) r.context(extra.join("\n"));
      if (!topic)
        r.context([
          s("Keys: "),
          b("C-12"),
          s(" contact · "),
          b("A-3"),
          s(" company · "),
          b("D-7"),
          s(" deal · "),
          b("T-42"),
          s(" ticket. "),
          s("Try "),
          code("/crm help deal"),
          s(" for an area's commands in full."),
        ]);
      return r.build();
    },
  });
}

/** An area in the overview: its first command's form, then its other verbs (or, alone, what it does). */
function areaLine(area: Command[]): Span[] {
  const [first, ...rest] = area;
  if (!rest.length) return [code(first.usage), s(` — ${clip(first.summary, 70)}`)];
  return [
    code(first.usage),
    s(` · also ${rest.map((c) => (c.path.length > 1 ? c.path.slice(1).join(" ") : c.usage.replace(/^\/crm /, ""))).join(", ")}`),
  ];
}
