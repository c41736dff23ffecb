// The port's ConnectionGate (runtime.ts) on a node:net server, and on the http, https and tls servers built on
// it: every raw socket is asked about as it is accepted — before a byte is read, before a TLS handshake — and
// a refused one is destroyed at once.
import type { Socket } from "node:net";
import type { AdmittedConnection, ConnectionGate } from "../../core/runtime.ts";

/** The same for a raw socket and the TLS socket over it, and unique among open connections. */
function keyOf(socket: Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}

export class SocketGate {
  private readonly admitted = new Map<string, AdmittedConnection>();

  constructor(private readonly gate: ConnectionGate | undefined) {}

  /** A raw socket just accepted: false when it was refused (and destroyed). */
  admit(socket: Socket): boolean {
    const gate = this.gate;
    if (gate === undefined) return true;
    // reset by the peer before it was accepted: nothing to admit
    if (socket.remoteAddress === undefined) {
      socket.destroy();
      return false;
    }
    const admitted = gate.admit(socket.remoteAddress, () => socket.destroy());
    if (admitted === undefined) {
      socket.destroy();
      return false;
    }
    const key = keyOf(socket);
    this.admitted.set(key, admitted);
    socket.once("close", () => {
      admitted.release();
      if (this.admitted.get(key) === admitted) this.admitted.delete(key);
    });
    return true;
  }

  /** The socket (or the TLS socket over it) sent a whole request, or its stream started. */
  settle(socket: Socket): void {
    this.admitted.get(keyOf(socket))?.settle();
  }
}
