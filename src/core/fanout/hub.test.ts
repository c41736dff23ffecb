import assert from "node:assert/strict";
import { test } from "node:test";
import { Hub, ROOM_WAIT_MS } from "./hub.ts";
import { compileFilter } from "./stream-filter.ts";

const decoder = new TextDecoder();

test("publish fans out to every subscriber in its own framing, SSE entries with their ids", async () => {
  const hub = new Hub({ runId: "r" });
  const tcp = hub.subscribe({ transport: "tcp", remoteAddress: "127.0.0.1", bufferSize: 10 });
  const sse = hub.subscribe({ transport: "sse", remoteAddress: "127.0.0.1", bufferSize: 10 });
  hub.publish('{"n":1}');
  hub.publish('{"n":2}');
  const tcpBatch = await tcp.next();
  const sseBatch = await sse.next();
  assert.equal(decoder.decode(tcpBatch?.bytes), '{"n":1}\n{"n":2}\n');
  assert.equal(decoder.decode(sseBatch?.bytes), 'id: r-1\ndata: {"n":1}\n\nid: r-2\ndata: {"n":2}\n\n');
  assert.equal(tcpBatch?.entries, 2);
  assert.equal(hub.published, 2);
});

test("the encoded bytes are shared, not re-encoded per subscriber", () => {
  const hub = new Hub();
  const a = hub.subscribe({ transport: "tcp", remoteAddress: "a", bufferSize: 10 });
  const b = hub.subscribe({ transport: "tcp", remoteAddress: "b", bufferSize: 10 });
  const seen: Uint8Array[] = [];
  for (const s of [a, b]) {
    const offer = s.offerEntries.bind(s);
    s.offerEntries = (bytes, count) => {
      seen.push(bytes);
      offer(bytes, count);
    };
  }
  hub.publishBatch(["{}", "[]"]);
  assert.equal(seen.length, 2);
  assert.equal(seen[0], seen[1]);
});

test("a batch that does not fit is cut at a frame boundary, the rest dropped and counted", async () => {
  const hub = new Hub({ runId: "r" });
  const tcp = hub.subscribe({ transport: "tcp", remoteAddress: "t", bufferSize: 3 });
  const sse = hub.subscribe({ transport: "sse", remoteAddress: "s", bufferSize: 3 });
  hub.broadcast("sse", new TextEncoder().encode(": hb\n\n"));
  hub.publishBatch(['{"n":1}', '{"m":"a\\nb"}', '{"n":3}', '{"n":4}']);
  assert.equal(tcp.dropped, 1);
  assert.equal(sse.dropped, 2);
  assert.equal(tcp.queued, 3);
  assert.equal(decoder.decode((await tcp.next())?.bytes), '{"n":1}\n{"m":"a\\nb"}\n{"n":3}\n');
  const batch = await sse.next();
  assert.equal(
    decoder.decode(batch?.bytes),
    ': hb\n\nid: r-1\ndata: {"n":1}\n\nid: r-2\ndata: {"m":"a\\nb"}\n\n',
  );
  assert.equal(batch?.entries, 2);
  // entries served from a stream may break lines (this process's own JSON does not): one data line each
  hub.publishBatch(["x\ny", "z"], undefined, [
    { seq: 9, index: 0 },
    { seq: 9, index: 1 },
  ]);
  assert.equal(
    decoder.decode((await sse.next())?.bytes),
    "id: r-9.0\ndata: x\ndata: y\n\nid: r-9.1\ndata: z\n\n",
  );
});

test("a full queue drops new entries for that subscriber only, counted per client and in total", async () => {
  const hub = new Hub();
  const slow = hub.subscribe({ transport: "tcp", remoteAddress: "slow", bufferSize: 2 });
  const fast = hub.subscribe({ transport: "tcp", remoteAddress: "fast", bufferSize: 100 });
  for (let n = 1; n <= 5; n++) hub.publish(`{"n":${n}}`);
  assert.equal(slow.dropped, 3);
  assert.equal(slow.queued, 2);
  assert.equal(fast.dropped, 0);
  assert.equal(hub.counters.tcp.dropped, 3);
  assert.equal(decoder.decode((await slow.next())?.bytes), '{"n":1}\n{"n":2}\n');
  assert.equal((await fast.next())?.entries, 5);
});

test("heartbeats and events are queued but never counted as entries or drops", async () => {
  const hub = new Hub();
  const sub = hub.subscribe({ transport: "sse", remoteAddress: "x", bufferSize: 1 });
  hub.broadcast("sse", new TextEncoder().encode(": hb\n\n"));
  hub.broadcast("sse", new TextEncoder().encode(": hb\n\n"));
  assert.equal(sub.dropped, 0);
  const batch = await sub.next();
  assert.equal(batch?.entries, 0);
  assert.equal(decoder.decode(batch?.bytes), ": hb\n\n");
});

