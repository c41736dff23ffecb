// A client process: opens TCP and SSE connections to the server under test and records, per connection,
// every line that carries `seq=<n> t=<µs>`: loss and duplicates (from a bitmap of seen sequence numbers),
// ordering violations, first and last arrival, and the end-to-end latency of each line. Talks to the
// orchestrator over IPC: progress every 200 ms, a full report when asked.
import { connect } from "node:net";
import { Histogram, monotonicMicros } from "./histogram.ts";

export interface ClientSpec {
  readonly host: string;
  readonly tcpPort: number;
  readonly httpPort: number;
  readonly tcp: number;
  readonly sse: number;
  /** Sequence numbers run from 0 to totalLines - 1. */
  readonly totalLines: number;
  /** The query string of each SSE connection's /stream (e.g. `q=…`), when they filter. */
  readonly sseQueries?: readonly string[] | undefined;
}

export interface ConnectionReport {
  readonly kind: "tcp" | "sse";
  readonly distinct: number;
  readonly duplicates: number;
  readonly orderViolations: number;
  readonly firstAtUs: number;
  readonly lastAtUs: number;
  readonly failed: boolean;
}

export type ClientMessage =
  | { type: "progress"; ready: number; distinct: number; minDistinct: number; failed: number }
  | {
      type: "report";
      connections: ConnectionReport[];
      latency: ReturnType<Histogram["toSparse"]>;
      latencyMax: number;
    };

export type OrchestratorMessage = { type: "report" } | { type: "exit" };

const EQUALS = 0x3d;
const WARMUP = Buffer.from("warmup");
const NEWLINE = 0x0a;

class Tracker {
  ready = false;
  distinct = 0;
  duplicates = 0;
  orderViolations = 0;
  maxSeq = -1;
  firstAtUs = 0;
  lastAtUs = 0;
  failed = false;
  private readonly seen: Uint8Array;
  private carry: Buffer | undefined;

  constructor(
    readonly kind: "tcp" | "sse",
    totalLines: number,
    private readonly latency: Histogram,
  ) {
    this.seen = new Uint8Array(totalLines);
  }

  /** Scans whole lines only; the unfinished tail waits for the next chunk. */
  onChunk(chunk: Buffer): void {
    const nowUs = monotonicMicros();
    let bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const end = bytes.lastIndexOf(NEWLINE);
    if (end === -1) {
      this.carry = Buffer.from(bytes);
      return;
    }
    this.carry = end + 1 < bytes.length ? Buffer.from(bytes.subarray(end + 1)) : undefined;
    bytes = bytes.subarray(0, end + 1);
    if (!this.ready && bytes.indexOf(WARMUP) !== -1) this.ready = true;
    for (let at = findSeq(bytes, 0); at !== -1; at = findSeq(bytes, at)) {
      let i = at + 4;
      let seq = 0;
      for (let c = bytes[i] as number; c >= 0x30 && c <= 0x39; c = bytes[++i] as number)
        seq = seq * 10 + c - 0x30;
      // " t="
      i += 3;
      let sentUs = 0;
      for (let c = bytes[i] as number; c >= 0x30 && c <= 0x39; c = bytes[++i] as number)
        sentUs = sentUs * 10 + c - 0x30;
      at = i;
      this.record(seq, sentUs, nowUs);
    }
  }

  private record(seq: number, sentUs: number, nowUs: number): void {
    if (seq >= this.seen.length) return;
    if (this.seen[seq]) {
      this.duplicates++;
      return;
    }
    this.seen[seq] = 1;
    if (this.distinct === 0) this.firstAtUs = nowUs;
    this.distinct++;
    this.lastAtUs = nowUs;
    if (seq < this.maxSeq) this.orderViolations++;
    else this.maxSeq = seq;
    this.latency.record(nowUs - sentUs);
  }

  report(): ConnectionReport {
    const { kind, distinct, duplicates, orderViolations, firstAtUs, lastAtUs, failed } = this;
    return { kind, distinct, duplicates, orderViolations, firstAtUs, lastAtUs, failed };
  }
}

/**
 * Where the next `seq=` starts, from `from` on. A search for the one byte `=` and a look at the three
 * before it: Buffer.indexOf with a multi-byte needle costs ~0.12 µs a call, ~2.6 s of the fanout scenario's
 * 22 million lines (its clients' CPU was ~10 s); memchr for `=` costs a fifth of that. The floor's clients
 * and logwisp's run this same code.
 */
