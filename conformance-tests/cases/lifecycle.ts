// Shutdown: SIGTERM and SIGINT end client connections cleanly and exit 0.
import assert from "node:assert/strict";
import { isListening } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { connectedSse, connectedTcp, serve } from "../_harness/serve.ts";

function shutdownCase(signal: "SIGTERM" | "SIGINT") {
  return defineCase(`lifecycle: ${signal} exits 0 and clients see their connections end`, async (rt) => {
    const served = await serve(rt, { tcp: true });
    const tcp = await connectedTcp(served);
    const sse = await connectedSse(served);
    const { httpPort, tcpPort } = served.proc;
    served.proc.signal(signal);
    assert.match(await tcp.lines.waitForEnd(), /server ended/, "a clean end (FIN), not a reset");
    await sse.events.waitForEnd();
    const exit = await served.proc.exit;
    assert.deepEqual(exit, { code: 0, signal: null }, served.proc.stderr());
    assert.ok(
      sse.events.items.some((event) => event.event === "disconnect"),
      sse.events.dump(),
    );
    assert.equal(await isListening(httpPort), false, "HTTP port released");
    assert.equal(await isListening(tcpPort), false, "TCP port released");
  });
}

export const lifecycleCases = [shutdownCase("SIGTERM"), shutdownCase("SIGINT")];
