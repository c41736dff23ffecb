import assert from "node:assert/strict";
import { test } from "node:test";
import { NO_FILTER } from "./filter.ts";
import {
  type ConnectionState,
  errorDetail,
  gapText,
  INITIAL_BACKLOG,
  LiveStream,
  parseEventId,
  retryDelayMs,
  type StreamResponse,
  streamHeaders,
  streamUrl,
} from "./live-stream.ts";
import type { EntryRow } from "./log-entry.ts";

const encoder = new TextEncoder();

/** One fetch of /stream: the test answers it, then writes SSE text into its body or breaks it. */
class FakeRequest {
  private body: ReadableStreamDefaultController<Uint8Array> | undefined;
  private settle: { resolve: (response: StreamResponse) => void; reject: (error: Error) => void } | undefined;
  readonly response = new Promise<StreamResponse>((resolve, reject) => {
    this.settle = { resolve, reject };
  });

  constructor(
    readonly url: string,
    readonly headers: Record<string, string>,
    readonly signal: AbortSignal,
  ) {}

  get aborted(): boolean {
    return this.signal.aborted;
  }
  /** 200 with a body the test writes to; any other status with `text` as its body. */
  answer(status = 200, text = "", headers: Record<string, string> = {}): void {
    const body =
      status === 200
        ? new ReadableStream<Uint8Array>({
            start: (controller) => {
              this.body = controller;
            },
          })
        : null;
    this.settle?.resolve({
      status,
      headers: { get: (name) => headers[name] ?? null },
      body,
      text: async () => text,
    });
  }
  unreachable(): void {
    this.settle?.reject(new TypeError("Failed to fetch"));
  }
  send(text: string): void {
    this.body?.enqueue(encoder.encode(text));
  }
  entry(message: string, id?: string): void {
    const data = JSON.stringify({ time: "t", source: "a.log", level: "info", message });
    this.send(`${id === undefined ? "" : `id: ${id}\n`}data: ${data}\n\n`);
  }
  event(name: string, data: unknown): void {
    this.send(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }
  fail(): void {
    this.body?.error(new TypeError("network error"));
  }
  end(): void {
    this.body?.close();
  }
}

function harness() {
  const requests: FakeRequest[] = [];
  const timers: { run: () => void; ms: number }[] = [];
  const entries: string[] = [];
  const markers: string[] = [];
  const states: ConnectionState[] = [];
  const clients: string[] = [];
  let chunks = 0;
  const stream = new LiveStream(
    {
      fetchStream: (url, headers, signal) => {
        const request = new FakeRequest(url, headers, signal);
        requests.push(request);
        return request.response;
      },
      schedule: (run, ms) => {
        const timer = { run, ms };
        timers.push(timer);
        return () => timers.splice(timers.indexOf(timer), 1);
      },
    },
    {
      entry: (row: EntryRow) => entries.push(row.entry.message),
      marker: (text) => markers.push(text),
      connected: (id) => clients.push(id),
      state: (state) => states.push(state),
      chunkRead: () => chunks++,
    },
    NO_FILTER,
    undefined,
  );
  const last = (): FakeRequest => requests[requests.length - 1] as FakeRequest;
  const fireTimer = (): void => (timers.shift() as { run: () => void }).run();
  const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
  return {
    stream,
    requests,
    timers,
    entries,
    markers,
    states,
    clients,
    chunks: () => chunks,
    last,
    fireTimer,
    settle,
  };
}

test("the stream URL: filters, then backlog and since unless it resumes; token and id as headers", () => {
  assert.equal(streamUrl({ filter: NO_FILTER }), "stream");
  assert.equal(
    streamUrl({ filter: { level: "warn", q: "a b", sources: [] }, backlog: 100, since: "15m", token: "t" }),
    "stream?level=warn&q=a+b&backlog=100&since=15m",
  );
  assert.equal(
    streamUrl({
      filter: { level: "", q: "", sources: ["api.log", "a*b.log"] },
      lastEventId: "abc-12",
      backlog: 100,
    }),
    "stream?source=api.log&source=a%5B*%5Db.log",
  );
  assert.deepEqual(streamHeaders({ filter: NO_FILTER, token: "s3", lastEventId: "abc-12" }), {
    authorization: "Bearer s3",
    "last-event-id": "abc-12",
  });
  assert.deepEqual(streamHeaders({ filter: NO_FILTER }), {});
});

test("ids, retry delays, gap texts and error bodies", () => {
  assert.deepEqual(parseEventId("lz8k2p-42"), { run: "lz8k2p", seq: 42 });
  assert.equal(parseEventId("42"), undefined);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 9].map(retryDelayMs), [250, 500, 1000, 2000, 4000, 5000, 5000]);
  assert.match(gapText('{"missed":1200,"reason":"evicted"}'), /^1,200 entries missed/);
  assert.match(gapText('{"missed":null,"reason":"restart"}'), /restarted/);
  assert.match(gapText('{"missed":7,"reason":"retention"}'), /^7 stream messages missed/);
  assert.match(gapText("not json"), /entries missed/);
  assert.equal(errorDetail('{"error":"invalid filter","detail":"q: bad"}'), "invalid filter: q: bad");
  assert.equal(errorDetail("<html>"), "<html>");
});

