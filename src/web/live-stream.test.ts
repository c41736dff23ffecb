import assert from "node:assert/strict";
import { test } from "node:test";
import { NO_FILTER } from "./filter.ts";
import {
  type ConnectionState,
  type EventSourceLike,
  gapText,
  INITIAL_BACKLOG,
  LiveStream,
  type Probe,
  parseEventId,
  retryDelayMs,
  streamUrl,
} from "./live-stream.ts";
import type { EntryRow } from "./log-entry.ts";

class FakeEventSource implements EventSourceLike {
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent<string>) => void) | null = null;
  closed = false;
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();

  constructor(readonly url: string) {}

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.onopen?.(new Event("open"));
  }
  fail(): void {
    this.onerror?.(new Event("error"));
  }
  /** An entry frame: `id:` when given, then `data:`. */
  entry(message: string, id = ""): void {
    const data = JSON.stringify({ time: "t", source: "a.log", level: "info", message });
    this.onmessage?.({ data, lastEventId: id } as MessageEvent<string>);
  }
  event(type: string, data: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) {
      listener({ data: JSON.stringify(data), lastEventId: "" } as MessageEvent<string>);
    }
  }
}

function harness(probe: Probe = { kind: "unreachable", reason: "refused" }) {
  const sources: FakeEventSource[] = [];
  const timers: { run: () => void; ms: number }[] = [];
  const entries: string[] = [];
  const markers: string[] = [];
  const states: ConnectionState[] = [];
  const clients: string[] = [];
  const stream = new LiveStream(
    {
      openEventSource: (url) => {
        const source = new FakeEventSource(url);
        sources.push(source);
        return source;
      },
      probe: async () => probe,
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
    },
    NO_FILTER,
    undefined,
  );
  const last = (): FakeEventSource => sources[sources.length - 1] as FakeEventSource;
  const fireTimer = (): void => (timers.shift() as { run: () => void }).run();
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { stream, sources, timers, entries, markers, states, clients, last, fireTimer, settle };
}

test("the stream URL: filters, then resume or backlog (resume wins), then the token", () => {
  assert.equal(streamUrl({ filter: NO_FILTER }), "stream");
  assert.equal(
    streamUrl({ filter: { level: "warn", q: "a b" }, backlog: 100, token: "t&x" }),
    "stream?level=warn&q=a+b&backlog=100&token=t%26x",
  );
  assert.equal(
    streamUrl({ filter: NO_FILTER, lastEventId: "abc-12", backlog: 100 }),
    "stream?last_event_id=abc-12",
  );
});

test("ids, retry delays and gap texts", () => {
  assert.deepEqual(parseEventId("lz8k2p-42"), { run: "lz8k2p", seq: 42 });
  assert.equal(parseEventId("42"), undefined);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 9].map(retryDelayMs), [250, 500, 1000, 2000, 4000, 5000, 5000]);
  assert.match(gapText('{"missed":1200,"reason":"evicted"}'), /^1,200 entries missed/);
  assert.match(gapText('{"missed":null,"reason":"restart"}'), /restarted/);
  assert.match(gapText('{"missed":7,"reason":"retention"}'), /^7 stream messages missed/);
  assert.match(gapText("not json"), /entries missed/);
});

test("first connection asks for the backlog; open is live; the connected event names the client", () => {
  const h = harness();
  h.stream.start();
  assert.equal(h.last().url, `stream?backlog=${INITIAL_BACKLOG}`);
  assert.deepEqual(h.states, [{ kind: "connecting" }]);
  h.last().open();
  h.last().event("connected", { client_id: "sse-3" });
  assert.deepEqual(h.states.at(-1), { kind: "live" });
  assert.deepEqual(h.clients, ["sse-3"]);
});

test("with ids: a filter change reopens from the last id, and a repeated entry is not shown twice", () => {
  const h = harness();
  h.stream.start();
  h.last().open();
  h.last().entry("one", "run1-1");
  h.last().entry("two", "run1-2");
  h.stream.setFilter({ level: "error", q: "" });
  assert.equal(h.sources.length, 2);
  assert.ok(h.sources[0]?.closed);
  assert.equal(h.last().url, "stream?level=error&last_event_id=run1-2");
  h.last().open();
  h.last().entry("two", "run1-2");
  h.last().entry("three", "run1-3");
  // a restarted server's ids start again: a new run is never a duplicate
  h.last().entry("after restart", "run2-1");
  assert.deepEqual(h.entries, ["one", "two", "three", "after restart"]);
  assert.ok(!h.states.slice(2).some((state) => state.kind === "connecting"), "a filter switch stays live");
});

