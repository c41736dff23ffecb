// https://nodejs.org/api/net.html#serverlisten — listening for both servers: bound port, a taken port as
// the core's AddressInUseError, and a close that also ends the connections still open.
import type { Server } from "node:net";
import { AddressInUseError, type Listener, type ListenOptions } from "../../core/runtime.ts";

export function listen(
  server: Server,
  options: ListenOptions,
  closeConnections: () => void,
): Promise<Listener> {
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
            closeConnections();
          }),
      });
    });
  });
}
