// One TCP client session: JSON lines once the client is let in. A client over `max_clients` or
// `max_clients_per_ip` gets one JSON error line and is closed. With `[auth] token` set, the client's first
// line must be the token, within TCP_AUTH_TIMEOUT_MS; it is subscribed only then, so nothing is queued for
// (or written to) a client that has not proved it may read. Anything else the client sends is read and
// ignored (so its socket never stalls on unread input), and does it no harm.

import { FirstLineReader, TCP_AUTH_TIMEOUT_MS, type TokenCheck } from "./auth.ts";
import type { ClientRefusal } from "./client-limits.ts";
import type { TcpConnection } from "./runtime.ts";
import type { StreamServer } from "./stream-server.ts";

export interface TcpSessionOptions {
  /** Set when `[auth] token` is: the first line must match it. */
  readonly auth?: TokenCheck | undefined;
  readonly authTimeoutMs?: number;
}

export function serveTcpClient(
  server: StreamServer,
  connection: TcpConnection,
  options: TcpSessionOptions = {},
): void {
  const admission = server.limits.admit(connection.remoteAddress);
  if (!admission.ok) {
    refuse(connection, admission.refusal);
    return;
  }
  connection.onClose(admission.release);
  const { auth } = options;
  if (auth === undefined) {
    connection.onData(() => undefined);
    startSession(server, connection);
    return;
  }
  let closed = false;
  let settled = false;
  const reject = (): void => {
    settled = true;
    connection.close();
  };
  const timer = setTimeout(reject, options.authTimeoutMs ?? TCP_AUTH_TIMEOUT_MS);
  connection.onClose(() => {
    closed = true;
    clearTimeout(timer);
  });
  const reader = new FirstLineReader();
  connection.onData((bytes) => {
    if (settled) return;
    const line = reader.push(bytes);
    if (line === undefined) return;
    settled = true;
    clearTimeout(timer);
    if (line === null) {
      reject();
      return;
    }
    void auth.matches(line).then((ok) => {
      if (closed) return;
      if (ok) startSession(server, connection);
      else reject();
    });
  });
}

/** Over a limit: one JSON line saying which, then the connection closes. */
function refuse(connection: TcpConnection, refusal: ClientRefusal): void {
  connection.onData(() => undefined);
  const line = new TextEncoder().encode(`${JSON.stringify(refusal)}\n`);
  void connection
    .write(line)
    .catch(() => undefined)
    .finally(() => connection.close());
}

function startSession(server: StreamServer, connection: TcpConnection): void {
  const subscriber = server.open(connection.remoteAddress);
  connection.onClose(() => subscriber.close());
  void server.pump(
    subscriber,
    (bytes) => connection.write(bytes),
    () => connection.close(),
  );
}
