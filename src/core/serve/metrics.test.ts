import assert from "node:assert/strict";
import { test } from "node:test";
import type { SourceFileStatus } from "../fanout/entry-source.ts";
import { Hub, type Transport } from "../fanout/hub.ts";
import { TokenCheck } from "./auth.ts";
import { createHttpApp } from "./http-app.ts";
import { encodeMetrics, type MetricsInput } from "./metrics.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./prometheus-text.ts";
import { StreamServer } from "./stream-server.ts";

function makeServer(hub: Hub, transport: Transport): StreamServer {
  return new StreamServer(hub, {
    transport,
    bufferSize: 2,
    heartbeatIntervalSeconds: undefined,
    encodeHeartbeat: () => new Uint8Array(),
    startedAtMs: 0,
  });
}

function file(path: string, counts: Partial<SourceFileStatus> = {}): SourceFileStatus {
  return {
    path,
    source: path.slice(path.lastIndexOf("/") + 1),
    identity: null,
    offset: 0,
    pending_bytes: 0,
    rotations: 0,
    truncations: 0,
    lines_read: 0,
    bytes_read: 0,
    unread_bytes: 0,
    duplicates_risked: 0,
    draining: 0,
    error: null,
    excluded: 0,
    ...counts,
  };
}

function input(hub: Hub, servers: StreamServer[], files: SourceFileStatus[] = []): MetricsInput {
  return {
    runtime: { name: "node", version: "20.19.0" },
    version: "0.1.0",
    startedAtMs: 1_700_000_000_500,
    hub,
    files,
    servers,
  };
}

interface Family {
  help: string;
  type: string;
  samples: Map<string, number>;
}

/**
 * Reads a document back, failing on what the format forbids: a HELP or TYPE given twice or out of place, a
 * sample outside its family, a series given twice, a value that is not a finite number.
 */
function parse(text: string): Map<string, Family> {
  assert.ok(text.endsWith("\n"), "the last line ends with a line feed");
  const families = new Map<string, Family>();
  let current: string | undefined;
  let pendingHelp: { name: string; help: string } | undefined;
  for (const line of text.slice(0, -1).split("\n")) {
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    const type = /^# TYPE (\S+) (counter|gauge)$/.exec(line);
    if (help) {
      assert.ok(!families.has(help[1] as string), `HELP once per family: ${line}`);
      pendingHelp = { name: help[1] as string, help: help[2] as string };
    } else if (type) {
      const name = type[1] as string;
      assert.equal(pendingHelp?.name, name, `TYPE right after its HELP: ${line}`);
      families.set(name, { help: pendingHelp?.help ?? "", type: type[2] as string, samples: new Map() });
      current = name;
      pendingHelp = undefined;
    } else {
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
      assert.ok(sample, `a sample line: ${JSON.stringify(line)}`);
      const [, name, labels = "", value] = sample;
      assert.equal(name, current, `a sample in its family: ${line}`);
      const family = families.get(name as string) as Family;
      assert.ok(!family.samples.has(labels), `one series per label set: ${line}`);
      const number = Number(value);
      assert.ok(Number.isFinite(number), `a finite value: ${line}`);
      family.samples.set(labels, number);
    }
  }
  return families;
}

