// Reliability under load (issue 5): clients that never read, and a thousand clients that come and go.
// Both measure the server process itself (/proc), so they run alone.
import assert from "node:assert/strict";
import { byMessage } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { openFdCount, sampleResidentPeak } from "../_harness/proc-stats.ts";
import { rawSocket, received, SSE_REQUEST, stalledSse } from "../_harness/raw-sockets.ts";
import { connectedTcp, type Served, serve } from "../_harness/serve.ts";
import { DEFAULT_TIMEOUT_MS, pollUntil } from "../_harness/wait.ts";

/** Generous: the runtime itself takes 50-150 MiB; the queues of three clients add a few MiB at most. */
const RSS_BOUND_KIB = 300 * 1024;

export const reliabilityLoadCases = [
  defineCase(
    "reliability: two stalled clients lose entries, a reading one gets 100,000 lines, memory stays bounded",
    async (rt) => {
      const served = await serve(rt, { tcp: true, files: { "app.log": "" } });
      const reader = await connectedTcp(served);
      const readerId = (await served.status()).clients[0]?.id;
      const stalledTcp = await connectedTcp(served);
      stalledTcp.socket.pause();
      await stalledSse(served);

      const count = 100_000;
      const padding = "x".repeat(180);
      const lines = Array.from({ length: count }, (_, index) => `burst ${index + 1} ${padding}`);
      const rss = sampleResidentPeak(served.proc.pid);
      await served.logs.appendLines("app.log", lines);
      await reader.nextEntry(byMessage(lines[count - 1] as string), 60_000);
      const status = await pollUntil(async () => {
        const current = await served.status();
        const stalled = current.clients.filter((client) => client.id !== readerId);
        return stalled.length === 2 && stalled.every((client) => client.dropped > 0) ? current : undefined;
      }, "both stalled clients to have dropped entries");
      const peakKiB = await rss.stop();
      console.log(`[${rt.name}] peak RSS with two stalled clients and ${count} lines: ${peakKiB} KiB`);

      const messages = reader.entries().map((entry) => entry.message);
      assert.equal(messages.length, count, "the reading client lost nothing");
      assert.equal(
        messages.findIndex((message, index) => message !== lines[index]),
        -1,
        "the reading client got every line in order",
      );
      const byTransport = (transport: string) =>
        status.clients.filter((client) => client.transport === transport);
      assert.equal(byTransport("tcp").length, 2, JSON.stringify(status.clients));
      assert.equal(byTransport("sse").length, 1, JSON.stringify(status.clients));
      const readerStatus = status.clients.find((client) => client.id === readerId);
      assert.equal(readerStatus?.dropped, 0, `the reader dropped nothing: ${JSON.stringify(status.clients)}`);
      for (const client of status.clients) {
        assert.ok(client.queued <= 1000, `queue bounded by buffer_size: ${JSON.stringify(client)}`);
        assert.ok(client.delivered + client.dropped <= count, JSON.stringify(client));
      }
      const droppedByClients = status.clients.reduce((sum, client) => sum + client.dropped, 0);
      assert.equal(status.totals.dropped, droppedByClients, "totals.dropped is the clients' drops");
      assert.equal(
        status.servers.tcp.dropped + status.servers.http.dropped,
        droppedByClients,
        "each server counts its clients' drops",
      );
      assert.ok(
        status.servers.tcp.dropped > 0 && status.servers.http.dropped > 0,
        JSON.stringify(status.servers),
      );
      assert.ok(peakKiB < RSS_BOUND_KIB, `peak RSS ${peakKiB} KiB stays under ${RSS_BOUND_KIB} KiB`);
    },
    { timeoutMs: 90_000, exclusive: true },
  ),

  defineCase(
    "reliability: 1,000 TCP and SSE clients come and go, and leave no client, descriptor or per-IP slot behind",
    async (rt) => {
      const served = await serve(rt, {
        tcp: true,
        files: { "app.log": "" },
        args: [
          "--tcp-max-clients-per-ip",
          String(CHURN_PER_IP),
          "--http-max-clients-per-ip",
          String(CHURN_PER_IP),
        ],
      });
      const ports = { tcp: served.proc.tcpPort, http: served.proc.httpPort };
      await served.status();
      const fdBefore = await openFdCount(served.proc.pid);
      const writer = keepWriting(served);
      const cycles = 1000;
      let started = 0;
      const worker = async (): Promise<void> => {
        for (let index = started++; index < cycles; index = started++) await churnCycle(ports, index);
      };
      await Promise.all(Array.from({ length: CHURN_CONCURRENCY }, worker));
      await writer.stop();

      const status = await pollUntil(async () => {
        const current = await served.status();
        if (current.clients.length === 0) return current;
        throw new Error(
          `${current.clients.length} client(s) left: ${JSON.stringify(current.clients.slice(0, 3))}`,
        );
      }, "every churned client to leave /status");
      assert.equal(status.servers.tcp.active_clients, 0);
      assert.equal(status.servers.http.active_clients, 0);
      // every TCP cycle was let in, or refused and counted: on a loaded machine a runtime may see hang-ups
      // late (bun did once in CI, 3 of 500), and a new connection then finds its address's slots still
      // taken. That is no leak: slotsAllFree below checks every slot came back.
      const { total_connections: admitted, rejected } = status.servers.tcp;
      assert.ok(admitted + rejected >= cycles / 2, JSON.stringify(status.servers.tcp));
      if (rejected > 0) console.log(`[${rt.name}] ${rejected} TCP connection(s) refused during the churn`);
      let fdAfter = Number.NaN;
      await pollUntil(async () => {
        fdAfter = await openFdCount(served.proc.pid);
        if (fdAfter <= fdBefore + FD_SLACK) return true;
        throw new Error(`${fdAfter} open descriptors, ${fdBefore} before the churn`);
      }, "the server's descriptors to be back to their count before the churn");
      console.log(
        `[${rt.name}] open descriptors before ${cycles} client cycles: ${fdBefore}, after: ${fdAfter}`,
      );
      await slotsAllFree(served);
      // and the server still serves: a new client gets a new line
      const client = await connectedTcp(served);
      await served.logs.appendLines("app.log", ["after the churn"]);
      await client.nextEntry(byMessage("after the churn"));
    },
    { timeoutMs: 60_000, exclusive: true },
  ),

  defineCase(
    "reliability: a TCP client stalled past --tcp-stall-timeout is disconnected and counted, a reader keeps receiving",
    async (rt) => {
      const served = await serve(rt, {
        tcp: true,
        files: { "app.log": "" },
        args: ["--tcp-stall-timeout", "1", "--tcp-buffer-size", "10"],
      });
      const reader = await connectedTcp(served);
      const readerId = (await served.status()).clients[0]?.id;
      const stalled = await connectedTcp(served);
      const stalledId = (await served.status()).clients.find((client) => client.id !== readerId)?.id;
      stalled.socket.pause();
      const stalledClosed = new Promise<void>((resolve) => stalled.socket.once("close", () => resolve()));

      // the kernel's socket buffers take a few MB before the stalled client's queue stays full: write big
      // lines (few entries, many bytes) while its queue is not full, until the server hangs up on it
      const line = (index: number) => `stall ${index} ${"s".repeat(50_000)}`;
      let written = 0;
      const status = await pollUntil(
        async () => {
          const current = await served.status();
          if (current.servers.tcp.stalled_disconnects >= 1) return current;
          const client = current.clients.find((entry) => entry.id === stalledId);
          if (client !== undefined && client.queued < current.servers.tcp.buffer_size) {
            const lines = Array.from({ length: 20 }, () => line(++written));
            await served.logs.appendLines("app.log", lines);
          }
          return undefined;
        },
        "the stalled client to be disconnected and counted",
        10_000,
        100,
      );
      assert.equal(status.servers.tcp.stalled_disconnects, 1, JSON.stringify(status.servers.tcp));
      assert.deepEqual(
        status.clients.map((client) => client.id),
        [readerId],
        "the stalled client left /status clients, the reader did not",
      );
      // the server closed the socket: once the client reads what the kernel holds, the connection ends
      stalled.socket.resume();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        stalledClosed,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error("the server did not close the stalled connection")),
            DEFAULT_TIMEOUT_MS,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      await served.logs.appendLines("app.log", ["after the stall"]);
      await reader.nextEntry(byMessage("after the stall"), 10_000);
      console.log(
        `[${rt.name}] stalled TCP client disconnected after ${written} lines of 50 KB; the reader got ${reader.entries().length}`,
      );
    },
    { timeoutMs: 30_000, exclusive: true },
  ),
];

