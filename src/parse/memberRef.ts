// A member as typed: @mention, "me", "auto" (when allowed) or a name (console). Commands decode it
// (src/commands/args.ts) and services resolve it to a member of the workspace.
export type MemberRef =
  { kind: "me" } | { kind: "auto" } | { kind: "mention"; platform: "slack" | "discord"; userId: string } | { kind: "name"; name: string };