test("a full document: one HELP and TYPE per family, counters end in _total, finite values, no series twice", () => {
  const hub = new Hub({ replaySize: 10 });
  const files = [file("/var/log/app.log"), file("/srv/other/app.log"), file('/tmp/we"ird\\na\nme.log')];
  const families = parse(encodeMetrics(input(hub, [makeServer(hub, "tcp"), makeServer(hub, "sse")], files)));
  for (const [name, family] of families) {
    assert.match(name, /^logwisp_/);
    assert.equal(family.type === "counter", name.endsWith("_total"), `${name} is a ${family.type}`);
    assert.ok(family.help.length > 0, `${name} has help`);
  }
  // two files named app.log in two directories: their path keeps their series apart
  assert.deepEqual(
    [...(families.get("logwisp_file_lines_read_total")?.samples.keys() ?? [])],
    [
      '{source="app.log",path="/var/log/app.log"}',
      '{source="app.log",path="/srv/other/app.log"}',
      '{source="we\\"ird\\\\na\\nme.log",path="/tmp/we\\"ird\\\\na\\nme.log"}',
    ],
  );
  assert.deepEqual(
    families.get("logwisp_build_info")?.samples,
    new Map([['{version="0.1.0",runtime="node",runtime_version="20.19.0"}', 1]]),
  );
  assert.deepEqual(families.get("logwisp_start_time_seconds")?.samples, new Map([["", 1_700_000_000.5]]));
});

test("the values are the hub's, the servers' and the files' counts; a server's counters keep clients that left", async () => {
  const hub = new Hub({ replaySize: 10 });
  const tcp = makeServer(hub, "tcp");
  const sse = makeServer(hub, "sse");
  const staying = sse.open("127.0.0.1");
  const leaving = sse.open("127.0.0.1");
  hub.publishBatch(['{"message":"a"}', '{"message":"b"}', '{"message":"c"}']);
  for (const subscriber of [staying, leaving]) {
    const batch = await subscriber.next();
    subscriber.markDelivered(batch?.entries ?? 0);
  }
  leaving.close();
  sse.stalledDisconnects = 4;
  sse.heartbeatsSent = 7;
  const files = [
    file("/var/log/app.log", {
      lines_read: 3,
      bytes_read: 42,
      excluded: 1,
      rotations: 2,
      truncations: 5,
      unread_bytes: 9,
    }),
  ];
  const families = parse(encodeMetrics(input(hub, [tcp, sse], files)));
  const value = (name: string, labels = "") => families.get(name)?.samples.get(labels);
  assert.equal(value("logwisp_entries_published_total"), 3);
  assert.equal(value("logwisp_replay_entries"), 3);
  assert.equal(value("logwisp_replay_max_entries"), 10);
  assert.ok((value("logwisp_replay_bytes") ?? 0) > 0);
  assert.equal(value("logwisp_clients", '{server="sse"}'), 1);
  assert.equal(value("logwisp_clients", '{server="tcp"}'), 0);
  assert.equal(value("logwisp_connections_total", '{server="sse"}'), 2, "the client that left still counts");
  // buffer_size 2: each client took two of the three entries and lost one
  assert.equal(value("logwisp_entries_delivered_total", '{server="sse"}'), 4);
  assert.equal(value("logwisp_entries_dropped_total", '{server="sse"}'), 2);
  assert.equal(value("logwisp_stalled_disconnects_total", '{server="sse"}'), 4);
  assert.equal(value("logwisp_heartbeats_sent_total", '{server="sse"}'), 7);
  assert.equal(value("logwisp_connections_rejected_total", '{server="tcp"}'), 0);
  const labels = '{source="app.log",path="/var/log/app.log"}';
  assert.equal(value("logwisp_file_lines_read_total", labels), 3);
  assert.equal(value("logwisp_file_read_bytes_total", labels), 42);
  assert.equal(value("logwisp_file_lines_excluded_total", labels), 1);
  assert.equal(value("logwisp_file_rotations_total", labels), 2);
  assert.equal(value("logwisp_file_truncations_total", labels), 5);
  assert.equal(value("logwisp_file_unread_bytes", labels), 9);
  staying.close();
});

test("a server that is off has no series, and no file followed means no file families", () => {
  const hub = new Hub();
  const families = parse(encodeMetrics(input(hub, [makeServer(hub, "sse")])));
  assert.deepEqual([...(families.get("logwisp_clients")?.samples.keys() ?? [])], ['{server="sse"}']);
  assert.equal([...families.keys()].filter((name) => name.startsWith("logwisp_file_")).length, 0);
  assert.equal(families.get("logwisp_replay_max_entries")?.samples.get(""), 0, "replay off");
});

