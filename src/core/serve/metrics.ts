// GET /metrics: what /status counts, as Prometheus counters and gauges named `logwisp_…`. Counters count
// from the start of the process and never go back while it runs: a server's counts include the clients
// that already left (the hub's TransportCounters), a file's include the rotated files it drained. Labels
// are bounded: `server` (tcp, sse) and a followed file's `source` and `path` — never a client's id or
// address, which would make a series per connection. With `[nats]`, the logwisp_nats_* series join
// (nats-status.ts).

import type { SourceFileStatus } from "../fanout/entry-source.ts";
import type { Hub } from "../fanout/hub.ts";
import type { NatsServeStatus } from "../fanout/nats-source.ts";
import type { StateStatus } from "../fanout/state-keeper.ts";
import type { Runtime } from "../runtime.ts";
import { type NatsStatusInput, natsMetricFamilies } from "./nats-status.ts";
import { encodePrometheusText, type MetricFamily, type MetricType } from "./prometheus-text.ts";
import type { StreamServer } from "./stream-server.ts";

export interface MetricsInput {
  readonly runtime: Pick<Runtime, "name" | "version">;
  readonly version: string;
  readonly startedAtMs: number;
  readonly hub: Hub;
  /** The followed files, as /status lists them. */
  readonly files: readonly SourceFileStatus[];
  /** The servers that are on (a server that is off has no series). */
  readonly servers: readonly StreamServer[];
  /** The state directory's saves; no series while state is off. */
  readonly state?: StateStatus | undefined;
  /** With [nats]: the connection, stream and publish counts. */
  readonly nats?: NatsStatusInput | undefined;
  /** With `[nats] serve`: the consumer feeding the hub (no series without it). */
  readonly natsServe?: NatsServeStatus | undefined;
}

/** The metrics document, in the text format (see prometheus-text.ts). */
export function encodeMetrics(input: MetricsInput): string {
  return encodePrometheusText(buildMetrics(input));
}

export function buildMetrics(input: MetricsInput): MetricFamily[] {
  return [
    ...processFamilies(input),
    ...stateFamilies(input.state),
    ...serverFamilies(input),
    ...fileFamilies(input.files),
    ...(input.nats === undefined ? [] : natsMetricFamilies(input.nats)),
    ...natsServeFamilies(input.natsServe),
  ];
}

function natsServeFamilies(serve: NatsServeStatus | undefined): MetricFamily[] {
  if (!serve) return [];
  return [
    one(
      "logwisp_nats_consumed_messages_total",
      "counter",
      "Stream messages the NATS consumer handed to the hub (each a batch of entries).",
      serve.consumed_messages,
    ),
    one(
      "logwisp_nats_consumed_entries_total",
      "counter",
      "Entries the NATS consumer handed to the hub.",
      serve.consumed_entries,
    ),
    one(
      "logwisp_nats_consumer_lag_messages",
      "gauge",
      "Messages the stream holds after the last one the consumer handed on.",
      serve.lag,
    ),
  ];
}

function stateFamilies(state: StateStatus | undefined): MetricFamily[] {
  if (state === undefined || !state.enabled) return [];
  return [
    one(
      "logwisp_state_writes_total",
      "counter",
      "Saves of the checkpoints and the replay ring to the state directory.",
      state.writes,
    ),
    one(
      "logwisp_state_write_failures_total",
      "counter",
      "Saves to the state directory that failed (a full or read-only disk); streaming went on.",
      state.write_failures,
    ),
  ];
}

