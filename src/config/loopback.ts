// "Is this loopback?" for the console's rule without ADMIN_TOKEN, asked of HOST (what the server binds),
// of the Host header (the name the browser asked for) and of the socket's peer address. A name is read
// the way browsers and getaddrinfo read it — WHATWG URL host parsing: `127.1` and `0x7f.1` are
// 127.0.0.1, `[0:0:0:0:0:0:0:1]` is [::1], `LOCALHOST` is localhost, an IPv4 address may end in a dot —
// then the address is checked against 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104 with node:net's BlockList.
import { BlockList, isIP } from "node:net";

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");
loopback.addSubnet("::ffff:127.0.0.0", 104, "ipv6"); // IPv4-mapped, as dual-stack sockets report 127.0.0.1

/** A bare IP address (as socket.remoteAddress has it) in 127.0.0.0/8, ::1, or ::ffff:127.0.0.0/104. */
export function isLoopbackAddress(ip: string | undefined): boolean {
  const version = isIP(ip ?? "");
  if (version === 0) return false;
  try {
    return loopback.check(ip!, version === 6 ? "ipv6" : "ipv4");
  } catch {
    return false; // e.g. an IPv6 address with a zone (fe80::1%eth0)
  }
}

// a host name or address, IPv6 in brackets, an optional port; nothing else (no userinfo, path, %-escapes)
const HOST_SHAPE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/;

/** The host of a Host header or HOST value (name or address, optional :port; HOST may be a bare IPv6
 *  address), normalized as a browser would (lower case, IPv4 dotted-quad, IPv6 bracketed and
 *  compressed); undefined when the value is not such a host. */
export function normalizeHost(value: string): string | undefined {
  const v = value.trim();
  const host = isIP(v) === 6 ? `[${v}]` : v;
  if (!HOST_SHAPE.test(host)) return undefined;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined; // not a valid host (1.2.3.4.5, port 99999, …)
  }
}

/** True when a HOST value or Host header names this machine's loopback: `localhost` (any case, optional
 *  trailing dot) or an address in 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 — in any spelling, with or
 *  without a port. Look-alikes (127.0.0.1.evil.example, localhost.evil.example) and 0.0.0.0 / :: are not. */
export function isLoopbackHost(value: string | undefined): boolean {
  const host = value === undefined ? undefined : normalizeHost(value);
  if (!host) return false;
  if (host === "localhost" || host === "localhost.") return true;
  return isLoopbackAddress(host.startsWith("[") ? host.slice(1, -1) : host);
}
