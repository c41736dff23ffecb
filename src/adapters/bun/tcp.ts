// https://bun.sh/docs/api/tcp (Bun.listen; with ssl_enabled, its `tls` option and `handshake` handler) —
// socket.write takes what fits and returns how many bytes; the rest waits here and goes out from the
// `drain` handler, so a slow client never loses or reorders bytes.
import {
  type AdmittedConnection,
  type Listener,
  type ListenOptions,
  TCP_KEEPALIVE_MS,
  type TcpConnection,
  TLS_HANDSHAKE_TIMEOUT_MS,
} from "../../core/runtime.ts";
import { CloseListeners } from "../_shared/close-listeners.ts";
import { Bun, type BunSocket } from "./_bun-types.ts";
import { fromListenError } from "./_errors.ts";

/** One accepted socket as the port's connection; Bun's handlers are per listener, so it rides on `socket.data`. */
class BunTcpConnection implements TcpConnection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  private readonly unwritten: Uint8Array[] = [];
  private readonly drainWaiters: Array<() => void> = [];
  private readonly closing = new CloseListeners();
  private readonly dataListeners: Array<(bytes: Uint8Array) => void> = [];
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  private handshaken = false;

  constructor(
    private readonly socket: BunSocket<BunTcpConnection | undefined>,
    /** Its place among the half-open connections (ListenOptions.gate). */
    private readonly admitted: AdmittedConnection | undefined,
  ) {
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closing.closed) return Promise.reject(new Error("connection closed"));
    this.unwritten.push(bytes);
    if (this.flush()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Writes what the socket takes, in order; true when nothing is left waiting. Called again on drain. */
  flush(): boolean {
    while (this.unwritten.length > 0) {
      const head = this.unwritten[0] as Uint8Array;
      const written = this.socket.write(head);
      if (written < head.length) {
        this.unwritten[0] = head.subarray(Math.max(written, 0));
        return false;
      }
      this.unwritten.shift();
    }
    for (const waiter of this.drainWaiters.splice(0)) waiter();
    return true;
  }

  onClose(listener: () => void): void {
    this.closing.add(listener);
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.dataListeners.push(listener);
  }

  settle(): void {
    this.admitted?.settle();
  }

  received(bytes: Uint8Array): void {
    for (const listener of this.dataListeners) listener(bytes);
  }

  /** With TLS: a client that has not finished its handshake in time (plain text, silent) is dropped. */
  awaitHandshake(): void {
    this.handshakeTimer = setTimeout(() => this.socket.terminate(), TLS_HANDSHAKE_TIMEOUT_MS);
  }

  /** True the first time only: the core must get the connection once, whatever Bun reports after. */
  handshakeDone(): boolean {
    clearTimeout(this.handshakeTimer);
    if (this.handshaken) return false;
    this.handshaken = true;
    return true;
  }

  ended(): void {
    clearTimeout(this.handshakeTimer);
    if (this.closing.closed) return;
    this.admitted?.release();
    this.unwritten.length = 0;
    for (const waiter of this.drainWaiters.splice(0)) waiter();
    this.closing.fire();
  }

  // Bun's end() hands the kernel's queued bytes to the peer and closes at once, even if the peer never
  // reads: no half-open socket to time out as on Node
  close(): void {
    this.socket.end();
  }
}

export async function listenTcp(
  options: ListenOptions,
  onConnection: (connection: TcpConnection) => void,
): Promise<Listener> {
  try {
    const listener = Bun.listen<BunTcpConnection | undefined>({
      hostname: options.host,
      port: options.port,
      ...(options.tls ? { tls: { cert: options.tls.cert, key: options.tls.key } } : {}),
      socket: {
        // `open` comes at accept, before a byte is read (with TLS, before the handshake): the gate's moment
        open(socket) {
          const gate = options.gate;
          const admitted = gate?.admit(socket.remoteAddress, () => socket.terminate());
          if (gate && !admitted) {
            socket.terminate();
            return;
          }
          socket.data = new BunTcpConnection(socket, admitted);
          if (options.tls) socket.data.awaitHandshake();
          else onConnection(socket.data);
        },
        // with TLS, the core gets the connection once the handshake is done. A failed one is closed by Bun
        // (close follows); the client certificate it reports is not asked for.
        handshake(socket, success) {
          if (!socket.data) return;
          const first = socket.data.handshakeDone();
          if (!success) socket.terminate();
          else if (first) onConnection(socket.data);
        },
        // a refused socket has no data: Bun may still report its close
        data: (socket, bytes) => socket.data?.received(bytes),
        drain: (socket) => void socket.data?.flush(),
        close: (socket) => socket.data?.ended(),
        // a reset by the peer is a normal end of a session, reported through close
        error: () => undefined,
      },
    });
    return { host: options.host, port: listener.port, close: async () => listener.stop(true) };
  } catch (error) {
    throw fromListenError(error, options);
  }
}
