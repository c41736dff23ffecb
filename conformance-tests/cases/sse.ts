// GET /stream: SSE framing, the connected event, entries as data, heartbeats, and the shutdown event.
import assert from "node:assert/strict";
import { byMessage, type SseEvent, sseEntry } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import type { RuntimeUnderTest } from "../_harness/runtimes.ts";
import { connectedSse, serve } from "../_harness/serve.ts";

const HEARTBEAT_TIME = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z";

function heartbeatEnv(settings: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { LOGWISP_HTTPSERVER_HEARTBEAT_INTERVAL_SECONDS: "1" };
  for (const [key, value] of Object.entries(settings)) {
    env[`LOGWISP_HTTPSERVER_HEARTBEAT_${key.toUpperCase()}`] = value;
  }
  return env;
}

/** Serves with 1 s heartbeats configured through the environment and returns the first heartbeat. */
async function firstHeartbeat(
  rt: RuntimeUnderTest,
  settings: Record<string, string>,
  isHeartbeat: (event: SseEvent) => boolean,
): Promise<SseEvent> {
  const served = await serve(rt, { env: heartbeatEnv(settings) });
  const client = await connectedSse(served);
  return client.events.next(isHeartbeat, 4000, "a heartbeat (interval 1 s)");
}

const isCommentHeartbeat = (event: SseEvent): boolean => event.comment?.startsWith("heartbeat") ?? false;
const isJsonHeartbeat = (event: SseEvent): boolean =>
  event.data !== undefined && event.event === undefined && event.data.includes('"type":"heartbeat"');

export const sseCases = [
  defineCase("sse: the connected event comes first, with a client_id", async (rt) => {
    const served = await serve(rt);
    const client = await served.sse();
    assert.equal(client.status, 200);
    assert.match(String(client.headers["content-type"]), /^text\/event-stream/);
    const first = await client.events.next(
      (event) => event.comment === undefined,
      undefined,
      "the first event",
    );
    assert.equal(first.event, "connected", client.events.dump());
    const data = JSON.parse(first.data ?? "null") as { client_id?: unknown };
    assert.equal(typeof data.client_id, "string");
    assert.notEqual(data.client_id, "");
  }),

  defineCase(
    "sse: an appended line arrives as a data entry within 1.5 s",
    async (rt) => {
      const served = await serve(rt);
      const client = await connectedSse(served);
      const started = Date.now();
      await served.logs.appendLines("app.log", ["hello over sse"]);
      const entry = await client.nextEntry(byMessage("hello over sse"));
      const latencyMs = Date.now() - started;
      assert.ok(latencyMs < 1500, `took ${latencyMs} ms`);
      const event = client.events.items.find((item) => sseEntry(item)?.message === "hello over sse");
      assert.equal(event?.event, undefined, "an entry is a plain data message, not a named event");
      assert.equal(entry.source, "app.log");
    },
    { exclusive: true },
  ),

  defineCase("sse: two clients both get every line", async (rt) => {
    const served = await serve(rt);
    const first = await connectedSse(served);
    const second = await connectedSse(served);
    const firstId = JSON.parse(first.events.items.find((event) => event.event === "connected")?.data ?? "{}");
    const secondId = JSON.parse(
      second.events.items.find((event) => event.event === "connected")?.data ?? "{}",
    );
    assert.notEqual(firstId.client_id, secondId.client_id, "each client has its own id");
    await served.logs.appendLines("app.log", ["fan 1", "fan 2"]);
    for (const client of [first, second]) {
      await client.nextEntry(byMessage("fan 2"));
      assert.deepEqual(
        client.entries().map((entry) => entry.message),
        ["fan 1", "fan 2"],
      );
    }
  }),

  defineCase("sse: heartbeat comment with timestamp (the default)", async (rt) => {
    const heartbeat = await firstHeartbeat(rt, {}, isCommentHeartbeat);
    assert.match(heartbeat.comment ?? "", new RegExp(`^heartbeat ${HEARTBEAT_TIME}$`));
  }),

  defineCase("sse: heartbeat comment with stats", async (rt) => {
    const heartbeat = await firstHeartbeat(rt, { include_stats: "true" }, isCommentHeartbeat);
    assert.match(heartbeat.comment ?? "", new RegExp(`^heartbeat ${HEARTBEAT_TIME} clients=1 uptime=\\d+s$`));
  }),

  defineCase("sse: heartbeat comment with stats and no timestamp", async (rt) => {
    const heartbeat = await firstHeartbeat(
      rt,
      { include_stats: "true", include_timestamp: "false" },
      isCommentHeartbeat,
    );
    assert.match(heartbeat.comment ?? "", /^heartbeat clients=1 uptime=\d+s$/);
  }),

  defineCase("sse: heartbeat in json format, stats on", async (rt) => {
    const heartbeat = await firstHeartbeat(rt, { format: "json", include_stats: "true" }, isJsonHeartbeat);
    const body = JSON.parse(heartbeat.data ?? "{}") as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ["type", "timestamp", "active_clients", "uptime_seconds"]);
    assert.match(String(body.timestamp), new RegExp(`^${HEARTBEAT_TIME}$`));
    assert.equal(body.active_clients, 1);
    assert.equal(typeof body.uptime_seconds, "number");
  }),

  defineCase("sse: heartbeat in json format, stats off", async (rt) => {
    const heartbeat = await firstHeartbeat(rt, { format: "json" }, isJsonHeartbeat);
    const body = JSON.parse(heartbeat.data ?? "{}") as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ["type", "timestamp"]);
  }),

  defineCase("sse: heartbeat disabled sends none", async (rt) => {
    const served = await serve(rt, { env: heartbeatEnv({ enabled: "false" }) });
    const client = await connectedSse(served);
    await client.events.expectNone(
      (event) => isCommentHeartbeat(event) || isJsonHeartbeat(event),
      1600,
      "heartbeat while disabled",
    );
  }),

  defineCase("sse: SIGTERM sends the disconnect event, closes, and exits 0", async (rt) => {
    const served = await serve(rt);
    const client = await connectedSse(served);
    served.proc.signal("SIGTERM");
    const event = await client.events.next(
      (item) => item.event === "disconnect",
      undefined,
      "the disconnect event",
    );
    assert.deepEqual(JSON.parse(event.data ?? "null"), { reason: "server_shutdown" });
    await client.events.waitForEnd();
    const exit = await served.proc.exit;
    assert.deepEqual(exit, { code: 0, signal: null }, served.proc.stderr());
  }),
];