function findSeq(bytes: Buffer, from: number): number {
  for (let eq = bytes.indexOf(EQUALS, from + 3); eq !== -1; eq = bytes.indexOf(EQUALS, eq + 1)) {
    if (bytes[eq - 1] === 0x71 && bytes[eq - 2] === 0x65 && bytes[eq - 3] === 0x73) return eq - 3;
  }
  return -1;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as ClientSpec;
const latency = new Histogram();
const trackers: Tracker[] = [];
const closers: Array<() => void> = [];

function openTcp(): void {
  const tracker = new Tracker("tcp", spec.totalLines, latency);
  trackers.push(tracker);
  const socket = connect({ host: spec.host, port: spec.tcpPort });
  socket.on("data", (chunk: Buffer) => tracker.onChunk(chunk));
  socket.on("error", () => {
    tracker.failed = true;
  });
  closers.push(() => socket.destroy());
}

// SSE over a plain socket with a small chunked-encoding decoder: node:http's client costs several times
// more per chunk, and a thousand of them would starve the server of the CPU it is being measured on
function openSse(index: number): void {
  const tracker = new Tracker("sse", spec.totalLines, latency);
  trackers.push(tracker);
  const socket = connect({ host: spec.host, port: spec.httpPort });
  const query = spec.sseQueries?.[index];
  socket.write(
    `GET /stream${query ? `?${query}` : ""} HTTP/1.1\r\nHost: ${spec.host}:${spec.httpPort}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  let head: Buffer | undefined = Buffer.alloc(0);
  let chunked: ChunkedDecoder | undefined;
  socket.on("data", (data: Buffer) => {
    let body = data;
    if (head) {
      head = Buffer.concat([head, data]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      const headers = head.toString("latin1", 0, end).toLowerCase();
      if (!headers.startsWith("http/1.1 200")) tracker.failed = true;
      if (/\r\ntransfer-encoding:\s*chunked/.test(headers)) chunked = new ChunkedDecoder();
      body = head.subarray(end + 4);
      head = undefined;
    }
    if (chunked) chunked.push(body, (part) => tracker.onChunk(part));
    else if (body.length > 0) tracker.onChunk(body);
  });
  socket.on("error", () => {
    tracker.failed = true;
  });
  closers.push(() => socket.destroy());
}

/** HTTP/1.1 chunked transfer coding: `<hex size>[;ext]\r\n<data>\r\n`, repeated. */
class ChunkedDecoder {
  private remaining = 0;
  private crlf = 0;
  private sizeLine = "";

  push(bytes: Buffer, onData: (part: Buffer) => void): void {
    let i = 0;
    while (i < bytes.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, bytes.length - i);
        onData(bytes.subarray(i, i + n));
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.crlf = 2;
      } else if (this.crlf > 0) {
        i++;
        this.crlf--;
      } else {
        const newline = bytes.indexOf(0x0a, i);
        if (newline === -1) {
          this.sizeLine += bytes.toString("latin1", i);
          return;
        }
        this.sizeLine += bytes.toString("latin1", i, newline);
        i = newline + 1;
        this.remaining = Number.parseInt(this.sizeLine, 16) || 0;
        this.sizeLine = "";
      }
    }
  }
}

// connect a few at a time so a thousand clients do not overflow the listen backlog
async function openAll(): Promise<void> {
  const opens = [
    ...Array<() => void>(spec.tcp).fill(openTcp),
    ...Array.from({ length: spec.sse }, (_, i) => () => openSse(i)),
  ];
  for (let i = 0; i < opens.length; i++) {
    (opens[i] as () => void)();
    if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function send(message: ClientMessage): void {
  process.send?.(message);
}

const progress = setInterval(() => {
  let ready = 0;
  let distinct = 0;
  let minDistinct = Number.POSITIVE_INFINITY;
  let failed = 0;
  for (const tracker of trackers) {
    if (tracker.ready) ready++;
    if (tracker.failed) failed++;
    distinct += tracker.distinct;
    minDistinct = Math.min(minDistinct, tracker.distinct);
  }
  send({ type: "progress", ready, distinct, minDistinct: trackers.length ? minDistinct : 0, failed });
}, 200);

process.on("message", (message: OrchestratorMessage) => {
  if (message.type === "report") {
    send({
      type: "report",
      connections: trackers.map((t) => t.report()),
      latency: latency.toSparse(),
      latencyMax: latency.max,
    });
  } else {
    clearInterval(progress);
    for (const close of closers) close();
    process.exit(0);
  }
});
// the orchestrator went away: do not linger
process.on("disconnect", () => process.exit(0));

void openAll();
