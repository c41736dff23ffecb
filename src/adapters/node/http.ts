// https://github.com/honojs/node-server (createAdaptorServer: a node:http server around a fetch handler)
import type { Server } from "node:http";
import { createAdaptorServer, type HttpBindings } from "@hono/node-server";
import {
  AddressInUseError,
  type FetchHandler,
  type Listener,
  type ListenOptions,
} from "../../core/runtime.ts";

export function serveHttp(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  const server = createAdaptorServer({
    fetch: (request, env) =>
      handler(request, { remoteAddress: (env as HttpBindings).incoming.socket.remoteAddress ?? "" }),
  }) as Server;
  // streams live for hours: no request or idle timeout may cut them
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "EADDRINUSE" ? new AddressInUseError(options.host, options.port) : error);
    });
    server.listen({ host: options.host, port: options.port }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : options.port;
      resolve({
        host: options.host,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
