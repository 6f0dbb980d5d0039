// Without ADMIN_TOKEN the console acts as every member of every workspace for whoever reaches it, so it
// answers only a browser on this machine talking to it directly. All of these must hold:
// - the server binds a loopback HOST (127.0.0.0/8, ::1, localhost, in any spelling);
// - the peer of the connection is a loopback address;
// - no proxy header: a request a proxy relayed is remote, whatever its peer (a proxy on this machine
//   connects from 127.0.0.1);
// - the Host header names loopback, so a page of another site whose name resolves to 127.0.0.1
//   (DNS rebinding) gets nothing.
// A proxy on this machine that sends none of the proxy headers and rewrites Host to 127.0.0.1 cannot be
// told from a local browser: behind a proxy, always set ADMIN_TOKEN (docs/SECURITY.md).
import type { IncomingHttpHeaders } from "node:http";
import { isLoopbackAddress, isLoopbackHost } from "../../src/config/loopback.ts";

const PROXY_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "via"];

export interface RequestLike {
  headers: IncomingHttpHeaders;
  socket: { remoteAddress?: string };
}

/** Why req is not a direct request from this machine to a loopback-bound server; undefined when it is. */
export function notLocal(bindsLoopback: boolean, req: RequestLike): string | undefined {
  if (!bindsLoopback)
    return "the console without ADMIN_TOKEN needs a loopback HOST such as 127.0.0.1 (set ADMIN_TOKEN to serve it on another address)";
  if (PROXY_HEADERS.some((h) => req.headers[h] !== undefined) || !isLoopbackAddress(req.socket.remoteAddress))
    return "the console without ADMIN_TOKEN answers only a browser on this machine, not a proxy or another host (set ADMIN_TOKEN to reach it from elsewhere)";
  if (!isLoopbackHost(req.headers.host))
    return "the console without ADMIN_TOKEN answers only on localhost / 127.0.0.1 (set ADMIN_TOKEN to reach it by another name)";
  return undefined;
}