test("without ids (a server that cannot resume): a filter change keeps the stream; the page filters", () => {
  const h = harness();
  h.stream.start();
  h.last().open();
  h.last().entry("one");
  h.stream.setFilter({ level: "error", q: "" });
  assert.equal(h.sources.length, 1);
});

test("a lost connection retries with backoff; without ids the reconnect is marked as possibly lossy", async () => {
  const h = harness();
  h.stream.start();
  h.last().open();
  h.last().entry("one");
  h.last().fail();
  assert.ok(h.sources[0]?.closed);
  assert.deepEqual(h.states.at(-1), {
    kind: "reconnecting",
    reason: "the connection was lost",
    retryInMs: 250,
  });
  h.fireTimer();
  // the server is still down: the attempt fails before open, the probe says why, the delay grows
  h.last().fail();
  await h.settle();
  assert.deepEqual(h.states.at(-1), {
    kind: "reconnecting",
    reason: "cannot reach logwisp (refused)",
    retryInMs: 500,
  });
  h.fireTimer();
  assert.equal(h.last().url, `stream?backlog=${INITIAL_BACKLOG}`);
  h.last().open();
  assert.deepEqual(h.states.at(-1), { kind: "live" });
  assert.equal(h.markers.length, 1);
  assert.match(h.markers[0] ?? "", /not shown/);
});

test("with ids, a reconnect resumes from the last id and adds no marker of its own", () => {
  const h = harness();
  h.stream.start();
  h.last().open();
  h.last().entry("one", "r-7");
  h.last().fail();
  h.fireTimer();
  assert.equal(h.last().url, "stream?last_event_id=r-7");
  h.last().open();
  h.last().event("gap", { missed: 3, reason: "evicted" });
  assert.deepEqual(h.markers, ["3 entries missed: the server no longer held them"]);
});

test("401 asks for a token (no retry until one is given); 400 is an error until the filter changes", async () => {
  const unauthorized = harness({ kind: "http", status: 401, detail: "unauthorized" });
  unauthorized.stream.start();
  unauthorized.last().fail();
  await unauthorized.settle();
  assert.deepEqual(unauthorized.states.at(-1), { kind: "unauthorized" });
  assert.equal(unauthorized.timers.length, 0);
  unauthorized.stream.setToken("s3cret");
  assert.equal(unauthorized.last().url, `stream?backlog=${INITIAL_BACKLOG}&token=s3cret`);

  const invalid = harness({ kind: "http", status: 400, detail: "invalid filter: q" });
  invalid.stream.start();
  invalid.last().fail();
  await invalid.settle();
  assert.deepEqual(invalid.states.at(-1), { kind: "error", reason: "invalid filter: q" });
  assert.equal(invalid.timers.length, 0);
  invalid.stream.setFilter({ level: "", q: "ok" });
  assert.equal(invalid.sources.length, 2);
});

test("503 waits at least Retry-After; a server shutting down is retried; rotations become markers", async () => {
  const full = harness({ kind: "http", status: 503, detail: "too many clients", retryAfterSeconds: 5 });
  full.stream.start();
  full.last().fail();
  await full.settle();
  assert.deepEqual(full.states.at(-1), {
    kind: "reconnecting",
    reason: "logwisp answered 503: too many clients",
    retryInMs: 5000,
  });

  const h = harness();
  h.stream.start();
  h.last().open();
  h.last().event("rotation", { path: "/var/log/app.log", kind: "rotated" });
  h.last().event("disconnect", { reason: "server_shutdown" });
  assert.deepEqual(h.markers, ["/var/log/app.log rotated"]);
  assert.equal(h.states.at(-1)?.kind, "reconnecting");
  h.stream.stop();
  assert.equal(h.timers.length, 0);
});
