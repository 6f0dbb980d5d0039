// APPLICATION_COMMAND_AUTOCOMPLETE: stage names for stage options, keys for record options, choices for
// long choice lists. Suggestions come from the guild's own workspace only, and only for its members: a
// person who is not one (and may not join by the workspace's rule) gets no choice at all, not even stages.
import type { Command } from "../../src/commands/define.ts";
import type { Services } from "../../src/domain/services.ts";
import { clip } from "../../src/reply/format.ts";
import { isUserFacing } from "../../src/errors.ts";
import { discordActor, type InteractionIdentity } from "./identity.ts";
import { resolveInvocation, type InteractionOption } from "./options.ts";

export const MAX_CHOICES = 25;
export interface Choice {
  name: string;
  value: string;
}

const choice = (name: string, value: string): Choice => ({ name: clip(name.trim() || value, 100), value: clip(value, 100) });

export async function suggest(
  services: Services,
  index: Map<string, Command>,
  body: InteractionIdentity & { data?: { options?: InteractionOption[] } },
): Promise<Choice[]> {
  if (!body.guild_id || !body.data) return [];
  let workspaceId: string;
  try {
    workspaceId = (await discordActor(services, body)).workspaceId;
  } catch (e) {
    if (isUserFacing(e)) return [];
    throw e;
  }
  let focused;
  try {
    focused = resolveInvocation(index, body.data).focused;
  } catch {
    return [];
  }
  if (!focused) return [];
  const { spec, value } = focused;
  const typed = value.trim().toLowerCase();
  if (spec.choices?.length)
    return spec.choices
      .filter((c) => c.startsWith(typed))
      .slice(0, MAX_CHOICES)
      .map((c) => choice(c, c));
  if (spec.dynamic === "stage") {
    const stages = await services.pipelines.stages(workspaceId);
    return stages
      .filter((s) => s.name.toLowerCase().startsWith(typed))
      .slice(0, MAX_CHOICES)
      .map((s) => choice(s.name, s.name));
  }
  if (spec.type === "ref" && spec.refKinds?.length) {
    const hits = await services.autocomplete.records(workspaceId, spec.refKinds, value, MAX_CHOICES);
    return hits.map((h) => choice(`${h.key} ${h.label}`, h.key));
  }
  return [];
}
