// The loads of bench/slack-ack.ts (issue #15 item 1). The team's: a sales team of Slack users (UBENCH, UBENCH1, …)
// logging notes on many contacts and moving their own deals, so PostgreSQL sees writes spread over many rows as a
// team makes them; and the one-record load (every command `log note C-1`, all on one row's lock) as the worst case.
// The workspace is set up the way a team would, through signed slash commands answered through response_url:
// the first user becomes its admin (first person), makes new people join as agents (`settings join:agent`) and
// adds the contacts; each user then opens a few deals (joining as an agent with their first command).
import type { PrismaClient } from "../../src/generated/prisma/client.ts";
import { mulberry32 } from "../../src/random.ts";

export interface TeamSize {
  users: number;
  contacts: number;
  deals: number;
  /** the share of commands that are `deal move`s, in percent; the rest are `log note`s */
  movePct: number;
}

export interface BenchCommand {
  text: string;
  user: string;
  /** other: a command given with BENCH_TEXT, whose answer is not checked */
  kind: "note" | "move" | "other";
}

/** What answers a command of each kind with success (the `text` of the message posted to response_url). */
export const ANSWERED_OK: Record<BenchCommand["kind"], RegExp> = {
  note: /Logged note on C-\d+/,
  move: /\(moved [a-z]+ → [a-z]+\)/,
  other: /^/,
};

export const teamUser = (k: number) => (k === 0 ? "UBENCH" : `UBENCH${k}`);

/** Runs these commands at once, each as its user, and gives back the text of each answer (undefined: none came). */
export type Ask = (commands: { text: string; user: string }[]) => Promise<(string | undefined)[]>;

/** Sets up the team's workspace; throws, with the answers, when it does not end as asked. */
export async function seedTeam(size: TeamSize, ask: Ask, prisma: PrismaClient): Promise<void> {
  const batches = async (list: { text: string; user: string }[]) => {
    const answers: (string | undefined)[] = [];
    for (let i = 0; i < list.length; i += 8) answers.push(...(await ask(list.slice(i, i + 8))));
    return answers;
  };
  const admin = teamUser(0);
  // alone and first: the first person of the workspace is its admin
  const answers = await ask([{ text: "contact add Bench Contact email:bench@example.com", user: admin }]);
  answers.push(...(await ask([{ text: "settings join:agent", user: admin }])));
  const range = (n: number, from = 1) => Array.from({ length: n - from + 1 }, (_, k) => k + from);
  answers.push(
    ...(await batches(
      range(size.contacts, 2).map((n) => ({ text: `contact add Bench Contact ${n} email:bench${n}@example.com`, user: admin })),
    )),
  );
  // each of the others joins with their first command
  answers.push(...(await batches(range(size.users - 1).map((k) => ({ text: "settings", user: teamUser(k) })))));
  answers.push(
    ...(await batches(
      range(size.deals).map((n) => ({
        text: `deal new "Bench deal ${n}" 12k contact:C-${1 + ((n - 1) % size.contacts)}`,
        user: teamUser((n - 1) % size.users),
      })),
    )),
  );
  const ws = await workspaceOf(prisma);
  const [contacts, deals, members] = await Promise.all([
    prisma.contact.count({ where: { workspaceId: ws } }),
    prisma.deal.count({ where: { workspaceId: ws } }),
    prisma.member.count({
      where: { workspaceId: ws, slackUserId: { in: range(size.users, 0).map(teamUser) }, role: { in: ["agent", "manager", "admin"] } },
    }),
  ]);
  if (contacts !== size.contacts || deals !== size.deals || members !== size.users)
    throw new Error(
      `team seed: ${contacts}/${size.contacts} contacts, ${deals}/${size.deals} deals, ${members}/${size.users} members who may log; answers:\n  ${answers
        .map((a) => a ?? "(none)")
        .join("\n  ")}`,
    );
}

async function workspaceOf(prisma: PrismaClient): Promise<string> {
  const link = await prisma.platformLink.findUniqueOrThrow({ where: { platform_externalId: { platform: "slack", externalId: "TBENCH" } } });
  return link.workspaceId;
}

export interface Roster {
  /** each deal with the Slack user who owns it and the stage it is in now */
  deals: { number: number; owner: string; stage: string }[];
  /** the default pipeline's open stages, in order */
  open: string[];
}

/** Read before each run: the deals' stages as the previous runs (and any move that failed) left them. */
export async function readRoster(prisma: PrismaClient): Promise<Roster> {
  const ws = await workspaceOf(prisma);
  const [deals, stages] = await Promise.all([
    prisma.deal.findMany({
      where: { workspaceId: ws, archivedAt: null },
      orderBy: { number: "asc" },
      select: { number: true, owner: { select: { slackUserId: true } }, stage: { select: { name: true } } },
    }),
    prisma.stage.findMany({
      where: { workspaceId: ws, pipeline: { isDefault: true }, isWon: false, isLost: false },
      orderBy: { position: "asc" },
      select: { name: true },
    }),
  ]);
  return {
    deals: deals.filter((d) => d.owner?.slackUserId).map((d) => ({ number: d.number, owner: d.owner!.slackUserId!, stage: d.stage.name })),
    open: stages.map((s) => s.name),
  };
}

/**
 * The team's mix, command i of a run: movePct % of the commands (evenly spaced) are `deal move`s, by the deal's
 * owner (agents move their own deals), the deals taken in turn, each to the open stage after its current one (so a
 * deal is moved again only after every other deal was: two moves of one deal are never in flight together); the
 * rest are `log note`s on a contact picked at random, by a user picked at random. Call it with i = 0, 1, 2, … in order.
 */
export function teamMix(size: TeamSize, roster: Roster, seed = 15): (i: number) => BenchCommand {
  if (!roster.deals.length || roster.open.length < 2) throw new Error("team mix: no deals to move");
  const rnd = mulberry32(seed); // seeded: two runs send the same commands
  const stageOf = roster.deals.map((d) => d.stage);
  const p = size.movePct / 100;
  let moves = 0;
  return (i) => {
    if (Math.floor((i + 1) * p) > Math.floor(i * p)) {
      const k = moves++ % roster.deals.length;
      const d = roster.deals[k];
      const to = roster.open[(roster.open.indexOf(stageOf[k]) + 1) % roster.open.length];
      stageOf[k] = to;
      return { text: `deal move D-${d.number} ${to}`, user: d.owner, kind: "move" };
    }
    const contact = 1 + Math.floor(rnd() * size.contacts),
      user = teamUser(Math.floor(rnd() * size.users));
    return { text: `log note C-${contact} bench note ${i}`, user, kind: "note" };
  };
}

/** The one-record load: every command a note on C-1 by the first user (`text`, BENCH_TEXT, replaces the command). */
export const oneRecord =
  (text?: string, word = "note") =>
  (i: number): BenchCommand => ({
    text: text ?? `log note C-1 bench ${word} ${i}`,
    user: teamUser(0),
    kind: text ? "other" : "note",
  });
