// The DNS-rebinding guard. A hostile page can make its own name resolve to 127.0.0.1 (or any address of
// logwisp) after it loaded; the browser then treats logwisp's answers as the page's own origin, and CORS
// cannot tell. What gives it away is the Host header: the hostile name. So, without auth, a request is
// served only when its Host names logwisp by an IP address, localhost, or a name the operator listed.
// With auth the token guards every endpoint instead, and no such page has it.
import type { MiddlewareHandler } from "hono";

/** The 403's advice: every way to set the key that allows a name. */
export const ALLOW_HOST_DETAIL =
  "add it to [httpserver] allowed_hosts (LOGWISP_HTTPSERVER_ALLOWED_HOSTS, --http-allowed-hosts), or set [auth] token";

/** `Host: Logs.Example:8080` → `logs.example`, `[::1]:8080` → `[::1]`: the name, lower case, no port. */
export function hostNameOf(header: string): string {
  const text = header.trim().toLowerCase();
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    return end === -1 ? text : text.slice(0, end + 1);
  }
  const colon = text.lastIndexOf(":");
  return colon === -1 ? text : text.slice(0, colon);
}

const IPV4_PART = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${IPV4_PART}(?:\\.${IPV4_PART}){3}$`);
// a browser writes an IPv6 address in brackets; nothing in brackets can be a DNS name
const IPV6 = /^\[[0-9a-f.]*:[0-9a-f:.]*\]$/;

/**
 * IP literals are always allowed: rebinding needs a name, and a page on another address or port is
 * another origin, which CORS handles. `localhost` and `*.localhost` resolve to loopback without DNS
 * (RFC 6761; Chromium and Firefox never ask a DNS server), so no one else can point them elsewhere.
 */
export function isAlwaysAllowed(hostName: string): boolean {
  return (
    IPV4.test(hostName) || IPV6.test(hostName) || hostName === "localhost" || hostName.endsWith(".localhost")
  );
}

/**
 * Refuses (403, JSON naming the key that allows it) a request whose Host is not an IP literal, localhost
 * or one of `names` (compared without case). A request without a Host header is served: browsers always
 * send one (over HTTP/2, which only comes with TLS, a rebound name would not match the certificate).
 */
export function requireKnownHost(names: readonly string[]): MiddlewareHandler {
  const allowed = new Set(names.map((name) => name.toLowerCase()));
  return async (c, next) => {
    const header = c.req.header("host");
    if (header === undefined) return next();
    const host = hostNameOf(header);
    if (isAlwaysAllowed(host) || allowed.has(host)) return next();
    return c.json({ error: "host not allowed", host, detail: ALLOW_HOST_DETAIL }, 403);
  };
}