test("first connection asks for the backlog; a 200 is live; events of a chunk are read, then chunkRead", async () => {
  const h = harness();
  h.stream.start();
  assert.equal(h.last().url, `stream?backlog=${INITIAL_BACKLOG}`);
  assert.deepEqual(h.states, [{ kind: "connecting" }]);
  h.last().answer();
  await h.settle();
  assert.deepEqual(h.states.at(-1), { kind: "live" });
  h.last().send(
    'event: connected\ndata: {"client_id":"sse-3"}\n\n: heartbeat\n\nid: r-1\ndata: {"message":"one"}\n\nid: r-2\ndata: {"message":"two"}\n\n',
  );
  await h.settle();
  assert.deepEqual(h.clients, ["sse-3"]);
  assert.deepEqual(h.entries, ["one", "two"]);
  assert.equal(h.chunks(), 1);
});

test("with ids: a filter change reopens with Last-Event-ID, and a repeated entry is not shown twice", async () => {
  const h = harness();
  h.stream.start();
  h.last().answer();
  await h.settle();
  h.last().entry("one", "run1-1");
  h.last().entry("two", "run1-2");
  await h.settle();
  h.stream.setFilter({ level: "error", q: "", sources: [] });
  assert.equal(h.requests.length, 2);
  assert.ok(h.requests[0]?.aborted, "the old request is aborted");
  assert.equal(h.last().url, "stream?level=error");
  assert.deepEqual(h.last().headers, { "last-event-id": "run1-2" });
  h.last().answer();
  await h.settle();
  h.last().entry("two", "run1-2");
  h.last().entry("three", "run1-3");
  // a restarted server's ids start again: a new run is never a duplicate
  h.last().entry("after restart", "run2-1");
  await h.settle();
  assert.deepEqual(h.entries, ["one", "two", "three", "after restart"]);
  assert.ok(!h.states.slice(2).some((state) => state.kind === "connecting"), "a filter switch stays live");
});

test("without ids (a server that cannot resume): a filter change keeps the stream; the page filters", async () => {
  const h = harness();
  h.stream.start();
  h.last().answer();
  await h.settle();
  h.last().entry("one");
  await h.settle();
  h.stream.setFilter({ level: "error", q: "", sources: [] });
  assert.equal(h.requests.length, 1);
});

test("a lost connection retries with backoff; without ids the reconnect is marked as possibly lossy", async () => {
  const h = harness();
  h.stream.start();
  h.last().answer();
  await h.settle();
  h.last().entry("one");
  await h.settle();
  h.last().fail();
  await h.settle();
  assert.deepEqual(h.states.at(-1), {
    kind: "reconnecting",
    reason: "the connection was lost",
    retryInMs: 250,
  });
  h.fireTimer();
  // the server is still down: the fetch itself fails, the delay grows
  h.last().unreachable();
  await h.settle();
  assert.deepEqual(h.states.at(-1), {
    kind: "reconnecting",
    reason: "cannot reach logwisp (no answer)",
    retryInMs: 500,
  });
  h.fireTimer();
  assert.equal(h.last().url, `stream?backlog=${INITIAL_BACKLOG}`);
  h.last().answer();
  await h.settle();
  assert.deepEqual(h.states.at(-1), { kind: "live" });
  assert.equal(h.markers.length, 1);
  assert.match(h.markers[0] ?? "", /not shown/);
});

