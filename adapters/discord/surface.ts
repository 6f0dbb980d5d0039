// Discord as the command runner sees it (src/commands/runner.ts), in a server or in a worker: who the
// person is, from the interaction's guild and member (permissions and roles: identity.ts). Its answers
// always go back to the process that received the interaction, which owes Discord the first response
// (interactions.ts, respond.ts), so the surface delivers nothing itself.
import type { SurfacePort } from "../../src/commands/invocation.ts";
import type { Services } from "../../src/domain/services.ts";
import { discordActor, type InteractionIdentity } from "./identity.ts";

/** The identity part of an interaction, as plain JSON (no token). */
export function discordIdentity(body: InteractionIdentity): Record<string, unknown> {
  const { guild_id, member, user } = body as InteractionIdentity & { user?: unknown };
  return { guild_id, member, user } as Record<string, unknown>;
}

export function discordSurface(services: Services): SurfacePort {
  return { identify: (identity) => discordActor(services, identity as InteractionIdentity) };
}
