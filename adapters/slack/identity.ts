// Who sent a Slack payload: team (workspace) and user, from any of Slack's body shapes.
import type { Actor } from "../../src/domain/actor.ts";
import type { Services } from "../../src/domain/services.ts";

type AnyBody = Record<string, any>;

/** Slack team id (or the enterprise id for org-wide installs without a team). */
export function slackTeamId(body: AnyBody): string | undefined {
  return (
    body.team?.id ??
    body.team_id ??
    body.user?.team_id ??
    body.authorizations?.[0]?.team_id ??
    body.enterprise?.id ??
    body.enterprise_id ??
    undefined
  );
}

export function slackUser(body: AnyBody): { id?: string; name?: string } {
  if (typeof body.user_id === "string") return { id: body.user_id, name: body.user_name };
  if (body.user && typeof body.user === "object") return { id: body.user.id, name: body.user.username ?? body.user.name };
  if (body.event?.user) return { id: typeof body.event.user === "string" ? body.event.user : body.event.user.id };
  return {};
}

export async function slackActor(services: Services, body: AnyBody, userId?: string): Promise<Actor> {
  const team = slackTeamId(body);
  const user = slackUser(body);
  const id = userId ?? user.id;
  if (!team || !id) throw new Error("slack payload without team or user");
  return services.identity.fromPlatform({
    platform: "slack",
    externalId: team,
    workspaceName: body.team?.domain ?? body.team_domain,
    userId: id,
    userName: userId ? undefined : user.name,
  });
}