const CHURN_CONCURRENCY = 20;
/**
 * max_clients_per_ip during the churn: room for every client the churn holds at once, and for the server
 * seeing a hang-up a little late; afterwards, exactly this many must be let in again from the same address.
 */
const CHURN_PER_IP = 50;

/** Every per-IP slot was given back: CHURN_PER_IP clients of each server are let in, one more is not. */
async function slotsAllFree(served: Served): Promise<void> {
  const { rejected } = (await served.status()).servers.tcp;
  const tcp = await Promise.all(Array.from({ length: CHURN_PER_IP }, () => served.tcp()));
  const sse = await Promise.all(Array.from({ length: CHURN_PER_IP }, () => served.sse()));
  assert.deepEqual(
    sse.filter((client) => client.status !== 200).map((client) => client.status),
    [],
    `${CHURN_PER_IP} SSE clients let in`,
  );
  await pollUntil(async () => {
    const { active_clients } = (await served.status()).servers.tcp;
    return active_clients === CHURN_PER_IP ? true : undefined;
  }, `${CHURN_PER_IP} TCP clients to be let in`);
  assert.equal((await served.status()).servers.tcp.rejected, rejected, "no TCP client refused");
  const overSse = await served.sse();
  assert.equal(overSse.status, 503, "the limit still holds");
  const overTcp = await served.tcp();
  await overTcp.lines.waitForEnd();
  assert.deepEqual(
    overTcp.lines.items.map((line) => line.json),
    [{ error: "too many clients from this address", max_clients_per_ip: CHURN_PER_IP }],
  );
  for (const client of [...tcp, ...sse, overSse]) client.close();
  await pollUntil(
    async () => ((await served.status()).clients.length === 0 ? true : undefined),
    "them to leave",
  );
}
/** Descriptors the runtime may open or keep on its own (a pooled thread's eventfd, a /status socket). */
const FD_SLACK = 3;

