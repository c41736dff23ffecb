// Golden bytes: a fixed input through parseLine → Hub → framing, and every named event and heartbeat, as
// an SSE and a TCP client receive them. Recorded before the core was split into layers and unchanged by
// it; a change here is a change on the wire, which every client (nc, curl, the live view) sees.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type LogEntry, parseLine, serializeEntry } from "../entry/entry.ts";
import { Hub } from "../fanout/hub.ts";
import { compileFilter } from "../fanout/stream-filter.ts";
import { encodeGapEvent } from "../fanout/subscriber.ts";
import { encodeNamedEvent } from "./framing.ts";
import { encodeSseHeartbeat, encodeTcpHeartbeat } from "./heartbeat.ts";

const decoder = new TextDecoder();
const READ_AT_MICROS = Date.UTC(2024, 0, 1, 12, 0, 0) * 1000 + 654_321;

const LINES = [
  '{"time":"2024-01-01T12:00:00.123456Z","level":"error","msg":"db down","user":"ann","n":3}',
  "WARN disk at 91% on /dev/sda1",
  'level=info msg="plain line with \\"quotes\\" and ünïcode"',
  '{"ts":1704110400,"severity":"debug","message":"nested","http":{"method":"GET","status":503}}',
  "line with a tab\tand a \\ backslash",
];

test("golden: the bytes of an SSE and a TCP session, filtered and not, for a fixed input", async () => {
  const hub = new Hub({ runId: "run1", replaySize: 100 });
  const sse = hub.subscribe({ transport: "sse", remoteAddress: "127.0.0.1", bufferSize: 100 });
  const tcp = hub.subscribe({ transport: "tcp", remoteAddress: "127.0.0.1", bufferSize: 100 });
  const filter = compileFilter({ level: "warn" }, (part) => part);
  const warnSse = hub.subscribe({ transport: "sse", remoteAddress: "127.0.0.1", bufferSize: 100, filter });
  const entries: LogEntry[] = LINES.map((line) => parseLine(line, "app.log", READ_AT_MICROS));
  hub.publishBatch(
    entries.map((entry) => serializeEntry(entry)),
    entries,
  );
  const json = [
    '{"time":"2024-01-01T12:00:00.123456Z","source":"app.log","level":"error","message":"db down","fields":{"user":"ann","n":3}}',
    '{"time":"2024-01-01T12:00:00.654321Z","source":"app.log","level":"warn","message":"WARN disk at 91% on /dev/sda1"}',
    // since issue 16 a logfmt line is parsed: its msg, unescaped, is the message (it was the whole line)
    '{"time":"2024-01-01T12:00:00.654321Z","source":"app.log","level":"info","message":"plain line with \\"quotes\\" and ünïcode"}',
    '{"time":"2024-01-01T12:00:00.000000Z","source":"app.log","level":"debug","message":"nested","fields":{"http":{"method":"GET","status":503}}}',
    '{"time":"2024-01-01T12:00:00.654321Z","source":"app.log","message":"line with a tab\\tand a \\\\ backslash"}',
  ];
  assert.equal(decoder.decode((await tcp.next())?.bytes), json.map((line) => `${line}\n`).join(""));
  assert.equal(
    decoder.decode((await sse.next())?.bytes),
    json.map((line, i) => `id: run1-${i + 1}\ndata: ${line}\n\n`).join(""),
  );
  assert.equal(
    decoder.decode((await warnSse.next())?.bytes),
    `id: run1-1\ndata: ${json[0]}\n\nid: run1-2\ndata: ${json[1]}\n\n`,
  );
});

test("golden: with a host name ([monitor] hostname, or NATS on) every entry says it, after its time", async () => {
  const hub = new Hub({ runId: "run1", replaySize: 100 });
  const tcp = hub.subscribe({ transport: "tcp", remoteAddress: "127.0.0.1", bufferSize: 100 });
  const entries: LogEntry[] = LINES.slice(0, 2).map((line) => ({
    ...parseLine(line, "app.log", READ_AT_MICROS),
    host: "web-1",
  }));
  hub.publishBatch(
    entries.map((entry) => serializeEntry(entry)),
    entries,
  );
  assert.equal(
    decoder.decode((await tcp.next())?.bytes),
    '{"time":"2024-01-01T12:00:00.123456Z","host":"web-1","source":"app.log","level":"error","message":"db down","fields":{"user":"ann","n":3}}\n' +
      '{"time":"2024-01-01T12:00:00.654321Z","host":"web-1","source":"app.log","level":"warn","message":"WARN disk at 91% on /dev/sda1"}\n',
  );
});

test("golden: the named SSE events and the heartbeats", () => {
  const text = (bytes: Uint8Array) => decoder.decode(bytes);
  assert.equal(
    text(encodeNamedEvent("connected", { client_id: "sse-1" })),
    'event: connected\ndata: {"client_id":"sse-1"}\n\n',
  );
  assert.equal(
    text(encodeGapEvent(1200, "evicted")),
    'event: gap\ndata: {"missed":1200,"reason":"evicted"}\n\n',
  );
  assert.equal(
    text(encodeGapEvent(null, "restart")),
    'event: gap\ndata: {"missed":null,"reason":"restart"}\n\n',
  );
  assert.equal(
    text(encodeNamedEvent("rotation", { path: "/var/log/app.log", kind: "rotated" })),
    'event: rotation\ndata: {"path":"/var/log/app.log","kind":"rotated"}\n\n',
  );
  assert.equal(
    text(encodeNamedEvent("disconnect", { reason: "server_shutdown" })),
    'event: disconnect\ndata: {"reason":"server_shutdown"}\n\n',
  );
  const stats = { activeClients: 5, uptimeSeconds: 3600.7 };
  const now = Date.UTC(2024, 0, 1, 12, 0, 0, 500);
  const all = { include_timestamp: true, include_stats: true } as const;
  assert.equal(
    text(encodeSseHeartbeat({ ...all, format: "comment" }, stats, now)),
    ": heartbeat 2024-01-01T12:00:00Z clients=5 uptime=3600s\n\n",
  );
  assert.equal(
    text(encodeSseHeartbeat({ ...all, format: "json" }, stats, now)),
    'data: {"type":"heartbeat","timestamp":"2024-01-01T12:00:00Z","active_clients":5,"uptime_seconds":3600}\n\n',
  );
  assert.equal(
    text(encodeTcpHeartbeat({ include_timestamp: false, include_stats: true, format: "json" }, stats, now)),
    '{"type":"heartbeat","active_clients":5,"uptime_seconds":3600}\n',
  );
});