test("broadcast reaches only the named transport", () => {
  const hub = new Hub();
  const tcp = hub.subscribe({ transport: "tcp", remoteAddress: "x", bufferSize: 5 });
  hub.broadcast("sse", new Uint8Array([1]));
  assert.equal(tcp.queued, 0);
});

test("next waits for data, and end drains the queue before resolving undefined", async () => {
  const hub = new Hub();
  const sub = hub.subscribe({ transport: "tcp", remoteAddress: "x", bufferSize: 5 });
  const pending = sub.next();
  hub.publish("{}");
  assert.equal((await pending)?.entries, 1);
  hub.publish("{}");
  sub.end();
  hub.publish("{}"); // after end: not queued
  assert.equal((await sub.next())?.entries, 1);
  assert.equal(await sub.next(), undefined);
});

test("close removes the subscriber at once and releases a waiting pump", async () => {
  const hub = new Hub();
  const sub = hub.subscribe({ transport: "sse", remoteAddress: "x", bufferSize: 5 });
  const pending = sub.next();
  sub.close();
  assert.equal(await pending, undefined);
  assert.equal(hub.activeClients(), 0);
  assert.equal(hub.clients().length, 0);
  assert.equal(hub.counters.sse.connections, 1);
});

test("delivered counts move when the session marks a batch written", async () => {
  const hub = new Hub();
  const sub = hub.subscribe({ transport: "tcp", remoteAddress: "x", bufferSize: 5 });
  hub.publish("{}");
  hub.publish("{}");
  const batch = await sub.next();
  sub.markDelivered(batch?.entries ?? 0);
  assert.equal(sub.delivered, 2);
  assert.equal(hub.counters.tcp.delivered, 2);
});

test("client ids are unique and name their transport", () => {
  const hub = new Hub();
  const a = hub.subscribe({ transport: "tcp", remoteAddress: "x", bufferSize: 1 });
  const b = hub.subscribe({ transport: "sse", remoteAddress: "x", bufferSize: 1 });
  assert.notEqual(a.id, b.id);
  assert.match(a.id, /^tcp-/);
  assert.match(b.id, /^sse-/);
});

