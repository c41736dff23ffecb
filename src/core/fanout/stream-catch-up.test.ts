import assert from "node:assert/strict";
import { test } from "node:test";
import type { HistoryMessage, StreamHistory } from "./entry-source.ts";
import { Hub, type Subscriber } from "./hub.ts";
import { compileFilter } from "./stream-filter.ts";

const decoder = new TextDecoder();
const ENTRIES_PER_MESSAGE = 4;

/** A stream of messages of ENTRIES_PER_MESSAGE entries, `{"n":…}` numbered from 1 across them. */
class FakeStream implements StreamHistory {
  readonly identity = "LOGWISP.abc";
  readonly messages = new Map<number, string[]>();
  firstSeq = 1;
  lastSeq = 0;
  reads = 0;
  /** Called before each read answers: a test publishes live entries meanwhile, or makes NATS go away. */
  beforeRead: (seq: number) => void = () => {};
  away = false;

  append(): { jsons: string[]; seq: number } {
    const seq = ++this.lastSeq;
    const jsons = Array.from(
      { length: ENTRIES_PER_MESSAGE },
      (_, i) => `{"n":${(seq - 1) * ENTRIES_PER_MESSAGE + i + 1},"level":"${i % 2 ? "warn" : "info"}"}`,
    );
    this.messages.set(seq, jsons);
    return { jsons, seq };
  }

  async read(seq: number): Promise<HistoryMessage> {
    this.reads++;
    await Promise.resolve();
    this.beforeRead(seq);
    if (this.away) throw new Error("NATS away");
    if (seq < this.firstSeq) return { kind: "gone", firstSeq: this.firstSeq };
    const jsons = this.messages.get(seq);
    return jsons ? { kind: "entries", jsons } : { kind: "missing" };
  }
}

/** A hub serving `stream`, fed its first `messages` messages (appended now). */
function servingHub(stream: FakeStream, messages: number, replaySize: number): Hub {
  const hub = new Hub({ runId: "r", replaySize });
  hub.serveStream(stream, { seq: 0, index: Number.POSITIVE_INFINITY });
  for (let i = 0; i < messages; i++) feed(hub, stream);
  return hub;
}

/** Appends a message to the stream and hands it to the hub, as the consumer does. */
function feed(hub: Hub, stream: FakeStream): void {
  const { jsons, seq } = stream.append();
  hub.publishBatch(
    jsons,
    undefined,
    jsons.map((_, index) => ({ seq, index })),
  );
}

/** Reads batches until `count` entries came, returning each entry's n and id, and any events in order. */
async function collect(subscriber: Subscriber, count: number, maxBatch = Number.POSITIVE_INFINITY) {
  const ns: number[] = [];
  const ids: string[] = [];
  const events: string[] = [];
  while (ns.length < count) {
    const batch = await subscriber.next();
    assert.ok(batch, "the stream ended early");
    assert.ok(batch.entries <= maxBatch, `a batch of ${batch.entries} entries, beyond the queue's bound`);
    for (const frame of decoder.decode(batch.bytes).split("\n\n")) {
      if (frame === "") continue;
      const id = /^id: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1] as string;
      if (id === undefined) events.push(frame);
      else {
        ids.push(id);
        ns.push((JSON.parse(data) as { n: number }).n);
      }
    }
  }
  return { ns, ids, events };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test("a resume before the ring reads the stream, then the ring, then live: every entry once, in order", async () => {
  const stream = new FakeStream();
  const hub = servingHub(stream, 10, 8);
  const subscriber = hub.subscribe({
    transport: "sse",
    remoteAddress: "c",
    bufferSize: 3,
    start: { after: { run: stream.identity, seq: 2, index: 1 } },
  });
  // live messages keep coming while the client reads the stream
  stream.beforeRead = () => feed(hub, stream);
  const first = await collect(subscriber, 40 - 6, 3);
  stream.beforeRead = () => {};
  feed(hub, stream);
  const rest = await collect(subscriber, 4 * stream.lastSeq - 6 - first.ns.length, 3);
  const all = [...first.ns, ...rest.ns];
  assert.deepEqual(all, range(7, 4 * stream.lastSeq));
  assert.equal(first.ids[0], "LOGWISP.abc-2.2");
  assert.ok(stream.reads > 0);
});

