// https://docs.deno.com/api/deno/~/Deno.serve
import type { FetchHandler, Listener, ListenOptions } from "../../core/runtime.ts";
import { Deno, type DenoHttpServer } from "./_deno-types.ts";
import { fromListenError } from "./_errors.ts";

/**
 * server.shutdown() waits for every response body to end; the core has already ended each SSE stream, but
 * a client that stopped reading keeps its body unfinished, so shutdown gets this long and no longer.
 */
const SHUTDOWN_WAIT_MS = 1000;

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

export function serveHttp(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  let server: DenoHttpServer;
  try {
    server = Deno.serve(
      // logwisp prints its own "listening" line
      {
        hostname: options.host,
        port: options.port,
        ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
        onListen: () => undefined,
      },
      (request, info) =>
        handler(withCompletionSignal(request, info.completed), { remoteAddress: info.remoteAddr.hostname }),
    );
  } catch (error) {
    return Promise.reject(fromListenError(error, options));
  }
  return Promise.resolve({
    host: options.host,
    port: server.addr.port,
    async close() {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_WAIT_MS);
      });
      await Promise.race([server.shutdown(), waited]);
      clearTimeout(timer);
    },
  });
}