test("waitForRoom waits for a client that keeps reading, until it takes its queue", async () => {
  const hub = new Hub();
  const sub = hub.subscribe({ transport: "tcp", remoteAddress: "x", bufferSize: 4 });
  await hub.waitForRoom(2);
  hub.publishBatch(["1", "2", "3"]);
  let done = false;
  const waiting = hub.waitForRoom(2).then(() => {
    done = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(done, false);
  assert.equal((await sub.next())?.entries, 3);
  await waiting;
  assert.equal(done, true);
});

test("waitForRoom stops waiting for a client that does not take its queue, and skips small queues", async () => {
  const hub = new Hub();
  const stuck = hub.subscribe({ transport: "tcp", remoteAddress: "stuck", bufferSize: 2 });
  const tiny = hub.subscribe({ transport: "sse", remoteAddress: "tiny", bufferSize: 1 });
  hub.publishBatch(["1", "2"]);
  const started = Date.now();
  await hub.waitForRoom(2);
  assert.ok(Date.now() - started >= ROOM_WAIT_MS - 5, "waited for the stuck client once");
  const again = Date.now();
  await hub.waitForRoom(2);
  assert.ok(Date.now() - again < ROOM_WAIT_MS / 2, "then not again: it is slow now");
  assert.equal(tiny.dropped, 1, "a queue smaller than the slice is never waited for");
  stuck.close();
  tiny.close();
});

test("a client that reads steadily but slower than the log paces the reader for at most the wait budget", async () => {
  const hub = new Hub();
  const slow = hub.subscribe({ transport: "tcp", remoteAddress: "slow", bufferSize: 4 });
  // it takes its queue every 100 ms: never stuck for ROOM_WAIT_MS, so never marked slow
  const reader = setInterval(() => void slow.next(), 100);
  try {
    const started = Date.now();
    let slices = 0;
    while (Date.now() - started < 1000) {
      hub.publishBatch(["a", "b", "c"]);
      await hub.waitForRoom(3);
      slices++;
    }
    // unpaced, the reader would manage ~10 slices a second; with the budget it runs free after 250 ms
    assert.ok(slices > 100, `the reader ran ${slices} slices in a second`);
    assert.ok(slow.dropped > 0, "the slow client loses what it cannot take");
  } finally {
    clearInterval(reader);
    slow.close();
  }
});

test("a stuck client does not spend the wait budget that a client that keeps reading needs", async () => {
  const hub = new Hub();
  const stuck = hub.subscribe({ transport: "tcp", remoteAddress: "stuck", bufferSize: 4 });
  const reading = hub.subscribe({ transport: "sse", remoteAddress: "reading", bufferSize: 4 });
  hub.publishBatch(["1", "2", "3"]);
  // the reading client takes its queue just after the reader gave up on the stuck one
  const taken = new Promise((resolve) => setTimeout(resolve, ROOM_WAIT_MS + 50)).then(() => reading.next());
  await hub.waitForRoom(2);
  hub.publishBatch(["4", "5"]);
  assert.equal(reading.dropped, 0, "the reader waited for the reading client within the same second");
  assert.equal(stuck.dropped, 1);
  assert.equal((await taken)?.entries, 3);
  stuck.close();
  reading.close();
});

test("filtered clients get the entries that pass, with their own ids; a filter's bytes are shared", async () => {
  const hub = new Hub({ runId: "r" });
  const errors = compileFilter({ level: "error" }, (part) => part);
  const sameErrors = compileFilter({ level: "err" }, (part) => part);
  const a = hub.subscribe({ transport: "sse", remoteAddress: "a", bufferSize: 10, filter: errors });
  const b = hub.subscribe({ transport: "sse", remoteAddress: "b", bufferSize: 10, filter: sameErrors });
  const api = hub.subscribe({
    transport: "tcp",
    remoteAddress: "c",
    bufferSize: 10,
    filter: compileFilter({ sources: ["api*"] }, (part) => part),
  });
  const seen = new Map<string, Uint8Array>();
  for (const s of [a, b]) {
    const offer = s.offerEntries.bind(s);
    s.offerEntries = (bytes, count) => {
      seen.set(s.remoteAddress, bytes);
      offer(bytes, count);
    };
  }
  const line = (source: string, level: string, n: number) =>
    JSON.stringify({ source, level, message: `${n}` });
  hub.publishBatch([line("app.log", "info", 1), line("api.log", "error", 2), line("app.log", "fatal", 3)]);
  assert.equal(seen.get("a"), seen.get("b"), "one encoding for one filter");
  const batch = await a.next();
  assert.equal(batch?.entries, 2);
  assert.equal(
    decoder.decode(batch?.bytes),
    `id: r-2\ndata: ${line("api.log", "error", 2)}\n\nid: r-3\ndata: ${line("app.log", "fatal", 3)}\n\n`,
  );
  assert.equal(decoder.decode((await api.next())?.bytes), `${line("api.log", "error", 2)}\n`);
  hub.publishBatch([line("app.log", "info", 4)]);
  assert.equal(a.queued + api.queued, 0, "nothing passes: nothing queued");
  assert.equal(hub.published, 4, "every entry is numbered, before any filter");
});

test("a filter on q or fields uses the parsed entries given with the batch, not the JSON text", async () => {
  const hub = new Hub();
  const sub = hub.subscribe({
    transport: "tcp",
    remoteAddress: "x",
    bufferSize: 10,
    filter: compileFilter({ fields: [["user", "alice"]] }, (part) => part),
  });
  // the JSON says bob; the parsed entry (what the service has) says alice: the parsed one is used
  hub.publishBatch(
    ['{"source":"a","message":"m","fields":{"user":"bob"}}'],
    [{ time: "t", source: "a", message: "m", fields: { user: "alice" } }],
  );
  assert.equal((await sub.next())?.entries, 1);
});

test("reconfigure: a smaller ring keeps the newest entries with their ids; numbering and resumes go on", async () => {
  const hub = new Hub({ runId: "r", replaySize: 10 });
  for (let n = 1; n <= 8; n++) hub.publish(`{"n":${n}}`);
  hub.reconfigure({ replaySize: 3, replayMaxBytes: 65536 });
  assert.deepEqual(hub.replayStatus(), {
    replay_size: 3,
    replay_max_bytes: 65536,
    entries: 3,
    bytes: 21,
    oldest_id: "r-6",
    newest_id: "r-8",
  });
  hub.publish('{"n":9}');
  assert.equal(hub.published, 9);
  const resumed = hub.subscribe({
    transport: "tcp",
    remoteAddress: "a",
    bufferSize: 10,
    start: { after: { run: "r", seq: 7 } },
  });
  assert.equal(decoder.decode((await resumed.next())?.bytes), '{"n":8}\n{"n":9}\n');
  // larger again: what was held stays, and the ring fills up to its new size
  hub.reconfigure({ replaySize: 100, replayMaxBytes: 65536 });
  for (let n = 10; n <= 12; n++) hub.publish(`{"n":${n}}`);
  assert.equal(hub.replayStatus().entries, 6);
  assert.equal(hub.replayStatus().oldest_id, "r-7");
  // off: nothing held, numbers still taken
  hub.reconfigure({ replaySize: 0, replayMaxBytes: 65536 });
  hub.publish('{"n":13}');
  assert.equal(hub.replayStatus().entries, 0);
  assert.equal(hub.published, 13);
});
