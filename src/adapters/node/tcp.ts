// https://nodejs.org/api/net.html#netcreateserveroptions-connectionlistener
// https://nodejs.org/api/tls.html#tlscreateserveroptions-secureconnectionlistener (ssl_enabled)
import { createServer, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import {
  HANG_UP_GRACE_MS,
  type Listener,
  type ListenOptions,
  TCP_KEEPALIVE_MS,
  type TcpConnection,
} from "../../core/runtime.ts";
import { CloseListeners } from "../_shared/close-listeners.ts";
import { SocketGate } from "../_shared/node-gate.ts";
import { listen } from "../_shared/node-listen.ts";
import { tlsServerOptions, tlsUpdater, trackRawSockets } from "../_shared/node-tls.ts";

/**
 * Bytes a connection may hold in node's write buffer before write() waits for drain. Node's own 16 KiB mark
 * made every batch of a burst wait for the kernel to take it all before the next was pulled (lock-step with
 * the client); a deeper pipe keeps the client reading while the next batch is queued, and still bounds
 * what a slow client can pin in memory.
 */
const IN_FLIGHT_BYTES = 256 * 1024;

function toConnection(socket: Socket, gate: SocketGate): TcpConnection {
  socket.setNoDelay(true);
  socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
  const closing = new CloseListeners();
  const drainWaiters: Array<() => void> = [];
  socket.on("drain", () => {
    for (const waiter of drainWaiters.splice(0)) waiter();
  });
  socket.on("close", () => {
    for (const waiter of drainWaiters.splice(0)) waiter();
    closing.fire();
  });
  // a reset by the peer is a normal end of a session, reported through "close"
  socket.on("error", () => undefined);
  return {
    remoteAddress: socket.remoteAddress ?? "",
    remotePort: socket.remotePort ?? 0,
    write(bytes) {
      if (closing.closed) return Promise.reject(new Error("connection closed"));
      if (socket.write(bytes) || socket.writableLength <= IN_FLIGHT_BYTES) return Promise.resolve();
      return new Promise((resolve) => drainWaiters.push(resolve));
    },
    onClose: (listener) => closing.add(listener),
    onData: (listener) => socket.on("data", listener),
    settle: () => gate.settle(socket),
    close: () => {
      socket.end();
      // a peer that does not read would keep the socket half-open: make sure it goes
      setTimeout(() => socket.destroy(), HANG_UP_GRACE_MS).unref();
    },
  };
}

export function listenTcp(
  options: ListenOptions,
  onConnection: (connection: TcpConnection) => void,
): Promise<Listener> {
  const gate = new SocketGate(options.gate);
  if (options.tls) {
    // a TLS socket reaches the core once its handshake is done; the gate sees the raw socket at accept
    const server = createTlsServer(tlsServerOptions(options.tls), (socket) =>
      onConnection(toConnection(socket, gate)),
    );
    server.on("connection", (socket: Socket) => gate.admit(socket));
    return listen(server, options, trackRawSockets(server), tlsUpdater(server));
  }
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    if (!gate.admit(socket)) return;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    onConnection(toConnection(socket, gate));
  });
  return listen(server, options, () => {
    for (const socket of sockets) socket.destroy();
  });
}
