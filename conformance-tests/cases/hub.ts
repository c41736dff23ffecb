// Fan-out: a client that cannot keep up loses entries (counted); it never slows anyone else down.
import assert from "node:assert/strict";
import { byMessage } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { connectedSse, connectedTcp, serve } from "../_harness/serve.ts";
import { pollUntil } from "../_harness/wait.ts";

export const hubCases = [
  defineCase(
    "hub: a slow client drops entries, others get every line",
    async (rt) => {
      const served = await serve(rt, {
        tcp: true,
        files: { "app.log": "" },
        args: ["--tcp-buffer-size", "10"],
      });
      const fast = await connectedSse(served);
      const slow = await connectedTcp(served);
      // Stop reading: the kernel buffers fill, then logwisp's bounded queue for this client does.
      slow.socket.pause();
      const count = 40_000;
      const padding = "p".repeat(150);
      const burst = Array.from({ length: count }, (_, index) => `slow-client test ${index + 1} ${padding}`);
      await served.logs.appendLines("app.log", burst);
      await fast.nextEntry(byMessage(burst[count - 1] as string), 30_000);
      const messages = fast.entries().map((entry) => entry.message);
      assert.equal(messages.length, count, "the fast client lost nothing");
      assert.equal(
        messages.findIndex((message, index) => message !== burst[index]),
        -1,
        "the fast client got every line in order",
      );
      const status = await pollUntil(async () => {
        const current = await served.status();
        return current.totals.dropped > 0 ? current : undefined;
      }, "totals.dropped > 0");
      const slowClient = status.clients.find((client) => client.transport === "tcp");
      assert.ok(
        slowClient && slowClient.dropped > 0,
        `the slow client's drops are counted: ${JSON.stringify(status.clients)}`,
      );
      assert.ok(slowClient.queued <= 10, `its queue is bounded by tcp buffer_size: ${slowClient.queued}`);
      const fastClient = status.clients.find((client) => client.transport === "sse");
      assert.equal(fastClient?.dropped, 0);
      assert.ok(status.servers.tcp.dropped > 0, "per-server drops counted");

      // Once it reads again it gets well-formed lines: drops happen between entries, never inside one.
      slow.socket.resume();
      await served.logs.appendLines("app.log", ["after the stall"]);
      await slow.nextEntry(byMessage("after the stall"), 15_000);
      const broken = slow.lines.items.filter((line) => line.json === undefined);
      assert.deepEqual(
        broken.map((line) => line.raw.slice(0, 80)),
        [],
        "every TCP line is whole JSON",
      );
      const received = slow.entries().length;
      assert.ok(received < count + 1, `the slow client missed entries (${received} of ${count + 1})`);
    },
    { timeoutMs: 60_000, exclusive: true },
  ),
];
