// An SSE StreamServer on its own hub, no heartbeats: what the HTTP app's tests need to build the app.
import { Hub } from "../core/fanout/hub.ts";
import { StreamServer } from "../core/serve/stream-server.ts";

export function testSseServer(hub = new Hub()): StreamServer {
  return new StreamServer(hub, {
    transport: "sse",
    bufferSize: 10,
    heartbeatIntervalSeconds: undefined,
    encodeHeartbeat: () => new Uint8Array(),
    startedAtMs: Date.now(),
  });
}
