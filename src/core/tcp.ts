// One TCP client session: JSON lines from the moment it connects. What the client sends is read and
// ignored (so its socket never stalls on unread input), and does it no harm.

import type { TcpConnection } from "./runtime.ts";
import type { StreamServer } from "./stream-server.ts";

export function serveTcpClient(server: StreamServer, connection: TcpConnection): void {
  const subscriber = server.open(connection.remoteAddress);
  connection.onData(() => undefined);
  connection.onClose(() => subscriber.close());
  void server.pump(
    subscriber,
    (bytes) => connection.write(bytes),
    () => connection.close(),
  );
}
