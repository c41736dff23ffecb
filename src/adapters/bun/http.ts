// https://bun.sh/docs/api/http (Bun.serve) — the core's fetch handler served as is; with ssl_enabled,
// https://bun.sh/docs/api/http#tls
import type { FetchHandler, Listener, ListenOptions } from "../../core/runtime.ts";
import { Bun, fromListenError } from "./_bun-types.ts";

export async function serveHttp(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  try {
    const server = Bun.serve({
      hostname: options.host,
      port: options.port,
      // streams live for hours: Bun's default 10 s idle timeout would cut a quiet SSE stream
      idleTimeout: 0,
      // errors are the core's to answer (its 500 JSON), never Bun's HTML error page
      development: false,
      // Bun's production mode turns SO_REUSEPORT on: a second logwisp would then share the port silently
      // instead of failing with AddressInUseError
      reusePort: false,
      ...(options.tls ? { tls: { cert: options.tls.cert, key: options.tls.key } } : {}),
      fetch: (request, server) =>
        handler(request, { remoteAddress: server.requestIP(request)?.address ?? "" }),
    });
    return { host: options.host, port: server.port, close: () => server.stop(true) };
  } catch (error) {
    throw fromListenError(error, options);
  }
}