test("a stream the server ends is a lost connection too; with ids it resumes from the last one", async () => {
  const h = harness();
  h.stream.start();
  h.last().answer();
  await h.settle();
  h.last().entry("one", "r-7");
  await h.settle();
  h.last().end();
  await h.settle();
  assert.equal(h.states.at(-1)?.kind, "reconnecting");
  h.fireTimer();
  assert.equal(h.last().url, "stream");
  assert.deepEqual(h.last().headers, { "last-event-id": "r-7" });
  h.last().answer();
  await h.settle();
  h.last().event("gap", { missed: 3, reason: "evicted" });
  await h.settle();
  assert.deepEqual(h.markers, ["3 entries missed: the server no longer held them"]);
});

test("401 asks for a token (no retry until one is given), then sends it as a header; 400 waits for a new filter", async () => {
  const unauthorized = harness();
  unauthorized.stream.start();
  unauthorized.last().answer(401, '{"error":"unauthorized"}');
  await unauthorized.settle();
  assert.deepEqual(unauthorized.states.at(-1), { kind: "unauthorized" });
  assert.equal(unauthorized.timers.length, 0);
  unauthorized.stream.setToken("s3cret");
  assert.equal(unauthorized.last().url, `stream?backlog=${INITIAL_BACKLOG}`);
  assert.deepEqual(unauthorized.last().headers, { authorization: "Bearer s3cret" });

  const invalid = harness();
  invalid.stream.start();
  invalid.last().answer(400, '{"error":"invalid filter","detail":"q: bad"}');
  await invalid.settle();
  assert.deepEqual(invalid.states.at(-1), { kind: "error", reason: "invalid filter: q: bad" });
  assert.equal(invalid.timers.length, 0);
  invalid.stream.setFilter({ level: "", q: "ok", sources: [] });
  assert.equal(invalid.requests.length, 2);
});

test("503 waits at least Retry-After; a server shutting down is retried; rotations become markers", async () => {
  const full = harness();
  full.stream.start();
  full.last().answer(503, '{"error":"too many clients"}', { "retry-after": "5" });
  await full.settle();
  assert.deepEqual(full.states.at(-1), {
    kind: "reconnecting",
    reason: "logwisp answered 503: too many clients",
    retryInMs: 5000,
  });

  const h = harness();
  h.stream.start();
  h.last().answer();
  await h.settle();
  h.last().event("rotation", { path: "/var/log/app.log", kind: "rotated" });
  h.last().event("disconnect", { reason: "server_shutdown" });
  await h.settle();
  assert.deepEqual(h.markers, ["/var/log/app.log rotated"]);
  assert.equal(h.states.at(-1)?.kind, "reconnecting");
  assert.ok(h.requests[0]?.aborted);
  h.stream.stop();
  assert.equal(h.timers.length, 0);
});

test("stop aborts the request (the page is hidden); startOver asks for a new history without resuming", async () => {
  const h = harness();
  h.stream.start();
  h.last().answer();
  await h.settle();
  h.last().entry("one", "r-1");
  await h.settle();
  h.stream.stop();
  assert.ok(h.last().aborted);
  h.last().entry("late", "r-2");
  await h.settle();
  assert.deepEqual(h.entries, ["one"]);
  h.stream.start();
  assert.deepEqual(h.last().headers, { "last-event-id": "r-1" }, "back on the page: resumes");
  h.stream.startOver("15m");
  assert.ok(h.requests[1]?.aborted);
  assert.equal(h.last().url, `stream?backlog=${INITIAL_BACKLOG}&since=15m`);
  assert.deepEqual(h.last().headers, {});
});
