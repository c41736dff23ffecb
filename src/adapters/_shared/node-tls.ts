// https://nodejs.org/api/tls.html — what the TLS servers (node:tls for TCP, node:https for HTTP) share.
import type { Server, Socket } from "node:net";
import type { Server as TlsNetServer } from "node:tls";
import { createSecureContext, type TlsOptions } from "node:tls";
import { type ListenOptions, TLS_HANDSHAKE_TIMEOUT_MS, TlsSetupError } from "../../core/runtime.ts";

/** Server options for ssl_enabled; the certificate and key are tried here, so a refused pair is a TlsSetupError. */
export function tlsServerOptions(tls: NonNullable<ListenOptions["tls"]>): TlsOptions {
  const { cert, key } = tls;
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new TlsSetupError(error instanceof Error ? error.message : String(error));
  }
  // a client that does not finish its handshake (a plain-text or silent one) is destroyed after this
  return { cert, key, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS };
}

/**
 * Keeps every raw socket of a TLS server from its first byte: the server hands on (and its own
 * closeAllConnections() knows) only sockets past their handshake, and one still shaking hands would hold
 * server.close() for the whole handshake timeout. The returned function destroys them all.
 */
export function trackRawSockets(server: Server): () => void {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // a failed handshake: Node destroys the socket itself, except when the handshake timed out
  server.on("tlsClientError", (_error: Error, socket: Socket) => socket.destroy());
  return () => {
    for (const socket of sockets) socket.destroy();
  };
}

/**
 * https://nodejs.org/api/tls.html#serversetsecurecontextoptions — certificate rotation: connections accepted
 * from now on use the new pair, those open keep theirs. Undefined where the server has no such method (Bun's
 * node:https): the core then rebinds the server.
 */
export function tlsUpdater(server: Server): ((tls: NonNullable<ListenOptions["tls"]>) => void) | undefined {
  const secure = server as Partial<Pick<TlsNetServer, "setSecureContext">>;
  if (typeof secure.setSecureContext !== "function") return undefined;
  return (tls) => secure.setSecureContext?.(tlsServerOptions(tls));
}
