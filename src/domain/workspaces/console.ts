// The console's local identities: any member of a workspace can be picked (the console itself is
// guarded by ADMIN_TOKEN or a loopback-only listener).
import type { Services } from "../services.ts";
import type { Actor } from "../actor.ts";
import { NotFoundError } from "../../errors.ts";

export async function consoleActorFor(services: Services, workspaceId: string, memberId: string): Promise<Actor> {
  const m = (await services.workspaces.members(workspaceId)).find((x) => x.id === memberId);
  if (!m) throw new NotFoundError("No such member in this workspace; pick one in the console.");
  return { workspaceId, memberId: m.id, name: m.name, role: m.role, platform: "console" };
}
