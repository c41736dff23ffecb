// Shutdown drain (issue 5): on SIGTERM each client's queue is written out for up to SHUTDOWN_GRACE_MS, then
// every connection is closed and logwisp exits 0. Clients that fell behind but read on get every entry
// queued before the signal (SSE then `event: disconnect`); a client that never reads holds the exit no
// longer than the grace; a second signal exits at once with 130.
import assert from "node:assert/strict";
import type { EntryStream } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { stalledSse } from "../_harness/raw-sockets.ts";
import { connectedSse, connectedTcp, type Served, type Status, serve } from "../_harness/serve.ts";
import { pollUntil } from "../_harness/wait.ts";

/** logwisp's shutdown grace (SHUTDOWN_GRACE_MS in src/core/service.ts, README "Limits and guarantees"). */
const GRACE_MS = 2000;
/** What a runtime may take beyond the grace to close its listeners and end the process. */
const EXIT_MARGIN_MS = 5000;
/** Entries each client that stopped reading holds in its queue at SIGTERM, at least. */
const QUEUED_AT_SIGNAL = 20;
/** Lines of 30 KB: the kernel's socket buffers (a few MB on loopback) fill after a few hundred. */
const line = (index: number): string => `drain ${index} ${"d".repeat(30_000)}`;

/**
 * Appends lines, a few at a time, until every client with an id in `slow` (all of which stopped reading)
 * holds at least QUEUED_AT_SIGNAL entries in its queue: the kernel's buffers are full, and what is left for
 * the shutdown to write is small enough to go out well within the grace even on a loaded machine.
 */
async function fillQueues(
  served: Served,
  slow: readonly string[],
): Promise<{ status: Status; lines: number }> {
  let lines = 0;
  const status = await pollUntil(
    async () => {
      const current = await served.status();
      const clients = current.clients.filter((client) => slow.includes(client.id));
      if (clients.length === slow.length && clients.every((client) => client.queued >= QUEUED_AT_SIGNAL))
        return current;
      if (current.totals.published === lines) {
        const next = Array.from({ length: 10 }, (_, index) => line(lines + index + 1));
        lines += next.length;
        await served.logs.appendLines("app.log", next);
      }
      return undefined;
    },
    `${QUEUED_AT_SIGNAL} entries queued for each client that stopped reading`,
    20_000,
    20,
  );
  return { status, lines };
}

/** Ids of the clients in /status that are not in `known`. */
async function newClientId(served: Served, known: readonly string[]): Promise<string> {
  const id = (await served.status()).clients.find((client) => !known.includes(client.id))?.id;
  assert.ok(id, "the new client is listed in /status");
  return id;
}

/** Every line written, in order: all were queued (or already sent) before the signal. */
function assertGotAll(client: EntryStream, lines: number): void {
  const messages = client.entries().map((entry) => entry.message);
  assert.equal(messages.length, lines, `${client.label} got every entry queued before the signal`);
  const wrong = messages.findIndex((message, index) => message !== line(index + 1));
  assert.equal(wrong, -1, `${client.label}: entry ${wrong + 1} out of order or wrong`);
}

export const lifecycleDrainCases = [
  defineCase(
    "lifecycle: SIGTERM drains each client's queue (TCP and SSE), SSE ends with disconnect, a client that never reads holds exit no longer than the grace",
    async (rt) => {
      const served = await serve(rt, { tcp: true, files: { "app.log": "" } });
      const tcp = await connectedTcp(served);
      const tcpId = await newClientId(served, []);
      const sse = await connectedSse(served);
      const sseId = await newClientId(served, [tcpId]);
      const neverTcp = await connectedTcp(served);
      const neverTcpId = await newClientId(served, [tcpId, sseId]);
      await stalledSse(served);
      const neverSseId = await newClientId(served, [tcpId, sseId, neverTcpId]);
      tcp.socket.pause();
      sse.pause();
      neverTcp.socket.pause();

      const { status, lines } = await fillQueues(served, [tcpId, sseId, neverTcpId, neverSseId]);
      const queued = status.clients.map((client) => `${client.id}: ${client.queued}`).join(", ");
      assert.equal(status.totals.dropped, 0, `nothing dropped before the signal: ${queued}`);
      const signalledAt = Date.now();
      served.proc.signal("SIGTERM");
      tcp.socket.resume();
      sse.resume();
      const exit = await served.proc.exit;
      const exitMs = Date.now() - signalledAt;
      await Promise.all([tcp.lines.waitForEnd(), sse.events.waitForEnd()]);
      console.log(`[${rt.name}] ${lines} lines; queued at SIGTERM: ${queued}; exited ${exitMs} ms after it`);

      assert.deepEqual(exit, { code: 0, signal: null }, served.proc.stderr());
      assert.ok(exitMs < GRACE_MS + EXIT_MARGIN_MS, `exited ${exitMs} ms after SIGTERM`);
      assertGotAll(tcp, lines);
      assertGotAll(sse, lines);
      const last = sse.events.items.at(-1);
      assert.equal(last?.event, "disconnect", `SSE ends with the disconnect event:\n${sse.events.dump(3)}`);
      assert.deepEqual(JSON.parse(last?.data ?? "null"), { reason: "server_shutdown" });
      // the one that never read got only what its socket took before it stopped: it did not hold the exit
      assert.ok(neverTcp.entries().length < lines, `never-reading client: ${neverTcp.entries().length}`);
    },
    { timeoutMs: 60_000, exclusive: true },
  ),

  defineCase("lifecycle: a second SIGTERM during the shutdown grace exits at once with 130", async (rt) => {
    const served = await serve(rt, { tcp: true, files: { "app.log": "" } });
    const never = await connectedTcp(served);
    const neverId = await newClientId(served, []);
    never.socket.pause();
    // a queue the client never takes: the first signal's shutdown waits the whole grace for it
    await fillQueues(served, [neverId]);
    served.proc.signal("SIGTERM");
    await served.proc.waitForStderr(/SIGTERM: shutting down/);
    const secondAt = Date.now();
    served.proc.signal("SIGTERM");
    const exit = await served.proc.exit;
    const exitMs = Date.now() - secondAt;
    console.log(`[${rt.name}] exited ${exitMs} ms after the second SIGTERM`);
    // 130, not 0: the exit came from the second signal, not from the end of the first one's grace
    assert.deepEqual(exit, { code: 130, signal: null }, served.proc.stderr());
  }),
];
