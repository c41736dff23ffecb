// The memory scenario's reference: the least an SSE server of the runtime costs per idle stream. Each GET
// gets a streamed text/event-stream response with one frame (which the bench client counts as its warm-up
// line) and nothing after it. On Deno, Deno.serve (logwisp's HTTP there is Deno.serve's server); on Node and
// Bun, node:http (logwisp's HTTP on both). No routing, no queues, no heartbeats.
import { createServer } from "node:http";

const frame = "event: connected\ndata: warmup\n\n";
const ready = (port: number) =>
  process.stderr.write(`floor: http server listening on 127.0.0.1:${port}\nfloor: ready\n`);

interface DenoServe {
  serve(
    options: { hostname: string; port: number; onListen: (addr: { port: number }) => void },
    handler: () => Response,
  ): unknown;
}
const deno = (globalThis as { Deno?: DenoServe }).Deno;

if (deno) {
  // https://docs.deno.com/api/deno/~/Deno.serve
  const bytes = new TextEncoder().encode(frame);
  deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => ready(port) },
    () =>
      new Response(
        new ReadableStream({ start: (c) => c.enqueue(bytes), pull: () => new Promise(() => undefined) }),
        { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } },
      ),
  );
} else {
  // https://nodejs.org/api/http.html#httpcreateserveroptions-requestlistener
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(frame);
  });
  server.listen({ host: "127.0.0.1", port: 0 }, () => {
    const address = server.address();
    ready(typeof address === "object" && address ? address.port : 0);
  });
}