function makeApp(options: { token?: string; metrics?: () => string } = {}) {
  const hub = new Hub();
  const sse = makeServer(hub, "sse");
  const app = createHttpApp({
    sse,
    status: () => ({ ok: true }),
    metrics: "metrics" in options ? options.metrics : () => encodeMetrics(input(hub, [sse])),
    auth: options.token === undefined ? undefined : new TokenCheck(options.token),
  });
  return (path: string, init: RequestInit = {}) =>
    Promise.resolve(app(new Request(`http://127.0.0.1${path}`, init), { remoteAddress: "127.0.0.1" }));
}

test("GET /metrics answers the text format with its content type", async () => {
  const response = await makeApp()("/metrics");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
  assert.ok(parse(await response.text()).has("logwisp_entries_published_total"));
});

test("with auth GET /metrics needs the Bearer token, like /status (no ?token=)", async () => {
  const fetch = makeApp({ token: "s3cret" });
  for (const init of [{}, { headers: { authorization: "Bearer wrong" } }]) {
    const response = await fetch("/metrics", init);
    assert.equal(response.status, 401);
    assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/);
  }
  assert.equal((await fetch("/metrics?token=s3cret")).status, 401);
  const response = await fetch("/metrics", { headers: { authorization: "Bearer s3cret" } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
});

test("without auth the host guard covers /metrics too", async () => {
  const response = await makeApp()("/metrics", { headers: { host: "rebound.example" } });
  assert.equal(response.status, 403);
});

test("other methods on /metrics are 405; the 404 lists /metrics; without a metrics source it is 404", async () => {
  const fetch = makeApp();
  const post = await fetch("/metrics", { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET");
  const missing = (await (await fetch("/nowhere")).json()) as { endpoints: string[] };
  assert.deepEqual(missing.endpoints, ["/", "/stream", "/status", "/metrics"]);
  assert.equal((await makeApp({ metrics: undefined })("/metrics")).status, 404);
});

test("with state on, its saves and failed saves are counters; with state off there is no series", () => {
  const hub = new Hub();
  const state = {
    enabled: true,
    dir: "/state/logwisp",
    instance: "targets-00000000",
    error: "cannot save",
    last_saved_at: null,
    writes: 3,
    write_failures: 2,
    last_save_pause_ms: 0.5,
    ring_saved_entries: 0,
    ring_loaded_entries: 0,
    resumed_from: "none" as const,
  };
  const on = parse(encodeMetrics({ ...input(hub, []), state }));
  assert.equal(on.get("logwisp_state_writes_total")?.samples.get(""), 3);
  assert.equal(on.get("logwisp_state_write_failures_total")?.samples.get(""), 2);
  assert.equal(on.get("logwisp_state_write_failures_total")?.type, "counter");
  const off = parse(encodeMetrics({ ...input(hub, []), state: { ...state, enabled: false } }));
  assert.equal(off.has("logwisp_state_writes_total"), false);
});

test("served from NATS: the consumer's messages, entries and lag as series; none without it", () => {
  const hub = new Hub();
  const natsServe = {
    state: "connected" as const,
    server: "127.0.0.1:4222",
    stream: "LOGWISP",
    stream_id: "LOGWISP.abc",
    consumer_seq: 40,
    lag: 2,
    consumed_messages: 40,
    consumed_entries: 2000,
  };
  const families = parse(encodeMetrics({ ...input(hub, []), natsServe }));
  assert.equal(families.get("logwisp_nats_consumed_messages_total")?.samples.get(""), 40);
  assert.equal(families.get("logwisp_nats_consumed_entries_total")?.samples.get(""), 2000);
  assert.equal(families.get("logwisp_nats_consumer_lag_messages")?.samples.get(""), 2);
  const off = parse(encodeMetrics(input(hub, [])));
  assert.ok(![...off.keys()].some((name) => name.startsWith("logwisp_nats_")));
});
