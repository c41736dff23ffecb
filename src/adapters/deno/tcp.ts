// https://docs.deno.com/api/deno/~/Deno.listen · https://docs.deno.com/api/deno/~/Deno.listenTls (ssl_enabled)
// — connections from the shared accept loop (_accept.ts) as the port's TcpConnection.
import {
  HANG_UP_GRACE_MS,
  type Listener,
  type ListenOptions,
  type TcpConnection,
} from "../../core/runtime.ts";
import { CloseListeners } from "../_shared/close-listeners.ts";
import { type Accepted, acceptConnections } from "./_accept.ts";

const READ_BUFFER_BYTES = 4096;

function toConnection({ conn, admitted, done }: Accepted): TcpConnection {
  conn.setNoDelay?.(true);
  conn.setKeepAlive?.(true);
  const closing = new CloseListeners();
  const dataListeners: Array<(bytes: Uint8Array) => void> = [];
  const hangUp = (): void => {
    if (closing.closed) return;
    done();
    closing.fire();
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
    onClose: (listener) => closing.add(listener),
    onData: (listener) => {
      dataListeners.push(listener);
    },
    settle: () => admitted?.settle(),
    close: () => {
      if (closing.closed) return;
      // FIN after the bytes already written; the read loop closes the socket when the peer answers
      conn.closeWrite().catch(() => undefined);
      setTimeout(hangUp, HANG_UP_GRACE_MS);
    },
  };
}

export function listenTcp(
  options: ListenOptions,
  onConnection: (connection: TcpConnection) => void,
): Promise<Listener> {
  try {
    const acceptor = acceptConnections(options, (accepted) => onConnection(toConnection(accepted)));
    return Promise.resolve({ host: options.host, port: acceptor.port, close: () => acceptor.close() });
  } catch (error) {
    return Promise.reject(error);
  }
}
