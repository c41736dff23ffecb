// https://nodejs.org/api/net.html#serverlisten — listening for the servers built on node:net (Node's TCP and
// HTTP servers, and Bun's HTTP server): bound port, a taken port as the core's AddressInUseError, accept
// errors after that, and a close that also ends the connections still open.
import type { Server } from "node:net";
import { AddressInUseError, type Listener, type ListenOptions } from "../../core/runtime.ts";

/** Accept failures for want of descriptors, process-wide (EMFILE) or system-wide (ENFILE). */
const OUT_OF_DESCRIPTORS = new Set(["EMFILE", "ENFILE"]);

export function listen(
  server: Server,
  options: ListenOptions,
  closeConnections: () => void,
  /** Certificate rotation, for a TLS server whose runtime can swap the pair (see node-tls.ts). */
  updateTls?: Listener["updateTls"],
): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const failedToListen = (error: NodeJS.ErrnoException): void => {
      reject(error.code === "EADDRINUSE" ? new AddressInUseError(options.host, options.port) : error);
    };
    server.once("error", failedToListen);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off("error", failedToListen);
      // once listening, an 'error' is a failed accept; without a listener it would end the process. libuv
      // mostly keeps EMFILE to itself (it accepts and closes the waiting connections with a spare descriptor);
      // when it cannot, the gate says so. Other accept errors concern the one connection, already gone.
      server.on("error", (error: NodeJS.ErrnoException) => {
        if (OUT_OF_DESCRIPTORS.has(error.code ?? "")) options.gate?.outOfDescriptors();
      });
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
        ...(updateTls ? { updateTls } : {}),
      });
    });
  });
}
