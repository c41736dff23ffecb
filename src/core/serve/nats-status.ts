// The `nats` part of GET /status and the logwisp_nats_* series of GET /metrics: the connection, the stream,
// and the publishing side (how far each file is behind the stream, and the publish counts).
import type { NatsPublisher } from "../fanout/nats-publisher.ts";
import type { NatsLinkState, NatsStreamInfo } from "../nats-port.ts";
import type { MetricFamily, MetricType } from "./prometheus-text.ts";

export interface NatsStatusInput {
  /** "connecting" until the first connection. */
  readonly state: NatsLinkState | "connecting";
  readonly server: string | undefined;
  /** The configured servers. */
  readonly servers: readonly string[];
  readonly streamName: string;
  /** As last read (every second while connected); undefined before the first read. */
  readonly stream: NatsStreamInfo | undefined;
  readonly publisher: NatsPublisher | undefined;
}

export function buildNatsStatus(input: NatsStatusInput) {
  const { publisher, stream } = input;
  return {
    state: input.state,
    server: input.server ?? null,
    servers: input.servers,
    stream:
      stream === undefined
        ? { name: input.streamName, messages: null, bytes: null, first_seq: null, last_seq: null }
        : {
            name: stream.name,
            created: stream.created,
            messages: stream.messages,
            bytes: stream.bytes,
            first_seq: stream.firstSeq,
            last_seq: stream.lastSeq,
          },
    publish:
      publisher === undefined
        ? null
        : {
            published: publisher.counters.published,
            acked: publisher.counters.acked,
            duplicates: publisher.counters.duplicates,
            retried: publisher.counters.retried,
            dropped: publisher.counters.dropped,
            entries_acked: publisher.counters.entriesAcked,
            pending_messages: publisher.pendingMessages,
            files: publisher.filesStatus(),
          },
  };
}

export function natsMetricFamilies(input: NatsStatusInput): MetricFamily[] {
  const families: MetricFamily[] = [
    one(
      "logwisp_nats_connected",
      "gauge",
      "1 while connected to a NATS server, else 0.",
      input.state === "connected" ? 1 : 0,
    ),
  ];
  if (input.stream !== undefined) {
    families.push(
      one(
        "logwisp_nats_stream_messages",
        "gauge",
        "Messages the stream holds (as last read).",
        input.stream.messages,
      ),
      one("logwisp_nats_stream_bytes", "gauge", "Bytes the stream holds (as last read).", input.stream.bytes),
    );
  }
  const publisher = input.publisher;
  if (publisher !== undefined) {
    const counters = publisher.counters;
    families.push(
      one(
        "logwisp_nats_published_total",
        "counter",
        "Messages sent to the stream (each retry again).",
        counters.published,
      ),
      one("logwisp_nats_acked_total", "counter", "Messages the stream acked.", counters.acked),
      one(
        "logwisp_nats_duplicates_total",
        "counter",
        "Acks saying the stream already held the message (a retry stored once).",
        counters.duplicates,
      ),
      one(
        "logwisp_nats_retried_total",
        "counter",
        "Messages sent again after a failed publish.",
        counters.retried,
      ),
      one(
        "logwisp_nats_dropped_entries_total",
        "counter",
        "Entries given up on: the server refused their message for good.",
        counters.dropped,
      ),
      one(
        "logwisp_nats_entries_acked_total",
        "counter",
        "Entries in messages the stream acked.",
        counters.entriesAcked,
      ),
      one(
        "logwisp_nats_pending_messages",
        "gauge",
        "Messages sealed and not yet acked.",
        publisher.pendingMessages,
      ),
      {
        name: "logwisp_nats_file_behind_bytes",
        type: "gauge",
        help: "Bytes of a file read and not yet acked by the stream.",
        samples: publisher
          .filesStatus()
          .map((file) => ({ labels: { source: file.source, path: file.path }, value: file.behind_bytes })),
      },
    );
  }
  return families;
}

function one(name: string, type: MetricType, help: string, value: number): MetricFamily {
  return { name, type, help, samples: [{ value }] };
}
