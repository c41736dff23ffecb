// The HTTP side as a runtime-agnostic fetch handler (a Hono app): GET /stream (SSE), GET /status, GET
// /metrics (Prometheus), and the live view (GET /, GET /app.js).
// Adapters only serve it.

import { Hono, type MiddlewareHandler } from "hono";
import { FilterError } from "../fanout/stream-filter.ts";
import { requestFromQuery, type StreamRequest } from "../fanout/stream-request.ts";
import type { FetchHandler, FetchInfo } from "../runtime.ts";
import { bearerToken, type TokenCheck } from "./auth.ts";
import { RETRY_AFTER_SECONDS } from "./client-limits.ts";
import { allowOrigins } from "./cors.ts";
import { requireKnownHost } from "./host-guard.ts";
import { LIVE_VIEW_ROUTES, type LiveViewFiles, type LiveViewPath, serveLiveView } from "./live-view.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./prometheus-text.ts";
import { SseBody, sseStream } from "./sse-body.ts";
import type { StreamServer } from "./stream-server.ts";

type Bindings = FetchInfo;

export interface HttpAppOptions {
  /** The SSE stream server; undefined never happens while HTTP is on, but keeps the app testable alone. */
  readonly sse: StreamServer;
  readonly status: () => unknown;
  /** GET /metrics: the Prometheus text (see metrics.ts); without it that path is 404. */
  readonly metrics?: (() => string) | undefined;
  /** Set when `[auth] token` is: every endpoint then needs the token. */
  readonly auth?: TokenCheck | undefined;
  /** The live view's page and script (GET /, GET /app.js); without it those paths are 404. */
  readonly liveView?: LiveViewFiles | undefined;
  /** `[httpserver] cors_origins`: the origins whose pages may read the answers; none when absent. */
  readonly corsOrigins?: readonly string[] | undefined;
  /** Without auth, the names besides IP addresses and localhost a request may address logwisp by. */
  readonly allowedHosts?: readonly string[] | undefined;
}

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  // nginx and similar proxies buffer responses unless told not to; a live stream must not be buffered
  "x-accel-buffering": "no",
};

export function createHttpApp(options: HttpAppOptions): FetchHandler {
  const app = new Hono<{ Bindings: Bindings }>();
  // CORS first: it answers a preflight (OPTIONS) itself, which a browser sends without credentials, and
  // a listed origin can read every answer, a 401 or 403 included
  app.use("*", allowOrigins(options.corsOrigins ?? []));
  // the DNS-rebinding guard, on every path: without auth the Host header is all that tells a rebound
  // page from the operator's own (the live view too: refused there, the 403 says how to allow the name)
  if (!options.auth) app.use("*", requireKnownHost(options.allowedHosts ?? []));
  // the live view, before the token check: it holds no log data, and the page asks for the token itself
  const liveView = options.liveView;
  if (liveView) {
    for (const path of Object.keys(LIVE_VIEW_ROUTES) as LiveViewPath[]) {
      app.get(path, () => serveLiveView(path, liveView));
      app.all(path, (c) => methodNotAllowed(c.req.method));
    }
  }
  if (options.auth) app.use("*", requireToken(options.auth));
  app.get("/stream", (c) => {
    const request = readStreamRequest(c.req.raw);
    if (request instanceof Response) return request;
    const admission = options.sse.limits.admit(c.env.remoteAddress);
    if (!admission.ok) {
      return c.json(admission.refusal, 503, { "retry-after": String(RETRY_AFTER_SECONDS) });
    }
    // HEAD (answered by this route, its body dropped): a GET's status and headers, and no stream behind them
    if (c.req.method === "HEAD") {
      admission.release();
      return new Response(null, { status: 200, headers: SSE_HEADERS });
    }
    return sseResponse(options.sse, c.env, request, c.req.raw, admission.release);
  });
  app.get("/status", (c) => c.json(options.status()));
  app.all("/stream", (c) => methodNotAllowed(c.req.method));
  app.all("/status", (c) => methodNotAllowed(c.req.method));
  const metrics = options.metrics;
  if (metrics) {
    app.get("/metrics", (c) => c.body(metrics(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }));
    app.all("/metrics", (c) => methodNotAllowed(c.req.method));
  }
  const endpoints = ["/", "/stream", "/status", ...(metrics ? ["/metrics"] : [])];
  app.notFound((c) => c.json({ error: "not found", path: c.req.path, endpoints }, 404));
  app.onError((error, c) => c.json({ error: "internal error", detail: error.message }, 500));
  return (request, info) => app.fetch(request, info);
}

/**
 * `Authorization: Bearer <token>` on every endpoint; `/stream` also takes `?token=`, since a browser's
 * EventSource cannot set headers.
 */
function requireToken(auth: TokenCheck): MiddlewareHandler {
  return async (c, next) => {
    const token =
      bearerToken(c.req.header("authorization")) ??
      (c.req.path === "/stream" ? c.req.query("token") : undefined);
    if (token !== undefined && (await auth.matches(token))) return next();
    return c.json(
      { error: "unauthorized", detail: "send Authorization: Bearer <token> (or ?token= on /stream)" },
      401,
      { "www-authenticate": 'Bearer realm="logwisp"' },
    );
  };
}

/** The filter, backlog and resume point of a GET /stream, or the 400 that says what is wrong with them. */
function readStreamRequest(request: Request): StreamRequest | Response {
  try {
    return requestFromQuery(new URL(request.url).searchParams, request.headers.get("last-event-id"));
  } catch (error) {
    if (!(error instanceof FilterError)) throw error;
    return Response.json({ error: "invalid filter", detail: error.detail }, { status: 400 });
  }
}

function methodNotAllowed(method: string): Response {
  return Response.json(
    { error: `method ${method} not allowed`, allow: "GET" },
    { status: 405, headers: { allow: "GET" } },
  );
}

/**
 * An SSE response: the adapter pipes its body to the connection when it can (FetchInfo.pipeBody), and the
 * answer carries only the status and headers; otherwise the body is a ReadableStream pulled by the runtime.
 */
function sseResponse(
  server: StreamServer,
  info: FetchInfo,
  request: StreamRequest,
  raw: Request,
  releaseSlot: () => void,
): Response {
  // a resume wins over a backlog and since: the client already has what came before its last id
  const start = request.resume
    ? { after: request.resume }
    : { backlog: request.backlog, since: request.since };
  const subscriber = server.open(info.remoteAddress, { filter: request.filter, start });
  const body = new SseBody(server, subscriber, releaseSlot);
  if (info.pipeBody) {
    body.attach(info.pipeBody(body));
    return new Response(null, { status: 200, headers: SSE_HEADERS });
  }
  const stream = sseStream(body);
  raw.signal.addEventListener("abort", body.closed, { once: true });
  return new Response(stream, { status: 200, headers: SSE_HEADERS });
}
