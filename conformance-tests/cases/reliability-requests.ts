// Bad requests (issue 5): wrong paths and methods get clear answers, and malformed requests, early
// hang-ups and clients that talk back disturb no one who is streaming.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { onCleanup } from "../_harness/cleanup.ts";
import { byMessage, type EntryStream, httpRequest } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { connectedSse, connectedTcp, type Served, serve } from "../_harness/serve.ts";
import { DEFAULT_TIMEOUT_MS } from "../_harness/wait.ts";

/**
 * Sends raw bytes on a new connection and resolves with what came back once the server closed it or
 * answered with a status line; with `hangUp`, the client closes right after sending instead.
 */
function sendRaw(port: number, bytes: string | Buffer, hangUp = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    onCleanup(() => {
      socket.destroy();
    });
    let text = "";
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close within ${DEFAULT_TIMEOUT_MS} ms; got: ${text.slice(0, 200)}`));
    }, DEFAULT_TIMEOUT_MS);
    socket.on("error", () => undefined);
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      if (/^HTTP\/1\.[01] \d{3}/.test(text) && text.includes("\r\n\r\n")) finish();
    });
    socket.once("close", finish);
    socket.once("connect", () => {
      socket.write(bytes);
      if (hangUp) finish();
    });
  });
}

/** Appends a line and waits until every stream has it: proof that none was disturbed. */
async function stillStreaming(served: Served, streams: readonly EntryStream[], line: string): Promise<void> {
  await served.logs.appendLines("app.log", [line]);
  for (const stream of streams) await stream.nextEntry(byMessage(line));
}

const MALFORMED: ReadonlyArray<readonly [string, string | Buffer]> = [
  ["no request line", "GARBAGE\r\n\r\n"],
  ["a header without a colon", "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n"],
  ["a NUL in a header", "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Evil: a\u0000b\r\n\r\n"],
  ["a 64 KiB header", `GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: ${"h".repeat(65_536)}\r\n\r\n`],
  ["an unknown protocol", "GET /stream SPDY/9\r\n\r\n"],
  ["binary noise", Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 197 + 13) % 256))],
];

const HANG_UPS: ReadonlyArray<readonly [string, string]> = [
  ["half a request line", "GET /str"],
  ["headers cut off", "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/ev"],
  ["a whole stream request", "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"],
  ["a body cut off", "POST /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\npartial"],
];

export const reliabilityRequestCases = [
  defineCase("reliability: unknown paths answer 404 JSON, wrong methods 405 with Allow", async (rt) => {
    const served = await serve(rt);
    for (const path of ["/nope", "/stream/extra", "/status.json", "/app.js/x", "/%ff%fe"]) {
      const answer = await httpRequest("GET", `${served.proc.httpUrl}${path}`);
      assert.equal(answer.status, 404, `GET ${path}: ${answer.body}`);
      assert.equal((JSON.parse(answer.body) as { error?: unknown }).error, "not found", answer.body);
    }
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      for (const path of ["/stream", "/status"]) {
        const answer = await httpRequest(method, `${served.proc.httpUrl}${path}`);
        assert.equal(answer.status, 405, `${method} ${path}: ${answer.body}`);
        assert.equal(answer.headers.allow, "GET", `${method} ${path}`);
        assert.match((JSON.parse(answer.body) as { error: string }).error, /not allowed/);
      }
    }
  }),

  defineCase(
    "reliability: malformed requests and early hang-ups do not disturb a streaming SSE client",
    async (rt) => {
      const served = await serve(rt, { tcp: true, files: { "app.log": "" } });
      const sse = await connectedSse(served);
      const tcp = await connectedTcp(served);
      await stillStreaming(served, [sse, tcp], "before the bad requests");
      for (const [what, bytes] of MALFORMED) {
        const answer = await sendRaw(served.proc.httpPort, bytes);
        assert.ok(
          answer === "" || /^HTTP\/1\.[01] (4\d\d|505)/.test(answer),
          `${what}: a 4xx (505 for the protocol) or a close, not ${JSON.stringify(answer.slice(0, 200))}`,
        );
        await stillStreaming(served, [sse, tcp], `after ${what}`);
      }
      for (const [what, bytes] of HANG_UPS) {
        await sendRaw(served.proc.httpPort, bytes, true);
        await stillStreaming(served, [sse, tcp], `after a hang-up with ${what}`);
      }
      const status = await served.status();
      assert.equal(status.servers.http.active_clients, 1, JSON.stringify(status.clients));
      assert.equal(status.totals.dropped, 0);
      assert.ok(!sse.events.ended, "the SSE stream is still open");
    },
  ),

  defineCase("reliability: a TCP client that sends garbage keeps receiving and harms no one", async (rt) => {
    const served = await serve(rt, { tcp: true, files: { "app.log": "" } });
    const quiet = await connectedTcp(served);
    const noisy = await connectedTcp(served);
    const sse = await connectedSse(served);
    const streams = [quiet, noisy, sse];
    await stillStreaming(served, streams, "before the garbage");
    await noisy.send("GET / HTTP/1.1\r\n\r\n");
    await noisy.send(Buffer.from([0, 255, 254, 0xc3, 0x28, 10, 13, 0]));
    await stillStreaming(served, streams, "after a few bytes of garbage");
    // a megabyte without a newline: read and thrown away, never buffered as one line
    await noisy.send("z".repeat(1024 * 1024));
    await noisy.send(`${JSON.stringify({ type: "subscribe", token: "nope" })}\n`);
    await stillStreaming(served, streams, "after a megabyte of garbage");
    const status = await served.status();
    assert.equal(status.servers.tcp.active_clients, 2, JSON.stringify(status.clients));
    assert.equal(status.totals.dropped, 0);
    for (const stream of streams) {
      assert.deepEqual(
        stream.entries().map((entry) => entry.message),
        ["before the garbage", "after a few bytes of garbage", "after a megabyte of garbage"],
        stream.label,
      );
    }
  }),
];
