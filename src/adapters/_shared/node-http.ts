// https://github.com/honojs/node-server (createAdaptorServer: a node:http server around a fetch handler;
// with ssl_enabled, a node:https one: https://nodejs.org/api/https.html#httpscreateserveroptions-requestlistener)
// — Node's HTTP server, and Bun's (node:http in Bun), whose Bun.serve shows no connection before its request:
// the half-open cap needs every connection at accept, and its headers timeout makes the header deadline real.
import type { Server, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import { createAdaptorServer, type HttpBindings } from "@hono/node-server";
// https://github.com/honojs/node-server#direct-response-from-nodejs-api: the answer for a response written
// to node:http's ServerResponse by the handler itself (made with the runtime's own Response at import)
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import {
  type BodyChunk,
  type FetchHandler,
  HTTP_HEADERS_TIMEOUT_MS,
  type Listener,
  type ListenOptions,
  type PulledBody,
} from "../../core/runtime.ts";
import { SocketGate } from "./node-gate.ts";
import { listen } from "./node-listen.ts";
import { tlsServerOptions, tlsUpdater, trackRawSockets } from "./node-tls.ts";

/**
 * https://nodejs.org/api/http.html#httpcreateserveroptions-requestlistener — Node checks the headers timeout
 * only this often (30 s by default), so a deadline of 10 s would otherwise hold a connection for up to 40 s.
 */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1000;

export function serveHttp(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  const gate = new SocketGate(options.gate);
  const timeouts = {
    // streams live for hours: no request timeout may cut them
    requestTimeout: 0,
    headersTimeout: HTTP_HEADERS_TIMEOUT_MS,
    connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
  };
  const server = createAdaptorServer({
    fetch: (request, env) => {
      const { incoming, outgoing } = env as HttpBindings;
      const socket = incoming.socket as Socket;
      gate.settle(socket);
      const remoteAddress = socket.remoteAddress ?? "";
      // only a GET's answer may be a stream (HEAD is answered by GET routes, its body dropped)
      if (request.method !== "GET") return handler(request, { remoteAddress });
      return answer(handler, request, remoteAddress, outgoing as ServerResponse);
    },
    serverOptions: options.tls ? { ...tlsServerOptions(options.tls), ...timeouts } : timeouts,
    ...(options.tls ? { createServer: createHttpsServer } : {}),
  }) as Server;
  // an idle connection between two requests
  server.keepAliveTimeout = 5_000;
  server.on("connection", (socket: Socket) => gate.admit(socket));
  const destroyTlsSockets = options.tls ? trackRawSockets(server) : () => undefined;
  return listen(
    server,
    options,
    () => {
      server.closeAllConnections();
      destroyTlsSockets();
    },
    options.tls ? tlsUpdater(server) : undefined,
  );
}

/**
 * A GET: when the handler pipes a body (an SSE stream), it is written here, straight to the ServerResponse,
 * instead of through a web ReadableStream and @hono/node-server's reader loop.
 */
async function answer(
  handler: FetchHandler,
  request: Request,
  remoteAddress: string,
  res: ServerResponse,
): Promise<Response> {
  let piped: PulledBody | undefined;
  const response = await handler(request, {
    remoteAddress,
    pipeBody: (body) => {
      piped = body;
      return () => res.destroy();
    },
  });
  if (piped === undefined) return response;
  if (response.status !== 200 || res.headersSent || res.destroyed) {
    // not the answer the body was for (an error after it was made), or the client already left
    piped.closed();
    return response;
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(200, headers);
  void writePulled(res, piped);
  return RESPONSE_ALREADY_SENT;
}

/**
 * Writes the body's chunks as they come, each only once the socket took the one before (`write` said so,
 * or `drain` came): a client that does not read makes the body wait, never this response buffer.
 */
async function writePulled<C extends BodyChunk>(res: ServerResponse, body: PulledBody<C>): Promise<void> {
  res.once("close", body.closed);
  try {
    for (let chunk = await body.next(); chunk !== undefined; chunk = await body.next()) {
      if (res.destroyed) return;
      if (!res.write(chunk.bytes) && !(await drained(res))) return;
      body.written(chunk);
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    body.closed();
  }
}

/** Resolves true on `drain`, false when the response closed first. */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = (): void => {
      res.off("close", onClose);
      resolve(true);
    };
    const onClose = (): void => {
      res.off("drain", onDrain);
      resolve(false);
    };
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}