function processFamilies({ runtime, version, startedAtMs, hub }: MetricsInput): MetricFamily[] {
  const replay = hub.replayStatus();
  return [
    one("logwisp_build_info", "gauge", "Always 1; the labels say which logwisp runs on which runtime.", 1, {
      version,
      runtime: runtime.name,
      runtime_version: runtime.version,
    }),
    one(
      "logwisp_start_time_seconds",
      "gauge",
      "When logwisp started, in seconds since the Unix epoch.",
      startedAtMs / 1000,
    ),
    one(
      "logwisp_entries_published_total",
      "counter",
      "Entries published to the hub (each line that passed its target's include/exclude).",
      hub.published,
    ),
    one("logwisp_replay_entries", "gauge", "Entries the replay ring holds now.", replay.entries),
    one("logwisp_replay_bytes", "gauge", "Bytes of JSON text the replay ring holds now.", replay.bytes),
    one(
      "logwisp_replay_max_entries",
      "gauge",
      "The replay ring's capacity in entries (replay_size; 0: off).",
      replay.replay_size,
    ),
    one(
      "logwisp_replay_max_bytes",
      "gauge",
      "The replay ring's bound in bytes (replay_max_bytes).",
      replay.replay_max_bytes,
    ),
  ];
}

function serverFamilies({ hub, servers }: MetricsInput): MetricFamily[] {
  const family = (
    name: string,
    type: MetricType,
    help: string,
    value: (server: StreamServer) => number,
  ): MetricFamily => ({
    name,
    type,
    help,
    samples: servers.map((server) => ({ labels: { server: server.transport }, value: value(server) })),
  });
  const counters = (server: StreamServer) => hub.counters[server.transport];
  return [
    family("logwisp_clients", "gauge", "Clients connected now.", (s) => hub.activeClients(s.transport)),
    family("logwisp_connections_total", "counter", "Clients let in.", (s) => counters(s).connections),
    family(
      "logwisp_connections_rejected_total",
      "counter",
      "Clients refused by max_clients or max_clients_per_ip.",
      (s) => s.limits.rejected,
    ),
    family(
      "logwisp_entries_delivered_total",
      "counter",
      "Entries written to clients (one per entry per client).",
      (s) => counters(s).delivered,
    ),
    family(
      "logwisp_entries_dropped_total",
      "counter",
      "Entries dropped for a client because its queue (buffer_size) was full.",
      (s) => counters(s).dropped,
    ),
    family(
      "logwisp_stalled_disconnects_total",
      "counter",
      "Clients closed for staying stalled past stall_timeout_seconds.",
      (s) => s.stalledDisconnects,
    ),
    family(
      "logwisp_heartbeats_sent_total",
      "counter",
      "Heartbeat frames queued to clients (one per client per interval).",
      (s) => s.heartbeatsSent,
    ),
  ];
}

function fileFamilies(files: readonly SourceFileStatus[]): MetricFamily[] {
  const family = (
    name: string,
    type: MetricType,
    help: string,
    value: (file: SourceFileStatus) => number,
  ): MetricFamily => ({
    name,
    type,
    help,
    samples: files.map((file) => ({ labels: { source: file.source, path: file.path }, value: value(file) })),
  });
  return [
    family("logwisp_file_lines_read_total", "counter", "Lines read from the file.", (f) => f.lines_read),
    family(
      "logwisp_file_read_bytes_total",
      "counter",
      "Bytes read from the file, across rotations and truncations.",
      (f) => f.bytes_read,
    ),
    family(
      "logwisp_file_lines_excluded_total",
      "counter",
      "Lines its target's include/exclude kept out of the stream.",
      (f) => f.excluded,
    ),
    family(
      "logwisp_file_rotations_total",
      "counter",
      "Times the file was rotated away or deleted.",
      (f) => f.rotations,
    ),
    family(
      "logwisp_file_truncations_total",
      "counter",
      "Times the file was truncated (read again from its start).",
      (f) => f.truncations,
    ),
    family(
      "logwisp_file_unread_bytes",
      "gauge",
      "Bytes the file had at its last check beyond what was read: how far behind logwisp is.",
      (f) => f.unread_bytes,
    ),
  ];
}

function one(
  name: string,
  type: MetricType,
  help: string,
  value: number,
  labels?: Record<string, string>,
): MetricFamily {
  return { name, type, help, samples: [labels ? { labels, value } : { value }] };
}
