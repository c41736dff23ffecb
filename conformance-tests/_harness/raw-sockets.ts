// Clients below the level of clients.ts, for cases about what the server does to a socket: a bare TCP
// connection, a wait for bytes on it, and an SSE client that stops reading (its socket paused).
import { connect, type Socket } from "node:net";
import { onCleanup } from "./cleanup.ts";
import type { Served } from "./serve.ts";
import { DEFAULT_TIMEOUT_MS } from "./wait.ts";

export const SSE_REQUEST = "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";

/** Resolves when `socket` has received text matching `pattern`; rejects on close or after `ms`. */
export function received(
  socket: Socket,
  pattern: RegExp,
  what: string,
  ms = DEFAULT_TIMEOUT_MS,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = "";
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      // only the tail matters: keep the text short however much arrives
      text = (text + chunk.toString("latin1")).slice(-4096);
      if (pattern.test(text)) finish();
    };
    const onClose = (): void =>
      finish(new Error(`connection closed before ${what}; got: ${text.slice(-300)}`));
    const timer = setTimeout(
      () => finish(new Error(`no ${what} within ${ms} ms; got: ${text.slice(-300)}`)),
      ms,
    );
    socket.on("data", onData);
    socket.once("close", onClose);
  });
}

/**
 * A plain socket to 127.0.0.1:port (from `localAddress`, another loopback address, if given), destroyed after
 * the case; errors (resets) are expected and ignored.
 */
export function rawSocket(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ...(localAddress ? { localAddress } : {}) });
    socket.on("error", () => undefined);
    socket.once("connect", () => resolve(socket));
    socket.once("close", () => reject(new Error(`could not connect to 127.0.0.1:${port}`)));
    onCleanup(() => {
      socket.destroy();
    });
  });
}

/** An SSE client that reads its `connected` event and then never reads again. */
export async function stalledSse(served: Served): Promise<Socket> {
  const socket = await rawSocket(served.proc.httpPort);
  const connected = received(socket, /event: connected\r?\n/, "the connected event");
  socket.write(SSE_REQUEST);
  await connected;
  socket.pause();
  return socket;
}