test("a resume the ring covers does not read the stream; its ids name stream positions", async () => {
  const stream = new FakeStream();
  const hub = servingHub(stream, 3, 100);
  const subscriber = hub.subscribe({
    transport: "sse",
    remoteAddress: "c",
    bufferSize: 100,
    start: { after: { run: stream.identity, seq: 2, index: 3 } },
  });
  const { ns, ids } = await collect(subscriber, 4);
  assert.deepEqual(ns, range(9, 12));
  assert.deepEqual(ids, ["LOGWISP.abc-3.0", "LOGWISP.abc-3.1", "LOGWISP.abc-3.2", "LOGWISP.abc-3.3"]);
  assert.equal(stream.reads, 0);
  feed(hub, stream);
  assert.deepEqual((await collect(subscriber, 4)).ns, range(13, 16));
});

test("a position the stream no longer holds: event gap with the messages missed, then the entries", async () => {
  const stream = new FakeStream();
  const hub = servingHub(stream, 10, 4);
  stream.firstSeq = 6;
  const subscriber = hub.subscribe({
    transport: "sse",
    remoteAddress: "c",
    bufferSize: 100,
    start: { after: { run: stream.identity, seq: 2, index: 3 } },
  });
  const { ns, events } = await collect(subscriber, 20);
  // messages 3, 4 and 5, and message 2 that the resume point is in (its last entry, as it happens)
  assert.deepEqual(events, ['event: gap\ndata: {"missed":4,"reason":"retention"}']);
  assert.deepEqual(ns, range(21, 40));
});

test("a backlog larger than the ring reaches into the stream, through the filter", async () => {
  const stream = new FakeStream();
  const hub = servingHub(stream, 10, 4);
  const subscriber = hub.subscribe({
    transport: "sse",
    remoteAddress: "c",
    bufferSize: 100,
    filter: compileFilter({ level: "warn" }, (part) => part),
    start: { backlog: 7 },
  });
  const { ns } = await collect(subscriber, 7);
  assert.deepEqual(ns, [28, 30, 32, 34, 36, 38, 40]);
  feed(hub, stream);
  assert.deepEqual((await collect(subscriber, 2)).ns, [42, 44]);
});

test("a backlog the ring holds is served from the ring", async () => {
  const stream = new FakeStream();
  const hub = servingHub(stream, 10, 8);
  const subscriber = hub.subscribe({
    transport: "tcp",
    remoteAddress: "c",
    bufferSize: 100,
    start: { backlog: 5 },
  });
  const batch = await subscriber.next();
  assert.equal(batch?.entries, 5);
  assert.equal(stream.reads, 0);
});

test("an id of another stream, or of a local run, is treated as absent", async () => {
  const stream = new FakeStream();
  const hub = servingHub(stream, 3, 100);
  for (const after of [
    { run: "LOGWISP.zzz", seq: 1, index: 0 },
    { run: "lz4k2x1s", seq: 1 },
  ]) {
    const subscriber = hub.subscribe({
      transport: "sse",
      remoteAddress: "c",
      bufferSize: 100,
      start: { after },
    });
    feed(hub, stream);
    const { ns, events } = await collect(subscriber, 4);
    assert.deepEqual(events, []);
    assert.deepEqual(ns, range(4 * stream.lastSeq - 3, 4 * stream.lastSeq));
    subscriber.close();
  }
  assert.equal(stream.reads, 0);
});

