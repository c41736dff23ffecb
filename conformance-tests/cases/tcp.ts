// The raw TCP stream: one JSON entry per line, optional JSON heartbeats, and clients that talk back.
import assert from "node:assert/strict";
import { byMessage } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { connectedSse, connectedTcp, serve } from "../_harness/serve.ts";

const TCP_HEARTBEAT_EVERY_SECOND = { LOGWISP_TCPSERVER_HEARTBEAT_INTERVAL_SECONDS: "1" };

export const tcpCases = [
  defineCase("tcp: a line arrives as one JSON line", async (rt) => {
    const served = await serve(rt, { tcp: true });
    const client = await connectedTcp(served);
    await served.logs.appendLines("app.log", ["over tcp", "second over tcp"]);
    await client.nextEntry(byMessage("second over tcp"));
    const raw = client.lines.items.map((line) => line.raw);
    assert.equal(raw.length, 2, raw.join("\n"));
    const first = JSON.parse(raw[0] as string) as Record<string, unknown>;
    assert.deepEqual(Object.keys(first), ["time", "source", "message"]);
    assert.equal(first.message, "over tcp");
    assert.equal(raw[0], JSON.stringify(first), "compact JSON, no padding");
  }),

  defineCase("tcp: heartbeat JSON lines when enabled", async (rt) => {
    const served = await serve(rt, {
      tcp: true,
      env: {
        ...TCP_HEARTBEAT_EVERY_SECOND,
        LOGWISP_TCPSERVER_HEARTBEAT_ENABLED: "true",
        LOGWISP_TCPSERVER_HEARTBEAT_INCLUDE_STATS: "true",
      },
    });
    const client = await served.tcp();
    const line = await client.lines.next(
      (item) => (item.json as { type?: unknown } | undefined)?.type === "heartbeat",
      4000,
      "a TCP heartbeat",
    );
    const body = line.json as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ["type", "timestamp", "active_clients", "uptime_seconds"]);
    assert.equal(body.active_clients, 1);
    assert.equal(line.raw, JSON.stringify(body));
  }),

  defineCase("tcp: no heartbeat when disabled (the default)", async (rt) => {
    const served = await serve(rt, { tcp: true, env: TCP_HEARTBEAT_EVERY_SECOND });
    const client = await connectedTcp(served);
    await client.lines.expectNone(() => true, 1600, "line at all (heartbeats are off, nothing was written)");
  }),

  defineCase("tcp: a client that sends data is not harmed", async (rt) => {
    const served = await serve(rt, { tcp: true });
    const chatty = await connectedTcp(served);
    const quiet = await connectedTcp(served);
    await chatty.send(`${"GET / HTTP/1.1\r\nhello logwisp\n".repeat(2000)}\0\xff`);
    await served.logs.appendLines("app.log", ["after chatter"]);
    await chatty.nextEntry(byMessage("after chatter"));
    await quiet.nextEntry(byMessage("after chatter"));
    assert.equal(chatty.lines.ended, false);
    const sse = await connectedSse(served);
    await served.logs.appendLines("app.log", ["still serving"]);
    await sse.nextEntry(byMessage("still serving"));
    await chatty.nextEntry(byMessage("still serving"));
  }),
];
