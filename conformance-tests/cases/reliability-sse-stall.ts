// The stall timeout on the SSE side (issue 5; the TCP side is in reliability-load.ts): an SSE client that
// stopped reading while its queue is full is closed after --http-stall-timeout and counted in /status as
// servers.http.stalled_disconnects, while a client reading in the same run loses nothing.
import assert from "node:assert/strict";
import { byMessage } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { stalledSse } from "../_harness/raw-sockets.ts";
import { connectedSse, serve } from "../_harness/serve.ts";
import { DEFAULT_TIMEOUT_MS, pollUntil } from "../_harness/wait.ts";

/**
 * At least one read slice (256 lines), so the reader is waited for and never drops (README "Slow clients and
 * drops"); small enough that the stalled client's queue fills with a few MB.
 */
const BUFFER_SIZE = 300;
const line = (index: number): string => `stall ${index} ${"s".repeat(4000)}`;

export const reliabilitySseStallCases = [
  defineCase(
    "reliability: an SSE client stalled past --http-stall-timeout is disconnected and counted, a reader loses nothing",
    async (rt) => {
      const served = await serve(rt, {
        files: { "app.log": "" },
        args: ["--http-stall-timeout", "1", "--http-buffer-size", String(BUFFER_SIZE)],
      });
      const reader = await connectedSse(served);
      const readerId = (await served.status()).clients[0]?.id;
      // reads its connected event, then its socket is paused: the kernel's buffers fill, then its queue
      const stalled = await stalledSse(served);
      const stalledId = (await served.status()).clients.find((client) => client.id !== readerId)?.id;
      assert.ok(readerId && stalledId);
      const stalledClosed = new Promise<void>((resolve) => stalled.once("close", () => resolve()));

      // write while the stalled client's queue is not full; once it stays full for 1 s, the server hangs up
      let written = 0;
      const status = await pollUntil(
        async () => {
          const current = await served.status();
          if (current.servers.http.stalled_disconnects >= 1) return current;
          const client = current.clients.find((entry) => entry.id === stalledId);
          if (client !== undefined && client.queued < BUFFER_SIZE) {
            const lines = Array.from({ length: 100 }, () => line(++written));
            await served.logs.appendLines("app.log", lines);
          }
          return undefined;
        },
        "the stalled SSE client to be disconnected and counted",
        15_000,
        100,
      );
      assert.equal(status.servers.http.stalled_disconnects, 1, JSON.stringify(status.servers.http));
      assert.deepEqual(
        status.clients.map((client) => client.id),
        [readerId],
        "the stalled client left /status clients, the reader did not",
      );
      // the server hung up: once the client reads what the kernel holds, the connection ends
      stalled.resume();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        stalledClosed,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error("the server did not close the stalled SSE connection")),
            DEFAULT_TIMEOUT_MS,
          );
        }),
      ]).finally(() => clearTimeout(timer));

      await served.logs.appendLines("app.log", ["after the stall"]);
      await reader.nextEntry(byMessage("after the stall"), 10_000);
      const messages = reader.entries().map((entry) => entry.message);
      assert.equal(messages.length, written + 1, "the reader got every line");
      const wrong = messages.slice(0, written).findIndex((message, index) => message !== line(index + 1));
      assert.equal(wrong, -1, `the reader's entry ${wrong + 1} is out of order or wrong`);
      const readerStatus = (await served.status()).clients.find((client) => client.id === readerId);
      assert.equal(readerStatus?.dropped, 0, JSON.stringify(readerStatus));
      console.log(
        `[${rt.name}] stalled SSE client disconnected after ${written} lines of 4 KB; the reader got all ${messages.length}`,
      );
    },
    { timeoutMs: 40_000, exclusive: true },
  ),
];