test("while NATS is away a client catching up keeps getting heartbeats, and resumes where it stopped", async () => {
  const stream = new FakeStream();
  const hub = servingHub(stream, 6, 4);
  stream.away = true;
  const subscriber = hub.subscribe({
    transport: "sse",
    remoteAddress: "c",
    bufferSize: 100,
    start: { after: { run: stream.identity, seq: 1, index: 3 } },
  });
  const waiting = subscriber.next();
  await new Promise((resolve) => setTimeout(resolve, 20));
  hub.broadcast("sse", new TextEncoder().encode(": hb\n\n"));
  assert.equal(decoder.decode((await waiting)?.bytes), ": hb\n\n");
  stream.away = false;
  const { ns } = await collect(subscriber, 20);
  assert.deepEqual(ns, range(5, 24));
});

test("a client reading the ring that the ring lets go past goes on from the stream, without a gap", async () => {
  const stream = new FakeStream();
  const hub = servingHub(stream, 4, 8);
  const subscriber = hub.subscribe({
    transport: "sse",
    remoteAddress: "c",
    bufferSize: 2,
    start: { after: { run: stream.identity, seq: 3, index: 0 } },
  });
  const first = await collect(subscriber, 2, 2);
  // the ring turns over past what the client has yet to read
  for (let i = 0; i < 5; i++) feed(hub, stream);
  const rest = await collect(subscriber, 4 * stream.lastSeq - 11, 2);
  assert.deepEqual(first.events, []);
  assert.deepEqual(rest.events, []);
  assert.deepEqual([...first.ns, ...rest.ns], range(10, 4 * stream.lastSeq));
  assert.ok(stream.reads > 0);
});

test("a resume point past what the hub has (an id from a faster instance) waits for the hub, then goes on", async () => {
  const stream = new FakeStream();
  const hub = servingHub(stream, 2, 100);
  // the stream holds 4 messages; this hub's consumer has handed on 2 of them so far
  stream.append();
  stream.append();
  const subscriber = hub.subscribe({
    transport: "sse",
    remoteAddress: "c",
    bufferSize: 100,
    start: { after: { run: stream.identity, seq: 3, index: 1 } },
  });
  const pending = collect(subscriber, 6);
  await new Promise((resolve) => setTimeout(resolve, 30));
  for (const seq of [3, 4]) {
    const jsons = stream.messages.get(seq) as string[];
    hub.publishBatch(
      jsons,
      undefined,
      jsons.map((_, index) => ({ seq, index })),
    );
  }
  assert.deepEqual((await pending).ns, range(11, 16));
  assert.equal(stream.reads, 0, "nothing past the hub is read from the stream");
});

test("a held TCP client (its position a local id of this run) starts after it, with its backlog", async () => {
  const stream = new FakeStream();
  const hub = servingHub(stream, 3, 100);
  const subscriber = hub.subscribe({ transport: "tcp", remoteAddress: "c", bufferSize: 100, held: true });
  const position = { run: hub.runId, seq: hub.published };
  feed(hub, stream);
  hub.start(subscriber, { start: { after: position, backlog: 2 } });
  const batch = await subscriber.next();
  assert.deepEqual(
    [...decoder.decode(batch?.bytes).matchAll(/"n":(\d+)/g)].map((match) => Number(match[1])),
    range(11, 16),
  );
});

test("served from a stream, a batch larger than a client's queue is not dropped: it catches up at its pace", async () => {
  const stream = new FakeStream();
  const hub = servingHub(stream, 1, 6);
  const subscriber = hub.subscribe({ transport: "sse", remoteAddress: "c", bufferSize: 3 });
  // three messages at once: 12 entries for a queue of 3, half of them already gone from the ring of 6
  for (let i = 0; i < 3; i++) feed(hub, stream);
  const { ns, events } = await collect(subscriber, 12, 3);
  assert.deepEqual(ns, range(5, 16));
  assert.deepEqual(events, []);
  assert.equal(subscriber.dropped, 0);
  feed(hub, stream);
  assert.deepEqual((await collect(subscriber, 4, 3)).ns, range(17, 20));
});
