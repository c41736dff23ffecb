// https://github.com/honojs/node-server (createAdaptorServer: a node:http server around a fetch handler;
// with ssl_enabled, a node:https one: https://nodejs.org/api/https.html#httpscreateserveroptions-requestlistener)
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createAdaptorServer, type HttpBindings } from "@hono/node-server";
import type { FetchHandler, Listener, ListenOptions } from "../../core/runtime.ts";
import { listen } from "./_listen.ts";
import { tlsServerOptions, trackRawSockets } from "./_tls.ts";

export function serveHttp(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  const server = createAdaptorServer({
    fetch: (request, env) =>
      handler(request, { remoteAddress: (env as HttpBindings).incoming.socket.remoteAddress ?? "" }),
    ...(options.tls ? { createServer: createHttpsServer, serverOptions: tlsServerOptions(options.tls) } : {}),
  }) as Server;
  // streams live for hours: no request or idle timeout may cut them
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  const destroyTlsSockets = options.tls ? trackRawSockets(server) : () => undefined;
  return listen(server, options, () => {
    server.closeAllConnections();
    destroyTlsSockets();
  });
}
