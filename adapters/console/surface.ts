// The console as the command runner sees it (src/commands/runner.ts): the member picked in the page,
// in the workspace picked there (the console itself is guarded by access.ts / local.ts). Its answers
// always go back to the HTTP request that asked, so the surface delivers nothing itself.
import type { SurfacePort } from "../../src/commands/invocation.ts";
import type { Services } from "../../src/domain/services.ts";
import { consoleActorFor } from "../../src/domain/workspaces/console.ts";

export function consoleSurface(services: Services): SurfacePort {
  return {
    identify: (identity) => consoleActorFor(services, String(identity.workspaceId ?? ""), String(identity.memberId ?? "")),
  };
}
