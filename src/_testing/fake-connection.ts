// A TCP connection as an adapter presents it, for the core's tests (no tests of its own; not run by the test
// glob, not shipped): `send` is the client's bytes, `written` what logwisp sent, one string per write.
import type { TcpConnection } from "../core/runtime.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface FakeConnectionOptions {
  readonly remoteAddress?: string;
  /**
   * A write resolves on a later turn, or (`stuck`) only when the connection closes, rejecting then: the
   * client hung up mid-frame, with bytes still unsent.
   */
  readonly stuck?: boolean;
}

export function fakeConnection({ remoteAddress = "127.0.0.1", stuck = false }: FakeConnectionOptions = {}) {
  const written: string[] = [];
  const dataListeners: Array<(bytes: Uint8Array) => void> = [];
  const closeListeners: Array<() => void> = [];
  const pending: Array<(error: Error) => void> = [];
  let closed = false;
  let settled = false;
  const connection: TcpConnection = {
    remoteAddress,
    remotePort: 40000,
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        if (closed) return reject(new Error("closed"));
        written.push(decoder.decode(bytes));
        if (stuck) pending.push(reject);
        else setImmediate(resolve);
      }),
    onClose: (listener) => {
      if (closed) listener();
      else closeListeners.push(listener);
    },
    onData: (listener) => {
      dataListeners.push(listener);
    },
    settle: () => {
      settled = true;
    },
    close: () => {
      if (closed) return;
      closed = true;
      for (const reject of pending.splice(0)) reject(new Error("closed"));
      for (const listener of closeListeners) listener();
    },
  };
  return {
    connection,
    written,
    get closed() {
      return closed;
    },
    /** The session told the adapter its stream started (the connection is no longer half-open). */
    get settled() {
      return settled;
    },
    send: (text: string) => {
      for (const listener of dataListeners) listener(encoder.encode(text));
    },
  };
}
