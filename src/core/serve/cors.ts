// CORS: which web pages on other origins may read what logwisp answers. None by default — the browser
// then keeps every response from a page on another origin — and otherwise exactly the origins listed in
// `[httpserver] cors_origins`, each answered with its own name, never `*`. The live view needs none of
// this: logwisp serves it, so it is on logwisp's own origin.
import type { MiddlewareHandler } from "hono";

const ALLOWED_METHODS = "GET, HEAD, OPTIONS";

/** What a page's requests carry: the token (`Authorization`) and an EventSource's resume point. */
const ALLOWED_REQUEST_HEADERS = "Authorization, Last-Event-ID";

/** How long a browser may reuse a preflight's answer (Chromium caps it at 2 h; without it, 5 s). */
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/**
 * Answers every preflight (OPTIONS) itself: a browser sends them without credentials, so they come before
 * the token check. Every other response gets its CORS headers once the handler made it: hono's cors
 * middleware sets them on a blank `c.res` before the handler instead, and the `c.res` setter then
 * re-wraps the handler's response to merge the two, which for a long-lived /stream kept two extra
 * Response objects (and on Node an undici one) per client for the life of the connection.
 */
export function allowOrigins(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  // with a list, whether a response carries the header depends on Origin: caches must know
  const varies = allowed.size > 0;
  return async (c, next) => {
    const origin = c.req.header("origin");
    // the Origin header as the browser sent it: cors_origins holds origins in that exact form
    const allowedOrigin = origin !== undefined && allowed.has(origin) ? origin : undefined;
    if (c.req.method === "OPTIONS") return preflight(allowedOrigin, varies);
    await next();
    if (varies) c.res.headers.append("vary", "Origin");
    if (allowedOrigin !== undefined) c.res.headers.set("access-control-allow-origin", allowedOrigin);
  };
}

/** 204; the CORS headers only for a listed origin, so the browser refuses the request of any other. */
function preflight(allowedOrigin: string | undefined, varies: boolean): Response {
  const headers = new Headers({ allow: ALLOWED_METHODS });
  if (varies) headers.set("vary", "Origin");
  if (allowedOrigin !== undefined) {
    headers.set("access-control-allow-origin", allowedOrigin);
    headers.set("access-control-allow-methods", ALLOWED_METHODS);
    headers.set("access-control-allow-headers", ALLOWED_REQUEST_HEADERS);
    headers.set("access-control-max-age", PREFLIGHT_MAX_AGE_SECONDS);
  }
  return new Response(null, { status: 204, headers });
}