/** Appends a line every few ms, so clients that wait for data get some and others hang up mid-frame. */
function keepWriting(served: Served): { stop(): Promise<void> } {
  let stopped = false;
  const run = (async () => {
    for (let line = 1; !stopped && line <= 20_000; line++) {
      await served.logs.appendLines("app.log", [`churn ${line} ${"c".repeat(200)}`]);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await run;
    },
  };
}

/**
 * One connect/disconnect cycle; even indexes TCP, odd SSE, each in one of three ways: hang up at once
 * (for SSE: mid-request, before any response), hang up mid-stream once a log line is arriving, or
 * (TCP) send garbage and hang up / (SSE) hang up right after the connected event.
 */
async function churnCycle(ports: { tcp: number; http: number }, index: number): Promise<void> {
  const way = Math.floor(index / 2) % 3;
  const isTcp = index % 2 === 0;
  const socket = await rawSocket(isTcp ? ports.tcp : ports.http);
  try {
    if (isTcp) {
      if (way === 1) await received(socket, /\n/, "a TCP line");
      else if (way === 2) socket.write("garbage\n\u0000\u00ff no token here\n");
      return;
    }
    if (way === 0) {
      socket.write(SSE_REQUEST.slice(0, 20 + (index % 30)));
      return;
    }
    const arrived = received(socket, way === 1 ? /\ndata: / : /event: connected\r?\n/, "the SSE stream");
    socket.write(SSE_REQUEST);
    await arrived;
  } finally {
    socket.destroy();
  }
}
