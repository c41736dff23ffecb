// https://docs.deno.com/api/deno/~/Deno.listen · https://docs.deno.com/api/deno/~/Deno.listenTls (ssl_enabled)
import {
  type Listener,
  type ListenOptions,
  type TcpConnection,
  TLS_HANDSHAKE_TIMEOUT_MS,
} from "../../core/runtime.ts";
import { Deno, type DenoConn, type DenoListener } from "./_deno-types.ts";
import { fromListenError } from "./_errors.ts";

/** How long a closed session waits for the peer's FIN before dropping the socket (a non-reader never sends one). */
const HANG_UP_GRACE_MS = 1000;
const READ_BUFFER_BYTES = 4096;

function toConnection(conn: DenoConn, forget: () => void): TcpConnection {
  conn.setNoDelay?.(true);
  conn.setKeepAlive?.(true);
  const closeListeners: Array<() => void> = [];
  const dataListeners: Array<(bytes: Uint8Array) => void> = [];
  let closed = false;
  const hangUp = (): void => {
    if (closed) return;
    closed = true;
    forget();
    closeQuietly(conn);
    for (const listener of closeListeners) listener();
  };
  // read until the peer hangs up: that is how a gone client is noticed, and what it sends must not pile up
  void (async () => {
    const buffer = new Uint8Array(READ_BUFFER_BYTES);
    try {
      for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
        for (const listener of dataListeners) listener(buffer.slice(0, n));
      }
    } catch {
      // a reset by the peer, or our own close: either way the session is over
    }
    hangUp();
  })();
  return {
    remoteAddress: conn.remoteAddr.hostname,
    remotePort: conn.remoteAddr.port,
    async write(bytes) {
      // conn.write may take only part of the bytes; awaiting each part is the backpressure
      for (let offset = 0; offset < bytes.length; ) offset += await conn.write(bytes.subarray(offset));
    },
    onClose: (listener) => {
      if (closed) listener();
      else closeListeners.push(listener);
    },
    onData: (listener) => {
      dataListeners.push(listener);
    },
    close: () => {
      if (closed) return;
      // FIN after the bytes already written; the read loop closes the socket when the peer answers
      conn.closeWrite().catch(() => undefined);
      setTimeout(hangUp, HANG_UP_GRACE_MS);
    },
  };
}

/** With TLS: true once the handshake is done; false when it failed or took over TLS_HANDSHAKE_TIMEOUT_MS. */
async function completeHandshake(conn: DenoConn): Promise<boolean> {
  if (!conn.handshake) return true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), TLS_HANDSHAKE_TIMEOUT_MS);
  });
  const handshake = conn.handshake().then(
    () => true,
    () => false,
  );
  const done = await Promise.race([handshake, timedOut]);
  clearTimeout(timer);
  return done;
}

function closeQuietly(conn: DenoConn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

export function listenTcp(
  options: ListenOptions,
  onConnection: (connection: TcpConnection) => void,
): Promise<Listener> {
  let listener: DenoListener;
  try {
    listener = options.tls
      ? Deno.listenTls({ hostname: options.host, port: options.port, ...options.tls })
      : Deno.listen({ hostname: options.host, port: options.port, transport: "tcp" });
  } catch (error) {
    return Promise.reject(fromListenError(error, options));
  }
  const connections = new Set<DenoConn>();
  let closing = false;
  const accepting = (async () => {
    while (!closing) {
      try {
        const conn = await listener.accept();
        connections.add(conn);
        const forget = (): boolean => connections.delete(conn);
        if (!options.tls) {
          onConnection(toConnection(conn, forget));
          continue;
        }
        // the core gets a TLS connection once its handshake is done; the others are dropped here
        void completeHandshake(conn).then((ok) => {
          if (ok && !closing) onConnection(toConnection(conn, forget));
          else if (forget()) closeQuietly(conn);
        });
      } catch {
        // closed by close(), or a failed accept (out of descriptors): pause rather than spin, then go on
        if (!closing) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  })();
  return Promise.resolve({
    host: options.host,
    port: listener.addr.port,
    async close() {
      closing = true;
      listener.close();
      for (const conn of connections) closeQuietly(conn);
      await accepting;
    },
  });
}
