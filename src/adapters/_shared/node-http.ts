// https://github.com/honojs/node-server (createAdaptorServer: a node:http server around a fetch handler;
// with ssl_enabled, a node:https one: https://nodejs.org/api/https.html#httpscreateserveroptions-requestlistener)
// — Node's HTTP server, and Bun's (node:http in Bun), whose Bun.serve shows no connection before its request:
// the half-open cap needs every connection at accept, and its headers timeout makes the header deadline real.
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import { createAdaptorServer, type HttpBindings } from "@hono/node-server";
import {
  type FetchHandler,
  HTTP_HEADERS_TIMEOUT_MS,
  type Listener,
  type ListenOptions,
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
      const socket = (env as HttpBindings).incoming.socket as Socket;
      gate.settle(socket);
      return handler(request, { remoteAddress: socket.remoteAddress ?? "" });
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
