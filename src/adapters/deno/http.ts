// https://docs.deno.com/api/deno/~/Deno.serve — Deno.serve's own server (hyper), one connection at a time
// (Deno[Deno.internal].serveHttpOnConnection), over the shared accept loop (_accept.ts). Deno.serve itself
// runs its own accept loop, which: has no header deadline (a connection trickling a header line every 2 s
// was held as long as it went on), shows no connection before its request (so no half-open cap), and ends for
// good on the first EMFILE, taking the process down ("Uncaught (in promise) Http: Error: Too many open
// files"). Deno.serveHttp, the other way to serve an accepted connection (left out of Deno 2's types), was
// measured slower: in the fanout bench it dropped entries where this did not.
import {
  type FetchHandler,
  HTTP_HEADERS_TIMEOUT_MS,
  type Listener,
  type ListenOptions,
} from "../../core/runtime.ts";
import { settleWithin } from "../../core/util/deadline.ts";
import { type Accepted, acceptConnections } from "./_accept.ts";
import { Deno, type DenoConnectionServer, type DenoInternals } from "./_deno-types.ts";

/**
 * server.shutdown() waits for every response body to end; the core has already ended each SSE stream, but
 * a client that stopped reading keeps its body unfinished, so shutdown gets this long and no longer.
 */
const SHUTDOWN_WAIT_MS = 1000;

const internals = (Deno as unknown as Record<symbol, DenoInternals | undefined>)[Deno.internal];

/**
 * Reading request.signal makes Deno print its "legacy abort" notice, and the core reads it on GET /stream to
 * learn when the exchange is over: give GET and HEAD requests a signal that info.completed aborts instead,
 * which says the same (response sent, or the client gone) quietly. The signal is the request's own property,
 * shadowing the prototype's getter: a copy of the request (`new Request(request, { signal })`) would cost
 * every SSE client a second Request and header list for the life of its stream. Other methods never reach
 * a stream.
 */
function withCompletionSignal(request: Request, completed: Promise<void>): Request {
  if (request.method !== "GET" && request.method !== "HEAD") return request;
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  completed.then(abort, abort);
  Object.defineProperty(request, "signal", { value: controller.signal });
  return request;
}

const INTERNAL_ERROR = (): Response => Response.json({ error: "internal error" }, { status: 500 });

/**
 * One connection: its requests go to the handler; while none is in flight, the next one's headers must come
 * within HTTP_HEADERS_TIMEOUT_MS (of connecting, or of the last response's end), or it is closed.
 */
function serveConnection(
  accepted: Accepted,
  handler: FetchHandler,
  serveOn: NonNullable<DenoInternals["serveHttpOnConnection"]>,
  servers: Set<DenoConnectionServer>,
): void {
  const { conn, admitted, done } = accepted;
  // never aborted: cancelling a server whose connection has just ended throws inside Deno's abort listener,
  // where no catch reaches it, and ends the process. shutdown() closes a connection still waiting for its
  // request's headers at once (measured), and lets a response in flight finish first.
  const never = new AbortController().signal;
  let server: DenoConnectionServer | undefined;
  accepted.closeWith(() => {
    server?.shutdown().catch(() => undefined);
  });
  let deadline: ReturnType<typeof setTimeout> | undefined = setTimeout(done, HTTP_HEADERS_TIMEOUT_MS);
  let responding = 0;
  let ended = false;
  const responded = (): void => {
    if (--responding === 0 && !ended) deadline = setTimeout(done, HTTP_HEADERS_TIMEOUT_MS);
  };
  server = serveOn(
    conn,
    never,
    (request, info) => {
      clearTimeout(deadline);
      admitted?.settle();
      responding++;
      info.completed.then(responded, responded);
      return handler(withCompletionSignal(request, info.completed), {
        remoteAddress: info.remoteAddr.hostname,
      });
    },
    INTERNAL_ERROR,
    () => undefined,
  );
  const served = server;
  servers.add(served);
  const over = (): void => {
    ended = true;
    servers.delete(served);
    clearTimeout(deadline);
    done();
  };
  served.finished.then(over, over);
}

export function serveHttp(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  const serveOn = internals?.serveHttpOnConnection;
  if (typeof serveOn !== "function") {
    return Promise.reject(
      new Error(
        `deno ${Deno.version.deno} does not offer Deno.serve's server on an accepted connection, which logwisp's HTTP server uses (Deno 2.9 does)`,
      ),
    );
  }
  const servers = new Set<DenoConnectionServer>();
  try {
    const acceptor = acceptConnections(options, (accepted) =>
      serveConnection(accepted, handler, serveOn, servers),
    );
    return Promise.resolve({
      host: options.host,
      port: acceptor.port,
      async close() {
        acceptor.stopAccepting();
        const shutdowns = [...servers].map((server) => server.shutdown().catch(() => undefined));
        await settleWithin(Promise.all(shutdowns), SHUTDOWN_WAIT_MS, undefined);
        await acceptor.close();
      },
    });
  } catch (error) {
    return Promise.reject(error);
  }
}
