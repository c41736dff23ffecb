// https://docs.deno.com/api/deno/~/Deno.listen · https://docs.deno.com/api/deno/~/Deno.listenTls — the accept
// loop both Deno servers share. It is logwisp's own, not Deno.serve's: Deno.serve's loop ends for good on the
// first failed accept (out of descriptors, "Uncaught (in promise) Http: Error: Too many open files" took the
// process down) and shows no connection before its request; this one asks the gate about each connection at
// accept, and on EMFILE says so once (through the gate), waits a moment and accepts again.
import { type AdmittedConnection, type ListenOptions, TLS_HANDSHAKE_TIMEOUT_MS } from "../../core/runtime.ts";
import { settleWithin } from "../../core/util/deadline.ts";
import { Deno, type DenoConn, type DenoListener } from "./_deno-types.ts";
import { fromListenError } from "./_errors.ts";

/** How long the loop waits after a failed accept: long enough not to spin, short enough to go on at once. */
const ACCEPT_RETRY_MS = 100;

/** Accept failures for want of descriptors, process-wide (EMFILE) or system-wide (ENFILE). */
const OUT_OF_DESCRIPTORS = new Set(["EMFILE", "ENFILE"]);

/** One accepted connection (with TLS: past its handshake), and what its owner does when finished with it. */
export interface Accepted {
  readonly conn: DenoConn;
  /** Its place among the half-open connections; undefined without a gate. */
  readonly admitted: AdmittedConnection | undefined;
  /** Closes it (if still open), forgets it and gives its place back; idempotent. */
  done(): void;
  /** How done() closes it, when the owner has handed `conn` on (Deno.serveHttp consumes it). */
  closeWith(close: () => void): void;
}

export interface Acceptor {
  readonly port: number;
  /** Stops accepting; the connections open stay so. */
  stopAccepting(): void;
  /** Stops accepting and closes every connection still open. */
  close(): Promise<void>;
}

export function closeQuietly(conn: DenoConn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/** With TLS: true once the handshake is done; false when it failed or took over TLS_HANDSHAKE_TIMEOUT_MS. */
async function completeHandshake(conn: DenoConn): Promise<boolean> {
  if (!conn.handshake) return true;
  const handshake = conn.handshake().then(
    () => true,
    () => false,
  );
  return settleWithin(handshake, TLS_HANDSHAKE_TIMEOUT_MS, false);
}

export function acceptConnections(
  options: ListenOptions,
  onAccepted: (accepted: Accepted) => void,
): Acceptor {
  let listener: DenoListener;
  try {
    listener = options.tls
      ? Deno.listenTls({ hostname: options.host, port: options.port, ...options.tls })
      : Deno.listen({ hostname: options.host, port: options.port, transport: "tcp" });
  } catch (error) {
    throw fromListenError(error, options);
  }
  const open = new Set<() => void>();
  let closing = false;
  const admit = (conn: DenoConn): void => {
    const admitted = options.gate?.admit(conn.remoteAddr.hostname, () => done());
    let finished = false;
    let close = (): void => closeQuietly(conn);
    const done = (): void => {
      if (finished) return;
      finished = true;
      open.delete(done);
      close();
      admitted?.release();
    };
    if (options.gate && !admitted) {
      done();
      return;
    }
    open.add(done);
    const accepted: Accepted = {
      conn,
      admitted,
      done,
      closeWith: (closer) => {
        close = closer;
      },
    };
    if (!options.tls) {
      onAccepted(accepted);
      return;
    }
    // the owner gets a TLS connection once its handshake is done; the others are dropped here
    void completeHandshake(conn).then((ok) => {
      if (ok && !finished && !closing) onAccepted(accepted);
      else done();
    });
  };
  const accepting = (async () => {
    while (!closing) {
      try {
        admit(await listener.accept());
      } catch (error) {
        if (closing) break;
        const code = (error as { code?: unknown }).code;
        if (typeof code === "string" && OUT_OF_DESCRIPTORS.has(code)) options.gate?.outOfDescriptors();
        // a failed accept (out of descriptors, or a connection reset while queued): pause rather than spin
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
      }
    }
  })();
  const stopAccepting = (): void => {
    if (closing) return;
    closing = true;
    listener.close();
  };
  return {
    port: listener.addr.port,
    stopAccepting,
    async close() {
      stopAccepting();
      for (const done of [...open]) done();
      await accepting;
    },
  };
}
